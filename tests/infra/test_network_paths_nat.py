"""networkPath natGateway: what the plan holds for a created and a given VPC, and the URI.

Sources the invariants come from:
- AWS VPC User Guide, "NAT gateways": a public NAT gateway lives in a public subnet (one
  whose route table sends 0.0.0.0/0 to an internet gateway) and needs an Elastic IP; the
  private subnets route 0.0.0.0/0 to it; "create a NAT gateway in each Availability Zone and
  configure your routing to ensure that resources use the NAT gateway in the same
  Availability Zone", or a zone's outage takes the others' egress with it; NAT gateways and
  public IPv4 addresses are billed by the hour. "Subnet route tables": a subnet with no
  explicit association uses the main route table.
- AWS Lambda Developer Guide, "Enable internet access for VPC-connected Lambda functions": a
  function's network interface never has a public IP; it reaches the internet only through
  a NAT gateway.
- Atlas "Configure IP Access List Entries" (mongodb.com/docs/atlas/security/ip-access-list):
  Atlas admits client connections only from entries on the project's IP access list; one
  address is a `/32` entry.
- MongoDB "Manage Connections with AWS Lambda": if private networking is not an option, a
  NAT gateway with a mapped Elastic IP, so the access list holds that one fixed address.
- Atlas "M0 (Free Cluster) Limits" and "Flex Limits": no network peering and no private
  endpoints, so the NAT path (and the public one) are what those tiers have.
"""

from __future__ import annotations

import pytest

from components.offline import Plan, run_program

from .conftest import (
    ACCESS,
    ASSOCIATION,
    CLUSTER,
    EGRESS,
    EIP,
    FUNCTION,
    GIVEN_SUBNET_ZONES,
    GIVEN_VPC_ID,
    IGW,
    NAT,
    PEERING,
    PRIVATE_LINK,
    ROUTE,
    SG,
    SUBNET,
    VPC,
    access_list,
    deployed,
    deployed_on,
    given_vpc_config,
    host,
    mongodb_uri,
    refusal,
    uri_options,
)
from .fake_cloud import ANYWHERE, FakeCloud, GivenVpc, public_ip

P = "atlas-lambda:"
SUBNETS = list(GIVEN_SUBNET_ZONES)
ZONES = 3
READS_OF_NAT = ("aws:ec2/getRouteTable:getRouteTable", "aws:ec2/getNatGateway:getNatGateway",
                "aws:ec2/getRouteTables:getRouteTables")  # fmt: skip


@pytest.fixture(scope="module")
def per_zone() -> tuple[Plan, FakeCloud]:
    """Pulumi.nat.yaml (FLEX, eu-west-1, perZone) over three zones."""
    return deployed("nat", {P + "availabilityZones": str(ZONES)})


@pytest.fixture(scope="module")
def single() -> tuple[Plan, FakeCloud]:
    return deployed("nat", {P + "availabilityZones": str(ZONES), P + "natGateways": "single"})


def _ids(plan: Plan, fake: FakeCloud, type_: str, prefix: str) -> list[str]:
    """Physical ids of the resources of `type_` whose name starts with `prefix`, by name."""
    found = sorted(r.name for r in plan.by_type(type_) if r.name.startswith(prefix))
    return [fake.ids[(type_, name)] for name in found]


def _table_of(plan: Plan, subnet: str) -> str:
    [table] = [a.inputs["routeTableId"] for a in plan.by_type(ASSOCIATION)
               if a.inputs["subnetId"] == subnet]  # fmt: skip
    return table


def _default_route(plan: Plan, table: str) -> dict:
    routes = [r.inputs for r in plan.by_type(ROUTE) if r.inputs["routeTableId"] == table]
    [route] = [route for route in routes if route["destinationCidrBlock"] == ANYWHERE]
    return route


