"""networkPath peering: what the plan holds for a created and a given VPC, and the URI.

Sources the invariants come from:
- pulumi_mongodbatlas `NetworkContainer` docstring: `atlas_cidr_block` at least a /24 and at
  most a /21 in RFC 1918, locked once an M10+ cluster or a peering exists; `region_name` an
  Atlas AWS region name (`US_EAST_1`); one container per provider and region; a container
  is declared only when the peering comes before the region's first cluster, "if the cluster
  has been/will be created first Atlas automatically creates the required container" (with
  Atlas's own CIDR): so the cluster waits for ours.
- pulumi_mongodbatlas `NetworkPeering` docstring and its AWS example: `container_id`,
  `vpc_id` (the peer VPC), `accepter_region_name` "the AWS region where the peer VPC
  resides" (`us-east-1`), `aws_account_id` its owner, `route_table_cidr_block` "AWS VPC CIDR
  block or subnet"; the AWS side accepts with `VpcPeeringConnectionAccepter(
  vpc_peering_connection_id=<peering>.connection_id, auto_accept=True)`.
  `AdvancedCluster.connection_strings.private_srv`: the network-peering-endpoint-aware
  string, "returned only if you created a network peering connection to this cluster".
- Atlas "Set Up a Network Peering Connection" (mongodb.com/docs/atlas/security-vpc-peering):
  the VPC's CIDR goes on the project's IP access list; DNS hostnames and DNS resolution on
  in the VPC, or the cluster's hosts resolve to public addresses; not on M0/Flex.
- AWS VPC Peering Guide: "Update your route tables for a VPC peering connection" (each
  route table of the subnets that talk to the peer gets a route to its CIDR via `pcx-…`);
  "VPC peering limitations": no peering between VPCs with overlapping IPv4 CIDR blocks,
  secondary blocks included.
- AWS VPC User Guide, "Subnet route tables": a subnet with no explicit association uses the
  VPC's main route table.
"""

from __future__ import annotations

import pytest

from components.offline import Plan

from .conftest import (
    ACCEPTER,
    ASSOCIATION,
    CLUSTER,
    CONTAINER,
    EGRESS,
    FUNCTION,
    GIVEN_SUBNET_ZONES,
    GIVEN_VPC_ID,
    INGRESS,
    PEERING,
    PRIVATE_LINK,
    ROUTE,
    ROUTE_TABLE,
    SG,
    SUBNET,
    VPC,
    access_list,
    created,
    deployed,
    deployed_on,
    given_vpc_config,
    host,
    mongodb_uri,
    refusal,
    uri_options,
)
from .fake_cloud import ACCOUNT, FakeCloud, GivenVpc, peering_connection_id

P = "atlas-lambda:"
ATLAS_CIDR = "192.168.248.0/21"  # Pulumi.peering.yaml
CREATED_VPC_CIDR = "10.0.0.0/16"  # the vpcCidr default
SUBNETS = list(GIVEN_SUBNET_ZONES)
GIVEN_PROJECT = {P + "projectId": "0123456789abcdef01234567", P + "orgId": ""}
# The pcx- id Atlas requests for the peering (the fake derives it from the resource name).
PCX = peering_connection_id("app-peering-atlas")
READ_CLUSTER = "mongodbatlas:index/getAdvancedCluster:getAdvancedCluster"


@pytest.fixture(scope="module")
def created_vpc() -> tuple[Plan, FakeCloud]:
    return deployed("peering")


@pytest.fixture(scope="module")
def given_vpc() -> tuple[Plan, FakeCloud]:
    """A given VPC whose first two subnets share an explicit table, the third uses the main
    one."""
    shared = "rtb-0aaaaaaaaaaaaaaa1"
    vpc = GivenVpc(route_tables={SUBNETS[0]: shared, SUBNETS[1]: shared})
    return deployed("peering", given_vpc_config("peering"), vpcs=[vpc])


# --- created VPC -------------------------------------------------------------------------


def test_container_is_declared_with_the_cidr_before_the_cluster(created_vpc):
    """NetworkContainer: CIDR, provider AWS, the Atlas region name; the cluster's projectId
    waits for it, or Atlas gives the region a container with its default CIDR first."""
    plan, fake = created_vpc
    container = plan.one(CONTAINER)
    cluster = plan.one(CLUSTER)
    assert container.inputs == {
        "atlasCidrBlock": ATLAS_CIDR,
        "projectId": plan.outputs["projectId"],
        "providerName": "AWS",
        "regionName": "US_EAST_1",
    }
    [region] = cluster.inputs["replicationSpecs"][0]["regionConfigs"]
    assert region["regionName"] == container.inputs["regionName"]
    assert container.urn in cluster.dependencies
    events = [event for kind, event in fake.events if kind == "create"]
    assert events.index(f"{CONTAINER}::app-atlas-container") < events.index(
        f"{CLUSTER}::app-atlas-cluster"
    )


