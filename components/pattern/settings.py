"""From AtlasLambda's args to validated component args: every rule the stack applies.

The config schema (`Pulumi.yaml`'s `config:` block, shipped in the wheel) gives each arg its
default, so the component and the stack fill in the same values and refuse the same ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pulumi

from ..cluster.autoscaling import tier_owned_by_atlas
from ..cluster.component import AtlasClusterArgs, validate_cluster_args
from ..database_user.component import validate_user_args
from ..errors import ConfigError
from ..guardrails import deploy_limits, network_paths, rules
from ..guardrails.alert_settings import ignored_alert_settings
from ..guardrails.regions import ATLAS_AWS_REGIONS
from ..lambda_function.alarms import validate_topic_region
from ..lambda_function.component import validate_lambda_args
from ..locations import CONFIG_SCHEMA_FILE
from ..names import camel_case
from ..network.component import NetworkArgs, validate_network_args
from ..stack.schema import declared_keys
from ..tagging import validate_tags

PROJECT = "atlas-lambda"
UNRESERVED = -1
# The project's function folder, relative to the program's directory.
FUNCTION_DIR = "function"
# Config keys that are `KEY=VALUE` lists in config and mappings as args.
MAPPING_KEYS = ("environment", "tags")


@dataclass(frozen=True)
class PatternSettings:
    """Everything AtlasLambda composes, already validated, as component args."""

    aws_region: str
    network_path: str
    """One of `network_paths.NETWORK_PATHS`."""
    cluster: AtlasClusterArgs
    network: NetworkArgs | None
    """None on the public path: the function runs outside any VPC."""
    database_user: Mapping[str, Any]
    """The plain part of IamDatabaseUserArgs; the pattern adds the wired-up inputs."""
    function: Mapping[str, Any]
    """The plain part of MongoLambdaArgs; the pattern adds the wired-up inputs."""
    advisories: tuple[rules.Finding, ...] = ()
    legacy_sharded_connection_string: bool = False
    """Sharded + private endpoint: the legacy string (+ srvMaxHosts) over the optimized one."""


@cache
def default_values() -> dict[str, Any]:
    """Every config key's declared default, keyed by the config key (camelCase); read once
    (the schema ships with the toolkit and does not change while a program runs). Callers
    copy before changing it."""
    return {name: key.default for name, key in declared_keys(CONFIG_SCHEMA_FILE).items()}


def config_values(args: Mapping[str, Any]) -> dict[str, Any]:
    """The args as config values: camelCase keys, defaults filled in (mappings stay)."""
    values = dict(default_values())
    for name in MAPPING_KEYS:
        values[name] = {}
    values.update({camel_case(name): value for name, value in args.items()})
    return values


def _atlas_id(key: str, value: Any) -> Any:
    """An Atlas id, or None when empty; an Output (a secret) is checked by Atlas."""
    if isinstance(value, pulumi.Output):
        return value
    if not value:
        return None
    rules.raise_on_errors(deploy_limits.atlas_id(value, key))
    return value


def _plain_list(value: Any) -> list[str]:
    return list(value) if isinstance(value, list | tuple) else []


def pattern_settings(
    args: Mapping[str, Any], *, stack: str, aws_region: str | None, project_dir: Path
) -> PatternSettings:
    """Turn AtlasLambda's args into validated component args, or raise ConfigError.

    The function deployed is `source_dir`, by default `<project_dir>/function`: the user's
    own code, never the toolkit's bundled sample. A relative `source_dir` is taken from
    `project_dir` (the program's directory)."""
    if not aws_region:
        raise ConfigError("aws:region", "is not set", sorted(ATLAS_AWS_REGIONS))
    values = config_values(args)
    default_name = f"{PROJECT}-{stack}"
    tier, path = values["tier"], values["networkPath"]
    validate_tags(values["tags"])
    rules.raise_on_errors(
        deploy_limits.atlas_cluster_name(values["clusterName"] or default_name)
        + deploy_limits.atlas_project_name(values["projectName"] or default_name)
        + deploy_limits.distinct(_plain_list(values["subnetIds"]), "subnetIds")
        + rules.known_tier(tier)
        + network_paths.known_path(path)
        + network_paths.path_tier(path, tier)
        + network_paths.nat_gateway_mode(values["natGateways"])
        # Errors only here: the warning comes from the cluster, which declares the entry.
        + network_paths.anywhere_access(path, values["allowAccessFromAnywhere"])
        + rules.access_list(values["accessListCidrs"], values["allowAccessList"])
    )
    given_vpc = isinstance(values["vpcId"], pulumi.Output) or bool(values["vpcId"])
    if path == "public" and (given_vpc or values["subnetIds"]):
        raise ConfigError(
            "vpcId" if given_vpc else "subnetIds",
            "networkPath public runs the function outside any VPC",
            "no vpcId or subnetIds with public, or networkPath natGateway to use this VPC",
        )
    if path == "peering":
        vpc_id = values["vpcId"]
        rules.raise_on_errors(
            (network_paths.peering_vpc_id(vpc_id) if isinstance(vpc_id, str) and vpc_id else [])
            + network_paths.atlas_cidr_block(values["atlasCidrBlock"])
            + ([] if given_vpc else network_paths.cidr_overlap(
                values["atlasCidrBlock"], [values["vpcCidr"]]))
        )  # fmt: skip

    cluster: AtlasClusterArgs = {
        "cluster_name": values["clusterName"] or default_name,
        "aws_region": aws_region,
        "tier": tier,
        "cluster_type": values["clusterType"],
        "mongodb_major_version": values["mongodbMajorVersion"],
        "termination_protection": values["terminationProtection"],
        "project_name": values["projectName"] or default_name,
        "access_list_cidrs": values["accessListCidrs"],
        "allow_access_list": values["allowAccessList"],
        "connection_alert": values["alerts"],
        "connection_alert_percent": values["connectionAlertPercent"],
        "alert_interval_min": values["atlasAlertIntervalMin"],
        "tags": values["tags"],
    }
    if values["atlasAlertEmail"]:
        cluster["alert_email"] = values["atlasAlertEmail"]
    if values["shardCount"]:
        cluster["shard_count"] = values["shardCount"]
    elif values["clusterType"] == "SHARDED":
        raise ConfigError(f"{PROJECT}:shardCount", "must be set for clusterType SHARDED", "1-70")
    if values["autoScalingMaxTier"]:
        cluster["auto_scaling_max_tier"] = values["autoScalingMaxTier"]
    if path == "peering":
        cluster["atlas_cidr_block"] = values["atlasCidrBlock"]
    if path == "public":
        cluster["allow_access_from_anywhere"] = True
    project_id = _atlas_id(f"{PROJECT}:projectId", values["projectId"])
    org_id = _atlas_id(f"{PROJECT}:orgId", values["orgId"])
    if project_id:
        cluster["project_id"] = project_id
    elif org_id:
        cluster["org_id"] = org_id
    validate_cluster_args(cluster)

    network: NetworkArgs | None = None
    advisories: list[rules.Finding] = []
    if path != "public":
        network = (
            {"vpc_id": values["vpcId"], "subnet_ids": values["subnetIds"], "tags": values["tags"]}
            if given_vpc or values["subnetIds"]
            else {
                "vpc_cidr": values["vpcCidr"],
                "availability_zones": values["availabilityZones"],
                "tags": values["tags"],
            }
        )
        if "vpc_cidr" in network and path == "natGateway":
            network["nat_gateways"] = values["natGateways"]
            advisories += network_paths.single_nat(
                values["natGateways"], values["availabilityZones"]
            )
        if "vpc_cidr" in network and path == "peering":
            network["private_route_tables"] = True
        validate_network_args(network)

    database_user: dict[str, Any] = {
        "database_name": values["databaseName"],
        "roles": values["databaseRoles"],
    }
    validate_user_args(database_user)

    source_dir = Path(values.get("sourceDir") or FUNCTION_DIR)
    function: dict[str, Any] = {
        "function_name": values["functionName"] or default_name,
        "database_name": values["databaseName"],
        "sharded": values["clusterType"] == "SHARDED",
        "cluster_tier": tier,
        "runtime": values["runtime"],
        "architecture": values["architecture"],
        "memory_size": values["memorySize"],
        "timeout": values["timeout"],
        "log_retention_days": values["logRetentionDays"],
        "function_url_enabled": values["functionUrl"],
        "function_url_auth_type": values["functionUrlAuthType"],
        "environment": dict(values["environment"]),
        "snap_start": values["snapStart"],
        "alarms": values["alerts"],
        "errors_alarm_threshold": values["errorsAlarmThreshold"],
        "duration_alarm_percent": values["durationAlarmPercent"],
        "source_dir": str(source_dir if source_dir.is_absolute() else project_dir / source_dir),
        "tags": values["tags"],
    }
    for name in ("role_arn", "role_policy_arns", "security_group_ids", "secret_environment"):
        if name in args:
            function[name] = args[name]
    if values["alarmTopicArn"]:
        function["alarm_topic_arn"] = values["alarmTopicArn"]
    if values["reservedConcurrency"] != UNRESERVED:
        function["reserved_concurrency"] = values["reservedConcurrency"]
    legacy = values["legacyShardedConnectionString"]
    if path == "privateEndpoint":
        # Atlas offers the shard-optimized string to sharded AWS clusters behind a private
        # endpoint (5.0+, one region: every cluster this component declares); the function
        # then holds no monitor connections. MongoLambda checks again at deploy. Every other
        # path is budgeted as a replica set, or srvMaxHosts=3 mongos.
        function["shard_optimized"] = function["sharded"] and not legacy
    # MongoLambda's own rules (the connection budget among them), now: a refusal must come
    # before anything is registered. It reports its advisories itself.
    validate_lambda_args(function)
    validate_topic_region(function.get("alarm_topic_arn"), aws_region)
    advisories += ignored_alert_settings(values["alerts"], tier, values, default_values())
    rules.raise_on_errors(
        deploy_limits.environment_size(
            {k: v for k, v in function["environment"].items() if isinstance(v, str)}
        )
    )
    advisories += tier_owned_by_atlas(
        tier, cluster.get("auto_scaling_max_tier"), cluster.get("shard_count", 1)
    )
    return PatternSettings(
        aws_region=aws_region,
        network_path=path,
        cluster=cluster,
        network=network,
        database_user=database_user,
        function=function,
        advisories=tuple(advisories),
        legacy_sharded_connection_string=legacy,
    )