def _nat_zones(plan: Plan, fake: FakeCloud) -> dict[str, str]:
    """NAT gateway id → the zone of its subnet."""
    return {
        fake.ids[(NAT, nat.name)]: fake.subnet_zones[nat.inputs["subnetId"]]
        for nat in plan.by_type(NAT)
    }


# --- created VPC, a NAT gateway per zone ---------------------------------------------------


def test_public_subnets_internet_gateway_and_a_nat_with_an_elastic_ip_per_zone(per_zone):
    plan, fake = per_zone
    vpc = fake.ids[(VPC, "app-network-vpc")]
    public = _ids(plan, fake, SUBNET, "app-network-public-")
    private = _ids(plan, fake, SUBNET, "app-network-private-")
    assert len(public) == len(private) == ZONES
    zones = sorted(fake.subnet_zones[subnet] for subnet in public)
    assert zones == sorted(fake.subnet_zones[subnet] for subnet in private)
    assert len(set(zones)) == ZONES
    [gateway] = plan.by_type(IGW)
    assert gateway.inputs["vpcId"] == vpc
    # The public subnets route 0.0.0.0/0 to the internet gateway.
    for subnet in public:
        route = _default_route(plan, _table_of(plan, subnet))
        assert route == {**route, "gatewayId": fake.ids[(IGW, gateway.name)]}
        assert "natGatewayId" not in route
    eips = plan.by_type(EIP)
    nats = plan.by_type(NAT)
    assert len(eips) == len(nats) == ZONES
    assert all(eip.inputs["domain"] == "vpc" for eip in eips)
    assert sorted(nat.inputs["allocationId"] for nat in nats) == sorted(
        fake.ids[(EIP, eip.name)] for eip in eips
    )
    assert sorted(nat.inputs["subnetId"] for nat in nats) == sorted(public)  # one per subnet
    assert {nat.inputs["connectivityType"] for nat in nats} == {"public"}
    # EC2 refuses a NAT gateway before the VPC has an internet gateway.
    assert all(gateway.urn in nat.dependencies for nat in nats)


def test_each_private_subnet_sends_anywhere_to_the_nat_of_its_zone(per_zone):
    plan, fake = per_zone
    function_subnets = plan.one(FUNCTION).inputs["vpcConfig"]["subnetIds"]
    assert sorted(function_subnets) == sorted(_ids(plan, fake, SUBNET, "app-network-private-"))
    nat_zones = _nat_zones(plan, fake)
    used = set()
    for subnet in function_subnets:
        route = _default_route(plan, _table_of(plan, subnet))
        assert nat_zones[route["natGatewayId"]] == fake.subnet_zones[subnet]
        assert "gatewayId" not in route
        used.add(route["natGatewayId"])
    assert used == set(nat_zones)
    # Private subnets are theirs alone: no table shared with the public ones.
    assert not {_table_of(plan, s) for s in function_subnets} & {
        _table_of(plan, s) for s in _ids(plan, fake, SUBNET, "app-network-public-")
    }


def test_one_32_entry_per_elastic_ip_taken_from_the_resource(per_zone):
    plan, _ = per_zone
    addresses = [public_ip(eip.name) for eip in plan.by_type(EIP)]
    assert len(set(addresses)) == ZONES
    assert access_list(plan) == sorted(f"{address}/32" for address in addresses)
    assert ANYWHERE not in access_list(plan)
    assert sorted(plan.outputs["natPublicIps"]) == sorted(addresses)


def test_function_egress_to_atlas_ports_anywhere_and_the_standard_srv(per_zone):
    plan, fake = per_zone
    [group] = plan.by_type(SG)
    [egress] = [rule.inputs for rule in plan.by_type(EGRESS)]
    assert egress["securityGroupId"] == fake.ids[(SG, group.name)]
    assert (egress["cidrIpv4"], egress["ipProtocol"], egress["fromPort"], egress["toPort"]) == (
        ANYWHERE, "tcp", 27015, 27017,
    )  # fmt: skip
    assert [r for r in plan.resources if r.type in (*PRIVATE_LINK, PEERING)] == []
    uri = mongodb_uri(plan)
    cluster = plan.outputs["clusterName"]
    assert plan.outputs["srvConnectionString"] == fake.standard_srv_for(cluster)
    assert uri.hostname == host(fake.standard_srv_for(cluster))
    assert uri.username is None and uri.password is None
    assert uri_options(uri)["authMechanism"] == "MONGODB-AWS"


