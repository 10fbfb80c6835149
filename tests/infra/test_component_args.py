"""Components used directly from Python refuse bad args with a ConfigError naming the arg,
before anything is registered (components/args_check.py reads each Args TypedDict)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import (
    AtlasCluster,
    ConfigError,
    IamDatabaseUser,
    MongoLambda,
    Network,
    PrivateEndpoint,
)
from components.offline import run_program

from .fake_cloud import FakeCloud

ID = "65a1b2c3d4e5f60718293a4b"
ARN = "arn:aws:iam::123456789012:role/app"
CLUSTER = {"cluster_name": "orders", "aws_region": "us-east-1", "project_id": ID}
USER = {"project_id": ID, "role_arn": ARN, "cluster_name": "orders", "database_name": "app"}
ENDPOINT = {"project_id": ID, "cluster_name": "orders", "aws_region": "us-east-1"}
LAMBDA = {
    "function_name": "fn", "vpc_id": "vpc-0a1b2c3d", "mongodb_srv": "mongodb+srv://c.x.net",
    "database_security_group_id": "sg-0a1b2c3d",
    "subnet_ids": ["subnet-0a", "subnet-0b"], "database_name": "app",
    "code": pulumi.AssetArchive({}),
}  # fmt: skip


def _out(value: Any) -> pulumi.Output:
    return pulumi.Output.from_input(value)


def _without(args: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in args.items() if k != key}


# (component, args, key named, words in the message); Outputs are built inside the program.
CASES: dict[str, tuple[type, Any, str, str]] = {
    "missing function_name": (MongoLambda, lambda: _without(LAMBDA, "function_name"),
                              "function_name", "required"),
    # Neither is the public path; one without the other is refused.
    "missing vpc_id": (MongoLambda, lambda: _without(LAMBDA, "vpc_id"), "subnet_ids",
                       "go together"),
    "missing subnet_ids": (MongoLambda, lambda: _without(LAMBDA, "subnet_ids"), "subnet_ids",
                           "go together"),
    "missing mongodb_srv": (MongoLambda, lambda: _without(LAMBDA, "mongodb_srv"), "mongodb_srv",
                            "required"),
    "missing database_name": (IamDatabaseUser, lambda: _without(USER, "database_name"),
                              "database_name", "required"),
    "missing role_arn": (IamDatabaseUser, lambda: _without(USER, "role_arn"), "role_arn",
                         "required"),
    "missing project_id": (PrivateEndpoint, lambda: _without(ENDPOINT, "project_id"),
                           "project_id", "required"),
    "missing cluster_name": (AtlasCluster, lambda: _without(CLUSTER, "cluster_name"),
                             "cluster_name", "required"),
    "missing aws_region": (AtlasCluster, lambda: _without(CLUSTER, "aws_region"), "aws_region",
                           "required"),
    "timeout as str": (MongoLambda, lambda: {**LAMBDA, "timeout": "15"}, "timeout", "integer"),
    "timeout fraction": (MongoLambda, lambda: {**LAMBDA, "timeout": 1.5}, "timeout", "integer"),
    "timeout bool": (MongoLambda, lambda: {**LAMBDA, "timeout": True}, "timeout", "integer"),
    "memory as Output": (MongoLambda, lambda: {**LAMBDA, "memory_size": _out(2048)},
                         "memory_size", "not an Output"),
    "reserved concurrency str": (MongoLambda, lambda: {**LAMBDA, "reserved_concurrency": "5"},
                                 "reserved_concurrency", "integer"),
    "shard count 2.0": (AtlasCluster, lambda: {**CLUSTER, "shard_count": 2.0}, "shard_count",
                        "integer"),
    "zones str": (Network, lambda: {"availability_zones": "2"}, "availability_zones", "integer"),
    "function_name int": (MongoLambda, lambda: {**LAMBDA, "function_name": 123},
                          "function_name", "string"),
    "database_name int": (IamDatabaseUser, lambda: {**USER, "database_name": 5},
                          "database_name", "string"),
    "source_dir int": (MongoLambda, lambda: {**LAMBDA, "source_dir": 5}, "source_dir", "string"),
    "environment list": (MongoLambda, lambda: {**LAMBDA, "environment": ["A=1"]},
                         "environment", "mapping"),
    "environment str": (MongoLambda, lambda: {**LAMBDA, "environment": "A=1"}, "environment",
                        "mapping"),
    "environment Output": (MongoLambda, lambda: {**LAMBDA, "environment": _out({"A": "1"})},
                           "environment", "not an Output"),
    "environment int name": (MongoLambda, lambda: {**LAMBDA, "environment": {1: "x"}},
                             "environment", "names must be strings"),
    "environment int value": (MongoLambda, lambda: {**LAMBDA, "environment": {"A": 1}},
                              "environment", "A: must be a string"),
    "topic as list": (MongoLambda, lambda: {**LAMBDA, "alarm_topic_arn": ["arn:aws:sns:x"]},
                      "alarm_topic_arn", "string"),
    "snap_start yes": (MongoLambda, lambda: {**LAMBDA, "snap_start": "yes"}, "snap_start",
                       "true or false"),
    "alarms no": (MongoLambda, lambda: {**LAMBDA, "alarms": "no"}, "alarms", "true or false"),
    "function url 'true'": (MongoLambda, lambda: {**LAMBDA, "function_url_enabled": "true"},
                            "function_url_enabled", "true or false"),
    "termination protection yes": (AtlasCluster,
                                   lambda: {**CLUSTER, "termination_protection": "yes"},
                                   "termination_protection", "true or false"),
    "sharded yes": (MongoLambda, lambda: {**LAMBDA, "sharded": "yes"}, "sharded",
                    "true or false"),
    "typo key": (MongoLambda, lambda: {**LAMBDA, "memroy_size": 2048}, "memroy_size",
                 "did you mean 'memory_size'"),
    "tier as Output": (AtlasCluster, lambda: {**CLUSTER, "tier": _out("M10")}, "tier",
                       "must be a plain value, not an Output"),
    "runtime as Output": (MongoLambda, lambda: {**LAMBDA, "runtime": _out("python3.13")},
                          "runtime", "must be a plain value, not an Output"),
    "aws_region as Output": (PrivateEndpoint, lambda: {**ENDPOINT, "aws_region": _out("x")},
                             "aws_region", "must be a plain value, not an Output"),
    "roles as str": (IamDatabaseUser, lambda: {**USER, "roles": "readWrite"}, "roles",
                     "must be a list"),
    "subnet_ids as str": (Network, lambda: {"vpc_id": "vpc-0a", "subnet_ids": "subnet-1"},
                          "subnet_ids", "must be a list"),
    "args None": (Network, lambda: None, "args", "dict"),
    "optional None": (AtlasCluster, lambda: {**CLUSTER, "tier": None}, "tier", "leave the key"),
    # Format rules shared with the stack config (components/guardrails/deploy_limits.py).
    "cluster name": (AtlasCluster, lambda: {**CLUSTER, "cluster_name": "bad_name"},
                     "cluster_name", "Atlas cluster name"),
    "org id": (AtlasCluster, lambda: {**_without(CLUSTER, "project_id"), "org_id": "org"},
               "org_id", "24 hex"),
    "project id": (PrivateEndpoint, lambda: {**ENDPOINT, "project_id": "p"}, "project_id",
                   "24 hex"),
    "role arn": (IamDatabaseUser, lambda: {**USER, "role_arn": "arn:aws:iam::1:user/x"},
                 "role_arn", "IAM role ARN"),
}  # fmt: skip


@pytest.mark.parametrize(("component", "make_args", "key", "words"), CASES.values(), ids=CASES)
def test_bad_direct_args_are_refused_naming_the_arg(component, make_args, key, words):
    cloud = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: component("bad", make_args()), mocks=cloud, preview=False)
    assert caught.value.key == key, str(caught.value)
    assert words in str(caught.value)
    assert cloud.events == [], "a resource was registered before validation failed"


def test_outputs_and_tuples_are_accepted_where_inputs_go():
    """`pulumi.Input[...]` takes an Output; a tuple is a sequence like a list."""

    def program() -> None:
        PrivateEndpoint(
            "pl", {**ENDPOINT, "project_id": _out(ID), "cluster_name": _out("orders")}
        )
        subnets = ("subnet-0aaaaaaaa", "subnet-0bbbbbbbb")
        Network("net", {"vpc_id": _out("vpc-0a1b"), "subnet_ids": subnets})

    run_program(program, mocks=FakeCloud(), preview=False)
