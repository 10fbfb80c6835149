"""The network paths side by side: the public path, each path's stack outputs, every example
stack, and the building blocks refusing what the pattern refuses when composed by hand.
Peering: test_network_paths_peering.py; NAT gateway: test_network_paths_nat.py.

Sources the invariants come from:
- MongoDB "Manage Connections with AWS Lambda": the last resort, when neither private
  networking nor a NAT gateway is an option, is an access-list entry for 0.0.0.0/0 with
  strong credentials (here: the IAM database user, the only kind).
- Atlas "Configure IP Access List Entries" (mongodb.com/docs/atlas/security/ip-access-list):
  0.0.0.0/0 admits every address; Atlas warns against it.
- AWS Lambda Developer Guide, "Giving Lambda functions access to resources in an Amazon VPC":
  a function without `VpcConfig` runs in Lambda's own network with internet access, creates
  no network interfaces and needs no AWSLambdaVPCAccessExecutionRole.
- Atlas "M0 (Free Cluster) Limits" and "Flex Limits": no network peering and no private
  endpoints on those tiers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import AtlasCluster, ConfigError, MongoLambda, VpcPeering
from components.guardrails.network_paths import NETWORK_PATHS
from components.offline import Plan, run_program, run_stack
from components.offline.engine import stack_config
from components.offline.failures import clear_error

from .conftest import (
    ACCEPTER,
    ATTACHMENT,
    CONTAINER,
    EGRESS,
    EIP,
    FUNCTION,
    IGW,
    INGRESS,
    NAT,
    PEERING,
    PRIVATE_LINK,
    ROUTE,
    ROUTE_TABLE,
    SG,
    SUBNET,
    VPC,
    VPCE,
    access_list,
    deployed,
    deployed_on,
    host,
    mongodb_uri,
    refusal,
    uri_options,
)
from .fake_cloud import ANYWHERE, FakeCloud, peering_connection_id, public_ip

P = "atlas-lambda:"
ROOT = Path(__file__).resolve().parents[2]
NETWORK_TYPES = (VPC, SUBNET, ROUTE_TABLE, ROUTE, IGW, EIP, NAT, SG, EGRESS, INGRESS,
                 ACCEPTER, PEERING, CONTAINER, *PRIVATE_LINK)  # fmt: skip
PROJECT_ID = "65a1b2c3d4e5f60718293a4b"


@pytest.fixture(scope="module")
def public() -> tuple[Plan, FakeCloud]:
    return deployed("public")


# --- public ------------------------------------------------------------------------------


def test_public_creates_no_network_and_the_function_has_no_vpc(public):
    plan, _ = public
    assert [r.type for r in plan.resources if r.type in NETWORK_TYPES] == []
    function = plan.one(FUNCTION).inputs
    assert "vpcConfig" not in function
    # No network interfaces, so no VPC access policy on the role (nor anything else).
    assert plan.by_type(ATTACHMENT) == []


def test_public_admits_exactly_anywhere_with_a_warning_naming_the_risk(public):
    plan, _ = public
    assert access_list(plan) == [ANYWHERE]
    [advisory] = [a for a in plan.advisories if a["rule"] == "access-from-anywhere"]
    assert advisory["key"] == "allowAccessFromAnywhere"
    assert "any address (0.0.0.0/0)" in advisory["message"]
    assert "only the IAM database user's credentials" in advisory["message"]
    assert any(w.startswith("allowAccessFromAnywhere: ") for w in plan.warnings)


def test_public_uri_is_the_standard_srv(public):
    plan, fake = public
    uri = mongodb_uri(plan)
    cluster = plan.outputs["clusterName"]
    assert plan.outputs["srvConnectionString"] == fake.standard_srv_for(cluster)
    assert uri.hostname == host(fake.standard_srv_for(cluster))
    assert uri.username is None and uri.password is None
    options = uri_options(uri)
    assert options["authMechanism"] == "MONGODB-AWS" and options["authSource"] == "$external"


@pytest.mark.parametrize(
    ("overrides", "key", "says"),
    [
        ({P + "allowAccessFromAnywhere": "false"}, "allowAccessFromAnywhere",
         "needs an access-list entry for 0.0.0.0/0"),
        ({P + "vpcId": "vpc-0123456789abcdef0"}, "vpcId", "outside any VPC"),
        ({P + "subnetIds": '["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]'},
         "subnetIds", "outside any VPC"),
    ],
    ids=["no-opt-in", "vpc-id", "subnet-ids"],
)  # fmt: skip
def test_public_refusals_name_the_key(overrides, key, says):
    fake = FakeCloud()
    error = refusal(lambda: deployed_on(fake, "public", overrides))
    assert error.key == key and says in str(error)
    assert fake.events == []


# --- stack outputs per path --------------------------------------------------------------

# functionUrl too, when the stack turns the URL on (dev); a None output is not exported.
COMMON_OUTPUTS = {"projectId", "clusterName", "clusterType", "networkPath", "functionName",
                  "functionArn", "invocationArn", "roleArn", "databaseUser",
                  "logGroup"}  # fmt: skip
PATH_OUTPUTS = {
    "dev": ("privateEndpoint", {"vpcId", "vpcEndpointId", "privateSrvConnectionString"}),
    "peering": ("peering", {"vpcId", "peeringConnectionId", "privateSrvConnectionString"}),
    "nat": ("natGateway", {"vpcId", "natPublicIps", "srvConnectionString"}),
    "public": ("public", {"srvConnectionString"}),
}


@pytest.mark.parametrize("stack", sorted(PATH_OUTPUTS))
def test_each_path_exports_its_own_outputs(stack):
    plan, fake = deployed(stack)
    path, own = PATH_OUTPUTS[stack]
    outputs = plan.outputs
    assert set(outputs) - {"functionUrl"} == COMMON_OUTPUTS | own
    assert outputs["networkPath"] == path
    if "vpcId" in own:
        assert outputs["vpcId"] == fake.ids[(VPC, "app-network-vpc")]
    if path == "privateEndpoint":
        assert outputs["vpcEndpointId"] == fake.ids[(VPCE, "app-privatelink-vpce")]
    if path == "peering":
        assert outputs["peeringConnectionId"] == peering_connection_id("app-peering-atlas")
    if path == "natGateway":
        eips = sorted(eip.name for eip in plan.by_type(EIP))
        assert outputs["natPublicIps"] == [public_ip(name) for name in eips]
    if "srvConnectionString" in own:
        assert outputs["srvConnectionString"] == fake.standard_srv_for(outputs["clusterName"])


# --- every example stack -----------------------------------------------------------------

STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml")
                for p in ROOT.glob("Pulumi.*.yaml"))  # fmt: skip


def test_there_is_an_example_stack_for_every_path():
    paths = {stack_config(stack)[0].get(P + "networkPath", "privateEndpoint") for stack in STACKS}
    assert paths == set(NETWORK_PATHS)


@pytest.mark.parametrize("stack", STACKS)
def test_every_example_stack_previews_offline(stack):
    """As `scripts/dev preview <stack>` runs it: the project's own program, offline."""
    plan = run_stack(stack).plan
    expected = stack_config(stack)[0].get(P + "networkPath", "privateEndpoint")
    assert plan.outputs["networkPath"] == expected
    assert plan.one(FUNCTION)
    assert plan.cost().network_path == expected