def test_per_zone_has_no_single_nat_advisory(per_zone):
    plan, _ = per_zone
    assert "single-nat-gateway" not in {a["rule"] for a in plan.advisories}


# --- created VPC, one NAT gateway ----------------------------------------------------------


def test_single_nat_serves_every_private_table_with_an_advisory(single):
    plan, fake = single
    [eip] = plan.by_type(EIP)
    [nat] = plan.by_type(NAT)
    nat_id = fake.ids[(NAT, nat.name)]
    assert nat.inputs["allocationId"] == fake.ids[(EIP, eip.name)]
    function_subnets = plan.one(FUNCTION).inputs["vpcConfig"]["subnetIds"]
    assert len(function_subnets) == ZONES
    for subnet in function_subnets:
        assert _default_route(plan, _table_of(plan, subnet))["natGatewayId"] == nat_id
    assert access_list(plan) == [f"{public_ip(eip.name)}/32"]
    [advisory] = [a for a in plan.advisories if a["rule"] == "single-nat-gateway"]
    assert advisory["key"] == "natGateways"
    assert "outage of its zone cuts the function off" in advisory["message"]
    assert "cross-zone data transfer" in advisory["message"]


# --- tiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("tier", ["M0", "FLEX", "M10"])
def test_nat_path_works_on_every_tier(tier):
    plan, _ = deployed("nat", {P + "tier": tier})
    assert len(access_list(plan)) == len(plan.by_type(EIP)) == 2
    region = plan.one(CLUSTER).inputs["replicationSpecs"][0]["regionConfigs"][0]
    assert region["providerName"] == {"M0": "TENANT", "FLEX": "FLEX"}.get(tier, "AWS")


@pytest.mark.parametrize("path", ["privateEndpoint", "peering"])
@pytest.mark.parametrize("tier", ["M0", "FLEX"])
def test_private_paths_are_refused_on_shared_tiers(tier, path):
    fake = FakeCloud(region="eu-west-1")
    overrides = {P + "tier": tier, P + "networkPath": path}
    error = refusal(lambda: deployed_on(fake, "nat", overrides))
    assert error.key == "networkPath"
    assert error.allowed is not None and f"natGateway or public on {tier}" in error.allowed
    assert fake.events == [], "a resource was registered before the refusal"


# --- given VPC ---------------------------------------------------------------------------

