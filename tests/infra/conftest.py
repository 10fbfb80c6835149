"""Fixtures for the infrastructure tests: programs run in-process under the mock engine."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import pytest

from components.errors import ConfigError
from components.offline import OfflineRun, Plan, run_program, run_stack
from components.offline.engine import stack_config
from components.stack.program import stack_program

from .fake_cloud import FakeCloud


def run_project(config: Mapping[str, str], *, mocks: Any = None, stack: str = "dev",
                preview: bool = False) -> OfflineRun:  # fmt: skip
    """Run the real program (load_settings → compose) with the given config."""
    return run_program(
        stack_program,
        stack=stack,
        config=config,
        preview=preview,
        mocks=mocks if mocks is not None else (None if preview else FakeCloud()),
    )


@pytest.fixture
def dev_config() -> dict[str, str]:
    return stack_config("dev")[0]


@pytest.fixture
def deploy() -> Callable[..., tuple[OfflineRun, FakeCloud]]:
    """Run a stack as `pulumi up` would see it after the providers answered."""

    def _deploy(
        stack: str = "dev", *, shard_optimized: bool = True, **overrides: str
    ) -> tuple[OfflineRun, FakeCloud]:
        config = {**stack_config(stack)[0], **overrides}
        region = config.get("aws:region", "us-east-1")
        cloud = FakeCloud(region=region, shard_optimized=shard_optimized)
        return run_project(config, mocks=cloud, stack=stack), cloud

    return _deploy


@pytest.fixture
def preview_stack() -> Callable[[str], OfflineRun]:
    return run_stack


# --- the network paths (tests/infra/test_network_paths*.py) --------------------------------

# A VPC and private subnets a stack is given (vpcId, subnetIds), with their zones as EC2
# answers getSubnet.
GIVEN_VPC_ID = "vpc-0123456789abcdef0"
GIVEN_SUBNET_ZONES = {
    "subnet-0aaaaaaaaaaaaaaa1": "us-east-1a",
    "subnet-0bbbbbbbbbbbbbbb2": "us-east-1b",
    "subnet-0ccccccccccccccc3": "us-east-1c",
}


def given_vpc_config(path: str, vpc_id: str = GIVEN_VPC_ID) -> dict[str, str]:
    """Stack config for `networkPath: path` in the given VPC and its three subnets."""
    return {
        "atlas-lambda:networkPath": path,
        "atlas-lambda:vpcId": vpc_id,
        "atlas-lambda:subnetIds": json.dumps(list(GIVEN_SUBNET_ZONES)),
    }


def deployed(
    stack: str, overrides: Mapping[str, str] | None = None, **cloud: Any
) -> tuple[Plan, FakeCloud]:
    """A stack's config with `overrides`, run as `pulumi up` sees it once AWS and Atlas
    answered (FakeCloud with `cloud` as its arguments: given VPCs, existing containers)."""
    config = {**stack_config(stack)[0], **(overrides or {})}
    cloud.setdefault("subnet_zones", GIVEN_SUBNET_ZONES)
    fake = FakeCloud(region=config.get("aws:region", "us-east-1"), **cloud)
    return run_project(config, mocks=fake, stack=stack).plan, fake


def deployed_on(fake: FakeCloud, stack: str, overrides: Mapping[str, str] | None = None) -> Plan:
    """As `deployed`, against a FakeCloud the test keeps (to look at what it was asked)."""
    config = {**stack_config(stack)[0], **(overrides or {})}
    return run_project(config, mocks=fake, stack=stack).plan


def refusal(run: Callable[[], object]) -> ConfigError:
    """The ConfigError `run` raises (from a program, or from inside an apply), checked to be
    the one line the CLI prints after `error:`."""
    with pytest.raises(Exception) as raised:
        run()
    error: BaseException | None = raised.value
    seen: set[int] = set()
    while error is not None and not isinstance(error, ConfigError) and id(error) not in seen:
        seen.add(id(error))
        # The SDK may re-raise an error from itself (components/offline/failures.py).
        error = error.__context__ if error.__cause__ is error else error.__cause__
    assert isinstance(error, ConfigError), repr(raised.value)
    assert "\n" not in str(error), str(error)
    return error


# Resource types the network-path tests look at.
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
IGW = "aws:ec2/internetGateway:InternetGateway"
EIP = "aws:ec2/eip:Eip"
NAT = "aws:ec2/natGateway:NatGateway"
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
FUNCTION = "aws:lambda/function:Function"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
CONTAINER = "mongodbatlas:index/networkContainer:NetworkContainer"
PEERING = "mongodbatlas:index/networkPeering:NetworkPeering"
ACCESS = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
PRIVATE_LINK = (
    VPCE,
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint",
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService",
)


def access_list(plan: Plan) -> list[str]:
    """Every IP access-list entry the plan gives Atlas (CIDR blocks and security groups)."""
    return sorted(
        r.inputs.get("cidrBlock") or r.inputs["awsSecurityGroup"] for r in plan.by_type(ACCESS)
    )


def mongodb_uri(plan: Plan) -> SplitResult:
    """The function's MONGODB_URI, split."""
    return urlsplit(plan.one(FUNCTION).inputs["environment"]["variables"]["MONGODB_URI"])


def uri_options(uri: SplitResult) -> dict[str, str]:
    return dict(parse_qsl(uri.query))


def host(srv: str) -> str | None:
    """The host of a `mongodb+srv://` string."""
    return urlsplit(srv).hostname


def created(fake: FakeCloud, type_: str, name: str) -> bool:
    """True when the fake cloud was asked to create that resource."""
    return ("create", f"{type_}::{name}") in fake.events