# --- building blocks composed by hand ----------------------------------------------------

OUTSIDE_A_VPC = {
    "function_name": "orders-api",
    "mongodb_srv": "mongodb+srv://orders.abcde.mongodb.net",
    "database_name": "orders",
    "code": pulumi.AssetArchive({}),
}


def _build(component: type, args: dict[str, Any]) -> None:
    component("app", args)


@pytest.mark.parametrize(
    "access", [None, ["203.0.113.7/32"]], ids=["no-access-list", "no-anywhere"]
)
def test_mongolambda_outside_a_vpc_needs_anywhere_on_the_access_list(access):
    args = dict(OUTSIDE_A_VPC)
    if access is not None:
        args["cluster_access_list"] = access
    fake = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: _build(MongoLambda, args), mocks=fake, preview=False)
    assert caught.value.key == "cluster_access_list"
    assert "0.0.0.0/0" in str(caught.value)
    assert fake.events == []


def test_mongolambda_outside_a_vpc_with_anywhere_runs_without_vpc_config():
    args = {**OUTSIDE_A_VPC, "cluster_access_list": [ANYWHERE]}
    plan = run_program(lambda: _build(MongoLambda, args), mocks=FakeCloud(), preview=False).plan
    assert "vpcConfig" not in plan.one(FUNCTION).inputs
    assert [r.type for r in plan.resources if r.type in (SG, EGRESS, ATTACHMENT)] == []


@pytest.mark.parametrize("tier", ["M0", "FLEX"])
def test_vpc_peering_on_a_shared_tier_is_refused(tier):
    args = {
        "project_id": PROJECT_ID,
        "cluster_name": "orders",
        "container_id": "65c0ffee0000000000000001",
        "atlas_cidr_block": "192.168.248.0/21",
        "aws_region": "us-east-1",
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        "cluster_tier": tier,
    }
    fake = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: _build(VpcPeering, args), mocks=fake, preview=False)
    assert caught.value.key == "cluster_tier"
    assert f"not on {tier}" in str(caught.value)
    assert fake.events == []


@pytest.mark.parametrize("tier", ["M0", "FLEX"])
def test_atlas_cluster_container_on_a_shared_tier_is_refused(tier):
    args = {"cluster_name": "orders", "aws_region": "us-east-1", "project_id": PROJECT_ID,
            "tier": tier, "atlas_cidr_block": "192.168.248.0/21"}  # fmt: skip
    fake = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: _build(AtlasCluster, args), mocks=fake, preview=False)
    assert caught.value.key == "tier"
    assert "network peering only on dedicated tiers" in str(caught.value)
    assert fake.events == []


# --- the offline runner on a refusal from a read -----------------------------------------


def test_an_error_the_sdk_reraises_from_itself_is_unwrapped():
    """pulumi/runtime/stack.py wait_for_rpcs re-raises a failed RPC `from` itself when it is
    also the unhandled one (a refusal inside an apply over EC2 reads, as on the NAT path of a
    given VPC): the offline runner must still find the ConfigError (its context) instead of
    walking the self-cause for ever."""
    original = ConfigError("subnetIds", "no NAT gateway", "a NAT gateway")
    try:
        try:
            raise original
        except ConfigError as refused:
            raise ValueError(
                "While processing input: 'nat_public_ips', type <class 'str'>, value x\n"
                f"ValueError has risen: {refused}"
            ) from refused
    except ValueError as wrapper:
        failed = wrapper
    try:
        raise failed
    except ValueError as exn:
        try:
            raise exn from exn
        except ValueError:
            pass
    assert failed.__cause__ is failed
    assert clear_error(failed) is original