def test_peering_request_names_the_container_the_vpc_and_its_owner(created_vpc):
    plan, fake = created_vpc
    peering = plan.one(PEERING).inputs
    vpc = plan.one(VPC)
    assert peering == {
        "accepterRegionName": "us-east-1",  # the AWS form, not US_EAST_1
        "awsAccountId": ACCOUNT,  # read from STS, never typed
        "containerId": fake.ids[(CONTAINER, "app-atlas-container")],
        "projectId": plan.outputs["projectId"],
        "providerName": "AWS",
        "routeTableCidrBlock": vpc.inputs["cidrBlock"],
        "vpcId": fake.ids[(VPC, vpc.name)],
    }
    assert vpc.inputs["cidrBlock"] == CREATED_VPC_CIDR


def test_aws_side_accepts_the_peerings_own_connection(created_vpc):
    plan, _ = created_vpc
    accepter = plan.one(ACCEPTER)
    assert accepter.inputs["vpcPeeringConnectionId"] == PCX
    assert accepter.inputs["autoAccept"] is True
    assert plan.outputs["peeringConnectionId"] == PCX


def _tables_of_function_subnets(plan: Plan) -> set[str]:
    subnets = set(plan.one(FUNCTION).inputs["vpcConfig"]["subnetIds"])
    associations = [a.inputs for a in plan.by_type(ASSOCIATION)]
    assert subnets <= {a["subnetId"] for a in associations}, "a function subnet has no table"
    return {a["routeTableId"] for a in associations if a["subnetId"] in subnets}


def test_every_private_route_table_routes_the_atlas_cidr_to_the_peering(created_vpc):
    plan, fake = created_vpc
    tables = _tables_of_function_subnets(plan)
    own = {fake.ids[(ROUTE_TABLE, table.name)] for table in plan.by_type(ROUTE_TABLE)}
    assert tables == own and len(tables) == len(plan.by_type(SUBNET)) == 2
    routes = [route.inputs for route in plan.by_type(ROUTE)]
    assert sorted(route["routeTableId"] for route in routes) == sorted(tables)  # once each
    for route in routes:
        assert route["destinationCidrBlock"] == ATLAS_CIDR
        assert route["vpcPeeringConnectionId"] == PCX
        assert not {"gatewayId", "natGatewayId"} & route.keys()


def test_created_vpc_resolves_the_cluster_names_privately(created_vpc):
    plan, _ = created_vpc
    vpc = plan.one(VPC).inputs
    assert vpc["enableDnsSupport"] is True and vpc["enableDnsHostnames"] is True


def test_access_list_is_the_vpc_cidr_only(created_vpc):
    plan, _ = created_vpc
    assert access_list(plan) == [CREATED_VPC_CIDR]


def test_function_egress_is_the_atlas_cidr_only_and_no_private_link(created_vpc):
    plan, fake = created_vpc
    [group] = plan.by_type(SG)
    [egress] = [rule.inputs for rule in plan.by_type(EGRESS)]
    assert "egress" not in group.inputs and "ingress" not in group.inputs
    assert egress["securityGroupId"] == fake.ids[(SG, group.name)]
    assert (egress["cidrIpv4"], egress["ipProtocol"], egress["fromPort"], egress["toPort"]) == (
        ATLAS_CIDR, "tcp", 27015, 27017,
    )  # fmt: skip
    assert "referencedSecurityGroupId" not in egress
    assert plan.by_type(INGRESS) == []
    assert [r.type for r in plan.resources if r.type in PRIVATE_LINK] == []
    assert plan.one(FUNCTION).inputs["vpcConfig"]["securityGroupIds"] == [
        fake.ids[(SG, group.name)]
    ]


def test_uri_is_the_peering_aware_private_string(created_vpc):
    plan, fake = created_vpc
    uri = mongodb_uri(plan)
    cluster = plan.outputs["clusterName"]
    assert plan.outputs["privateSrvConnectionString"] == fake.peering_srv_for(cluster)
    assert uri.scheme == "mongodb+srv"
    assert uri.hostname == host(fake.peering_srv_for(cluster))
    assert uri.hostname != host(fake.standard_srv_for(cluster))
    assert uri.username is None and uri.password is None
    options = uri_options(uri)
    assert options["authMechanism"] == "MONGODB-AWS" and options["authSource"] == "$external"
    assert "srvMaxHosts" not in options and "loadBalanced" not in options  # a replica set


