"""Hand-made validation args, built with pulumi-policy's own classes as its analyzer does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.pack import POLICIES

# What pulumi-policy hands a policy for a value known only after deploy.
UNKNOWN = UNKNOWN_STRING_VALUE

OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:test::atlas-lambda::{type_token}::{name}"


def resource_args(
    type_token: str, props: Mapping[str, Any], name: str = "r", config: Mapping | None = None
) -> ResourceValidationArgs:
    return ResourceValidationArgs(
        type_token,
        unknown_checking_proxy(dict(props)),
        urn(type_token, name),
        name,
        OPTIONS,
        None,
        dict(config or {}),
    )


def stack_resource(type_token: str, props: Mapping[str, Any], name: str = "r") -> PolicyResource:
    return PolicyResource(
        type_token,
        unknown_checking_proxy(dict(props)),
        urn(type_token, name),
        name,
        OPTIONS,
        None,
        None,
        [],
        {},
    )


def stack_args(*resources: PolicyResource, config: Mapping | None = None) -> StackValidationArgs:
    return StackValidationArgs(list(resources), dict(config or {}))


def depends(resource: PolicyResource, **by_property: list[PolicyResource]) -> PolicyResource:
    """Record what the engine records: each property's dependencies, and their union.

    The Python SDK sends an entry for every input property (an empty list when its value
    comes from no resource), so a resource the engine describes always has some."""
    resource.property_dependencies = {key: [] for key in resource.props}
    resource.property_dependencies.update(by_property)
    resource.dependencies = [r for deps in by_property.values() for r in deps]
    return resource


@dataclass
class Reported:
    """A report_violation that keeps what it was told."""

    calls: list[tuple[str, str | None]] = field(default_factory=list)

    def __call__(self, message: str, urn: str | None = None) -> None:
        self.calls.append((message, urn))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.calls]


def policy(name: str) -> Policy:
    return next(p for p in POLICIES if p.name == name)


def validate(name: str, args: Any) -> Reported:
    reported = Reported()
    policy(name).validate(args, reported)
    return reported


# Typical resources, in wire form (camelCase), as a Pulumi program declares them.
LAMBDA = "aws:lambda/function:Function"
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
USER = "mongodbatlas:index/databaseUser:DatabaseUser"
ACCESS_LIST = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
ENDPOINT = "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint"
FLEX_CLUSTER = "mongodbatlas:index/flexCluster:FlexCluster"
CONTAINER = "mongodbatlas:index/networkContainer:NetworkContainer"
PEERING = "mongodbatlas:index/networkPeering:NetworkPeering"
VPC = "aws:ec2/vpc:Vpc"
VPC_CIDR = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
EIP = "aws:ec2/eip:Eip"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
PROJECT = "mongodbatlas:index/project:Project"

GOOD_URI = (
    "mongodb+srv://app-pl-0.abcde.mongodb.net/app?authMechanism=MONGODB-AWS"
    "&authSource=%24external&maxIdleTimeMS=60000"
)


def function_props(env: Mapping[str, Any] | None = None, **props: Any) -> dict[str, Any]:
    variables = {"MONGODB_URI": GOOD_URI, "AWS_STS_REGIONAL_ENDPOINTS": "regional"}
    variables.update(env or {})
    return {"memorySize": 1024, "environment": {"variables": variables}, **props}


def cluster_props(tier: str = "M10", cluster_type: str = "REPLICASET", name: str = "app",
                  shards: int = 1) -> dict[str, Any]:  # fmt: skip
    region: dict[str, Any] = {"providerName": "AWS", "regionName": "US_EAST_1", "priority": 7,
                              "electableSpecs": {"instanceSize": tier, "nodeCount": 3}}  # fmt: skip
    if tier == "M0":
        region = {"providerName": "TENANT", "backingProviderName": "AWS",
                  "regionName": "US_EAST_1", "electableSpecs": {"instanceSize": "M0"}}  # fmt: skip
    if tier == "FLEX":
        region = {"providerName": "FLEX", "backingProviderName": "AWS", "regionName": "US_EAST_1"}
    return {
        "name": name,
        "clusterType": cluster_type,
        "replicationSpecs": [{"regionConfigs": [region]} for _ in range(shards)],
    }


IAM_USER = {
    "username": "arn:aws:iam::123456789012:role/app",
    "awsIamType": "ROLE",
    "authDatabaseName": "$external",
}
