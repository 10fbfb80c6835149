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