@pytest.mark.parametrize("vpc", ["created", "given"])
def test_the_private_string_is_read_after_every_route(vpc, created_vpc, given_vpc):
    """Atlas lists `private_srv` only once the peering is up, and the function must not go
    live before its subnets route to Atlas: the read, and so the function, waits for the
    accepter and every route, also the routes declared after reading a given VPC's tables."""
    plan, fake = created_vpc if vpc == "created" else given_vpc
    routes = plan.by_type(ROUTE)
    assert routes
    events = [f"{kind}:{what}" for kind, what in fake.events]
    read = events.index(f"invoke:{READ_CLUSTER}")
    for resource in [*routes, plan.one(ACCEPTER)]:
        assert events.index(f"create:{resource.type}::{resource.name}") < read, resource.name
    function = plan.one(FUNCTION)
    assert {route.urn for route in routes} <= set(function.dependencies)
    # And the string it reads is the peering-aware one, for a given VPC too.
    assert mongodb_uri(plan).hostname == host(fake.peering_srv_for(plan.outputs["clusterName"]))


def test_sharded_peering_budgets_the_legacy_model():
    """Load-balanced mode exists only through a private endpoint's shard-optimized string:
    over peering the URI monitors srvMaxHosts=3 mongos, 2 connections per environment each
    (M30: 2,990 usable, 1,495 environments at most), never loadBalanced."""
    peering = {P + "networkPath": "peering", P + "atlasCidrBlock": ATLAS_CIDR}
    plan, _ = deployed("prod", {**peering, P + "reservedConcurrency": "1495"})
    options = uri_options(mongodb_uri(plan))
    assert options["srvMaxHosts"] == "3" and "loadBalanced" not in options
    assert not mongodb_uri(plan).hostname.split(".")[0].endswith("-lb")
    error = refusal(lambda: deployed("prod", {**peering, P + "reservedConcurrency": "1496"}))
    assert error.key == "reservedConcurrency" and error.allowed == "1-1495"
    # The same concurrency through the private endpoint is budgeted load-balanced.
    endpoint, _ = deployed("prod", {P + "reservedConcurrency": "1496"})
    assert "srvMaxHosts" not in uri_options(mongodb_uri(endpoint))


# --- given VPC ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1", SUBNETS[1]: "rtb-0bbbbbbbbbbbbbbb2",
          SUBNETS[2]: "rtb-0ccccccccccccccc3"},
         {"rtb-0aaaaaaaaaaaaaaa1", "rtb-0bbbbbbbbbbbbbbb2", "rtb-0ccccccccccccccc3"}),
        ({}, {"rtb-0main0000000000000"}),
        ({SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1", SUBNETS[1]: "rtb-0aaaaaaaaaaaaaaa1"},
         {"rtb-0aaaaaaaaaaaaaaa1", "rtb-0main0000000000000"}),
        # A table of another subnet of the VPC (not the function's) is left alone.
        ({SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1", SUBNETS[1]: "rtb-0aaaaaaaaaaaaaaa1",
          SUBNETS[2]: "rtb-0aaaaaaaaaaaaaaa1", "subnet-0ddddddddddddddd4": "rtb-0ddddddddddddddd4"},
         {"rtb-0aaaaaaaaaaaaaaa1"}),
    ],
    ids=["explicit", "main-table", "shared-and-main", "other-subnets-table"],
)  # fmt: skip
def test_given_vpc_a_route_for_each_table_its_subnets_use(tables, expected):
    vpc = GivenVpc(route_tables=tables)
    plan, fake = deployed("peering", given_vpc_config("peering"), vpcs=[vpc])
    routes = [route.inputs for route in plan.by_type(ROUTE)]
    assert sorted(route["routeTableId"] for route in routes) == sorted(expected)  # once each
    assert {route["destinationCidrBlock"] for route in routes} == {ATLAS_CIDR}
    assert {route["vpcPeeringConnectionId"] for route in routes} == {PCX}
    # Nothing of the VPC is created; the peering, access list and DNS check use EC2's view.
    assert not [r for r in plan.resources if r.type in (VPC, SUBNET, ROUTE_TABLE, ASSOCIATION)]
    peering = plan.one(PEERING).inputs
    assert peering["vpcId"] == GIVEN_VPC_ID and peering["routeTableCidrBlock"] == vpc.cidr_block
    assert access_list(plan) == [vpc.cidr_block]
    assert ("aws:ec2/getVpc:getVpc", {"id": GIVEN_VPC_ID}) in fake.reads


@pytest.mark.parametrize(
    ("support", "hostnames", "named_off"),
    [(False, True, "DNS resolution off"), (True, False, "DNS hostnames off"),
     (False, False, "DNS resolution and DNS hostnames off")],
    ids=["resolution-off", "hostnames-off", "both-off"],
)  # fmt: skip
def test_given_vpc_with_dns_off_is_refused_naming_vpc_id(support, hostnames, named_off):
    vpc = GivenVpc(dns_support=support, dns_hostnames=hostnames)
    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, vpcs=[vpc])
    error = refusal(lambda: deployed_on(fake, "peering", given_vpc_config("peering")))
    assert error.key == "vpcId"
    assert f"{GIVEN_VPC_ID} has {named_off}" in str(error)
    assert "public addresses" in str(error)
    assert not created(fake, PEERING, "app-peering-atlas"), "a peering was requested"