# Two explicit tables, each to its zone's NAT; the third subnet uses the main table, which
# sends to the first NAT (so that one is read twice and admitted once).
NAT_A, NAT_B = "nat-0aaaaaaaaaaaaaaa1", "nat-0bbbbbbbbbbbbbbb2"
GIVEN_NAT_VPC = GivenVpc(
    route_tables={SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1", SUBNETS[1]: "rtb-0bbbbbbbbbbbbbbb2"},
    nat_routes={"rtb-0aaaaaaaaaaaaaaa1": NAT_A, "rtb-0bbbbbbbbbbbbbbb2": NAT_B,
                "rtb-0main0000000000000": NAT_A},
    nat_public_ips={NAT_A: "198.51.100.7", NAT_B: "198.51.100.8"},
)  # fmt: skip


def test_given_vpc_admits_the_nat_addresses_read_through_the_subnets_route_tables():
    plan, fake = deployed("nat", given_vpc_config("natGateway"), vpcs=[GIVEN_NAT_VPC])
    assert access_list(plan) == ["198.51.100.7/32", "198.51.100.8/32"]
    read_tables = sorted(a["routeTableId"] for t, a in fake.reads if t == READS_OF_NAT[0])
    assert read_tables == sorted(GIVEN_NAT_VPC.tables())
    read_nats = sorted(a["id"] for t, a in fake.reads if t == READS_OF_NAT[1])
    assert read_nats == [NAT_A, NAT_B]  # each gateway once
    # Nothing of the network is created: no subnet, gateway, address or route.
    assert not [r for r in plan.resources if r.type in (VPC, SUBNET, IGW, EIP, NAT, ROUTE)]
    function = plan.one(FUNCTION).inputs
    assert function["vpcConfig"]["subnetIds"] == SUBNETS
    assert plan.one(SG).inputs["vpcId"] == GIVEN_VPC_ID
    assert mongodb_uri(plan).hostname == host(fake.standard_srv_for(plan.outputs["clusterName"]))


def test_given_vpc_exports_the_nat_addresses_as_a_created_vpc_does():
    plan, _ = deployed("nat", given_vpc_config("natGateway"), vpcs=[GIVEN_NAT_VPC])
    assert plan.outputs["natPublicIps"] == ["198.51.100.7", "198.51.100.8"]


def test_given_vpc_table_without_a_nat_default_route_is_refused_naming_subnet_ids():
    vpc = GivenVpc(
        route_tables={SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1"},
        nat_routes={"rtb-0main0000000000000": NAT_A},  # rtb-0aaa… has no route out
        nat_public_ips={NAT_A: "198.51.100.7"},
    )
    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, vpcs=[vpc])
    error = refusal(
        lambda: deployed_on(fake, "nat", {**given_vpc_config("natGateway"),
                                          "aws:region": "us-east-1"})
    )  # fmt: skip
    assert error.key == "subnetIds"
    assert "route table rtb-0aaaaaaaaaaaaaaa1 of the function's subnets" in str(error)
    assert "sends 0.0.0.0/0 to no NAT gateway" in str(error)
    assert not [e for e in fake.events if e == ("create", f"{ACCESS}::app-atlas-nat-0")]


def test_given_access_list_is_used_as_given_with_no_reads():
    given = ["203.0.113.7/32", "203.0.113.8/32"]
    overrides = {
        **given_vpc_config("natGateway"),
        P + "accessListCidrs": '["203.0.113.7/32", "203.0.113.8/32"]',
        P + "allowAccessList": "true",
    }
    plan, fake = deployed("nat", overrides, vpcs=[GIVEN_NAT_VPC])
    assert access_list(plan) == given
    assert [t for t, _ in fake.reads if t in READS_OF_NAT] == []
    assert plan.outputs["natPublicIps"] == given


def test_given_vpc_nat_reads_as_a_building_block():
    """A program composing AtlasCluster with the given-VPC read by hand gets the same /32
    entries (components.network.given_vpc.nat_public_ips + AtlasCluster.admit)."""
    from components import AtlasCluster
    from components.network import given_vpc

    def program() -> dict:
        args = {"cluster_name": "orders", "aws_region": "us-east-1", "tier": "FLEX",
                "org_id": "5f0000000000000000000001"}  # fmt: skip
        cluster = AtlasCluster("db", args)
        addresses = given_vpc.nat_public_ips(GIVEN_VPC_ID, SUBNETS, cluster)
        cluster.admit("nat", addresses, "NAT gateway")
        return {"addresses": addresses}

    fake = FakeCloud(subnet_zones=GIVEN_SUBNET_ZONES, vpcs=[GIVEN_NAT_VPC])
    plan = run_program(program, stack="user", mocks=fake, preview=False).plan
    assert plan.outputs["addresses"] == ["198.51.100.7", "198.51.100.8"]
    assert access_list(plan) == ["198.51.100.7/32", "198.51.100.8/32"]