@pytest.mark.parametrize(
    ("primary", "secondary", "clash"),
    [("10.20.0.0/16", ["192.168.250.0/24"], "192.168.250.0/24"),
     ("192.168.0.0/16", [], "192.168.0.0/16")],
    ids=["secondary-block", "primary-block"],
)  # fmt: skip
def test_given_vpc_overlapping_the_atlas_cidr_is_refused_naming_atlas_cidr_block(
    primary, secondary, clash
):
    vpc = GivenVpc(cidr_block=primary, secondary_cidr_blocks=secondary)
    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, vpcs=[vpc])
    error = refusal(lambda: deployed_on(fake, "peering", given_vpc_config("peering")))
    assert error.key == "atlasCidrBlock"
    assert f"{ATLAS_CIDR} overlaps the VPC's {clash}" in str(error)
    assert not created(fake, PEERING, "app-peering-atlas")


def test_given_vpc_with_a_secondary_block_apart_from_atlas_peers():
    vpc = GivenVpc(secondary_cidr_blocks=["10.30.0.0/16"])
    plan, _ = deployed("peering", given_vpc_config("peering"), vpcs=[vpc])
    assert plan.one(PEERING).inputs["routeTableCidrBlock"] == vpc.cidr_block
    assert plan.by_type(ROUTE)


def test_given_vpc_function_subnet_in_a_secondary_block_is_refused_naming_subnet_ids():
    """pulumi_mongodbatlas NetworkPeering `route_table_cidr_block` ("AWS VPC CIDR block or
    subnet") is the one block Atlas routes back to, here the VPC's primary one: a function
    subnet in a secondary block would never hear back, and the access list would not
    admit it."""
    subnet = next(iter(GIVEN_SUBNET_ZONES))
    vpc = GivenVpc(secondary_cidr_blocks=["10.30.0.0/16"], subnet_cidrs={subnet: "10.30.1.0/24"})
    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, vpcs=[vpc])
    error = refusal(lambda: deployed_on(fake, "peering", given_vpc_config("peering")))
    assert error.key == "subnetIds", str(error)
    assert f"{subnet} (10.30.1.0/24)" in str(error) and "10.20.0.0/16" in str(error)
    assert not created(fake, PEERING, "app-peering-atlas")


# --- a given Atlas project ---------------------------------------------------------------

EXISTING = {"id": "65c0ffee0000000000000001", "atlasCidrBlock": ATLAS_CIDR,
            "regionName": "US_EAST_1"}  # fmt: skip


def test_given_project_reuses_its_container_for_the_region():
    """One container per region: the project's own is used, none declared."""
    plan, fake = deployed("peering", GIVEN_PROJECT, network_containers=[EXISTING])
    assert plan.by_type(CONTAINER) == []
    assert plan.one(PEERING).inputs["containerId"] == EXISTING["id"]
    assert plan.one(CLUSTER).inputs["projectId"] == GIVEN_PROJECT[P + "projectId"]
    read = ("mongodbatlas:index/getNetworkContainers:getNetworkContainers",
            {"projectId": GIVEN_PROJECT[P + "projectId"], "providerName": "AWS"})  # fmt: skip
    assert read in fake.reads


def test_given_project_container_with_another_cidr_is_refused_naming_atlas_cidr_block():
    """Atlas locks a container's CIDR once an M10+ cluster or a peering exists."""
    other = {**GIVEN_PROJECT, P + "atlasCidrBlock": "192.168.240.0/21"}
    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, network_containers=[EXISTING])
    error = refusal(lambda: deployed_on(fake, "peering", other))
    assert error.key == "atlasCidrBlock" and error.allowed == ATLAS_CIDR
    assert "already has a network container in US_EAST_1 with 192.168.248.0/21" in str(error)
    assert not created(fake, PEERING, "app-peering-atlas")
    assert not created(fake, CONTAINER, "app-atlas-container")


def test_given_project_with_a_container_elsewhere_declares_one_for_the_region():
    elsewhere = {**EXISTING, "atlasCidrBlock": "10.8.0.0/21", "regionName": "EU_WEST_1"}
    plan, fake = deployed("peering", GIVEN_PROJECT, network_containers=[elsewhere])
    container = plan.one(CONTAINER)
    assert container.inputs["regionName"] == "US_EAST_1"
    assert container.inputs["atlasCidrBlock"] == ATLAS_CIDR
    assert container.urn in plan.one(CLUSTER).dependencies
    assert plan.one(PEERING).inputs["containerId"] == fake.ids[(CONTAINER, container.name)]
