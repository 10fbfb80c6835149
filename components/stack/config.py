"""Stack configuration: the `config:` block of Pulumi.yaml is the one schema.

`pulumi config` documents itself from that block; this module reads the same block to
type-check values, apply defaults and refuse keys nobody declared, so a typo such as
`atlas-lambda:memroySize` fails the preview instead of silently using the default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..cli import CliError, register_secret
from ..cluster.autoscaling import tier_owned_by_atlas
from ..cluster.component import AtlasClusterArgs, validate_cluster_args
from ..database_user.component import validate_user_args
from ..errors import ConfigError
from ..guardrails import deploy_limits, rules
from ..guardrails.alert_settings import ignored_alert_settings
from ..guardrails.budget import budget_findings, connection_budget
from ..guardrails.regions import ATLAS_AWS_REGIONS
from ..lambda_function.alarms import validate_topic_region
from ..lambda_function.component import validate_lambda_args
from ..locations import project_dir
from ..network.component import NetworkArgs, validate_network_args
from .files import load_mapping, mapping_field

PROJECT = "atlas-lambda"
PROJECT_FILE = project_dir() / "Pulumi.yaml"
UNRESERVED = -1
INTEGER = re.compile(r"-?[0-9]+", re.ASCII)  # Unicode digits (`١٢`) are not config integers
TYPES = ("string", "integer", "boolean", "array")
# Keys whose value reaches resource inputs as a secret Output when set with --secret.
SECRET_CAPABLE = ("orgId", "projectId", "environment")
# Without decryption, only opaque ids can still be previewed (as masked values).
OPAQUE_OFFLINE = ("orgId", "projectId")
# The project's function folder, relative to the project directory (where Pulumi.yaml is).
FUNCTION_DIR = "function"

_project_file: ContextVar[Path] = ContextVar("project_file", default=PROJECT_FILE)
_advisory_sink: ContextVar[list[rules.Finding] | None] = ContextVar("advisories", default=None)


@contextmanager
def run_context(project_file: Path) -> Iterator[list[rules.Finding]]:
    """Within: `load_settings` reads `project_file` and records its advisories in the list
    yielded, so the offline engine can put them in the plan."""
    advisories: list[rules.Finding] = []
    tokens = _project_file.set(project_file), _advisory_sink.set(advisories)
    try:
        yield advisories
    finally:
        _project_file.reset(tokens[0])
        _advisory_sink.reset(tokens[1])


@dataclass(frozen=True)
class ConfigKey:
    """One declared key: its type, description and default, as Pulumi.yaml states them."""

    name: str
    type: str
    description: str
    default: Any


def declared_keys(project_file: Path = PROJECT_FILE) -> dict[str, ConfigKey]:
    """The project's config schema, read from Pulumi.yaml."""
    declared = mapping_field(project_file, load_mapping(project_file), "config")
    schema = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            raise CliError(
                f"{project_file.name}: config.{name} declares no type of: {', '.join(TYPES)}",
                f"give config.{name} in {project_file.name} a type: and a default:",
            )
        schema[str(name)] = ConfigKey(
            str(name), spec["type"], str(spec.get("description", "")), spec.get("default")
        )
    return schema


def _parse(key: ConfigKey, raw: Any) -> Any:
    """Coerce one value (the CLI hands strings; arrays arrive as JSON) to its declared type."""
    expected = {
        "string": "a string",
        "integer": "an integer",
        "boolean": "true or false",
        "array": "a list of strings",
    }[key.type]
    if raw == UNDECRYPTED_SECRET and key.name not in OPAQUE_OFFLINE:
        raise ConfigError(
            f"{PROJECT}:{key.name}",
            "is a secure value, which cannot be decrypted offline",
            "a plain value for the offline preview, or run `pulumi preview`",
        )
    if key.type == "string":
        if not _structured(raw):
            return str(raw)
        raise ConfigError(f"{PROJECT}:{key.name}", f"{raw!r} is a list or mapping", expected)
    if key.type == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and INTEGER.fullmatch(raw.strip()):
            return int(raw)
    elif key.type == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
    elif key.type == "array":
        value = raw
        if isinstance(raw, str):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = None
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
    raise ConfigError(f"{PROJECT}:{key.name}", f"{raw!r} is not {expected}", expected)


def _structured(raw: Any) -> bool:
    """A YAML list or mapping: the Pulumi CLI (and the offline engine) hand one to the
    program as its JSON text, which no string key of this project accepts."""
    if isinstance(raw, list | dict):
        return True
    if not isinstance(raw, str) or raw[:1] not in ("[", "{"):
        return False
    try:
        return isinstance(json.loads(raw), list | dict)
    except json.JSONDecodeError:
        return False


def project_values(
    raw: Mapping[str, Any], schema: Mapping[str, ConfigKey] | None = None
) -> dict[str, Any]:
    """Typed values for every declared key, defaults filled in; unknown keys refused.

    `raw` maps full keys (`atlas-lambda:tier`, `aws:region`) to values; keys of other
    namespaces belong to providers and are left to them, unless the namespace is a near
    miss of this project's (`atlas_lambda:tier`), which nothing would read.
    """
    schema = schema if schema is not None else declared_keys()
    prefix = f"{PROJECT}:"
    for full in sorted(raw):
        _refuse_unknown_key(full, schema)
    values = {}
    for name, key in schema.items():
        full = prefix + name
        values[name] = _parse(key, raw[full]) if full in raw else key.default
    return values


# Edits (OSA distance, `-`/`_` and case ignored) that still make a namespace this project's
# misspelt: `atlas-lamdba` is 1, `altas-lamda` 2; `aws-lambda` is 3, `mongodbatlas` 10.
NAMESPACE_TYPO_EDITS = 2


def _refuse_unknown_key(full: str, schema: Mapping[str, ConfigKey]) -> None:
    """A key of this project that is not declared, or one whose namespace is a near miss
    of this project's: either would be ignored and the preview would show the defaults."""
    namespace, sep, name = full.partition(":")
    if not sep or (namespace == PROJECT and name in schema):
        return
    if namespace == PROJECT:
        problem = "is not a config key of this project"
    elif _edit_distance(_folded(namespace), _folded(PROJECT)) <= NAMESPACE_TYPO_EDITS:
        problem = (
            f"is in namespace {namespace!r}, not this project's {PROJECT!r}, so nothing "
            "would read it"
        )
    else:
        return  # a provider's (aws, mongodbatlas, pulumi) or another package's
    meant = _meant_key(name, schema)
    if meant is not None or namespace != PROJECT:
        problem += f"; did you mean {PROJECT}:{meant or name}?"
    raise ConfigError(full, problem, sorted(schema))


def _meant_key(name: str, schema: Mapping[str, ConfigKey]) -> str | None:
    """The declared key `name` most likely stands for: the same but for case, else the
    closest by difflib's ratio (`memroySize` -> memorySize), if any is close."""
    by_folded = {key.lower(): key for key in schema}
    close = difflib.get_close_matches(name.lower(), by_folded, n=1)
    return by_folded.get(name.lower()) or (by_folded[close[0]] if close else None)


def _folded(namespace: str) -> str:
    return namespace.lower().replace("-", "").replace("_", "")


def _edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of adjacent characters (`lamdba`),
    each one edit (optimal string alignment)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            edits = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                edits = min(edits, before[j - 2] + 1)
            current.append(edits)
        before, previous = previous, current
    return previous[-1]


def parse_environment(entries: list[str]) -> dict[str, str]:
    """`KEY=VALUE` entries (Pulumi config has no map type) to a dict."""
    environment = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        if not sep or not name:
            raise ConfigError(
                f"{PROJECT}:environment", f"entry {name[:40]!r}... is not KEY=VALUE", "KEY=VALUE"
            )
        if name in environment:
            raise ConfigError(f"{PROJECT}:environment.{name}", "is set twice", "each key once")
        environment[name] = value
    return environment


@dataclass(frozen=True)
class StackSettings:
    """Everything the program composes, already validated, as component args."""

    stack: str
    aws_region: str
    private_endpoint: bool
    cluster: AtlasClusterArgs
    network: NetworkArgs
    database_user: Mapping[str, Any]
    """The plain part of IamDatabaseUserArgs; the program adds the wired-up inputs."""
    function: Mapping[str, Any]
    """The plain part of MongoLambdaArgs; the program adds the wired-up inputs."""
    advisories: tuple[rules.Finding, ...] = ()
    legacy_sharded_connection_string: bool = False
    """Sharded + private endpoint: the legacy string (+ srvMaxHosts) over the optimized one."""


# What the offline engine passes for a `secure:` value it cannot decrypt.
UNDECRYPTED_SECRET = "(secure value, not decrypted offline)"


def _atlas_id(key: str, value: str, secret_keys: frozenset[str]) -> Any:
    """A validated Atlas id; one set with `pulumi config set --secret` stays secret."""
    if not value:
        return None
    full_key = f"{PROJECT}:{key}"
    if full_key in secret_keys:
        import pulumi

        # Same rule as deploy_limits.atlas_id, but the message never echoes the value.
        if value != UNDECRYPTED_SECRET and not deploy_limits.ATLAS_ID.fullmatch(value):
            raise ConfigError(full_key, "is not an Atlas id", "24 hex characters")
        return pulumi.Output.secret(value)
    rules.raise_on_errors(deploy_limits.atlas_id(value, full_key))
    return value


def _refuse_unkeepable_secrets(secret_keys: frozenset[str]) -> None:
    """Fail closed: a --secret value that would reach a resource input in plain text (a
    name, a size) is refused rather than written to state unencrypted."""
    for full in sorted(secret_keys):
        namespace, _, name = full.partition(":")
        if namespace == PROJECT and name not in SECRET_CAPABLE:
            raise ConfigError(
                full,
                "is set with --secret, but its value must appear in plain text in resource "
                "inputs (Atlas and AWS show it)",
                f"set it without --secret; --secret is kept for: {', '.join(SECRET_CAPABLE)}",
            )


def settings_from_values(
    stack: str,
    aws_region: str | None,
    values: Mapping[str, Any],
    secret_keys: frozenset[str] = frozenset(),
    project_dir: Path | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> StackSettings:
    """Turn typed config values into validated component args, or raise ConfigError.

    The function deployed is `<project_dir>/function` (default: the working directory,
    which is the project directory when Pulumi runs a program): the user's project's own
    code, never the toolkit's bundled sample. `defaults` (the declared ones, when not
    given) tell which alert settings were set, to name those that have no effect.
    """
    if not aws_region:
        raise ConfigError("aws:region", "is not set", sorted(ATLAS_AWS_REGIONS))
    if aws_region == UNDECRYPTED_SECRET:
        raise ConfigError(
            "aws:region",
            "is a secure value, which cannot be decrypted offline",
            "a plain region for the offline preview, or run `pulumi preview`",
        )
    _refuse_unkeepable_secrets(secret_keys)
    default_name = f"{PROJECT}-{stack}"
    tier, private_endpoint = values["tier"], values["privateEndpoint"]
    rules.raise_on_errors(
        deploy_limits.atlas_cluster_name(values["clusterName"] or default_name)
        + deploy_limits.atlas_project_name(values["projectName"] or default_name)
        + deploy_limits.distinct(values["subnetIds"], "subnetIds")
        + rules.known_tier(tier)
        + rules.private_endpoint_tier(tier, private_endpoint)
        + rules.access_list(values["accessListCidrs"], values["allowAccessList"])
    )
    if not private_endpoint and not (values["vpcId"] and values["accessListCidrs"]):
        raise ConfigError(
            f"{PROJECT}:privateEndpoint",
            "false needs vpcId/subnetIds of a VPC with a NAT gateway and that NAT's address "
            "in accessListCidrs (with allowAccessList: true)",
            "true, or false with vpcId and accessListCidrs",
        )

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
    }
    if values["atlasAlertEmail"]:
        cluster["alert_email"] = values["atlasAlertEmail"]
    if values["shardCount"]:
        cluster["shard_count"] = values["shardCount"]
    elif values["clusterType"] == "SHARDED":
        raise ConfigError(f"{PROJECT}:shardCount", "must be set for clusterType SHARDED", "1-70")
    if values["autoScalingMaxTier"]:
        cluster["auto_scaling_max_tier"] = values["autoScalingMaxTier"]
    project_id = _atlas_id("projectId", values["projectId"], secret_keys)
    org_id = _atlas_id("orgId", values["orgId"], secret_keys)
    if project_id:
        cluster["project_id"] = project_id
    elif org_id:
        cluster["org_id"] = org_id
    validate_cluster_args(cluster)

    network: NetworkArgs = (
        {"vpc_id": values["vpcId"], "subnet_ids": values["subnetIds"]}
        if values["vpcId"] or values["subnetIds"]
        else {"vpc_cidr": values["vpcCidr"], "availability_zones": values["availabilityZones"]}
    )
    validate_network_args(network)

    database_user: dict[str, Any] = {
        "database_name": values["databaseName"],
        "roles": values["databaseRoles"],
    }
    validate_user_args(database_user)

    function: dict[str, Any] = {
        "function_name": values["functionName"] or default_name,
        "database_name": values["databaseName"],
        "sharded": values["clusterType"] == "SHARDED",
        "runtime": values["runtime"],
        "architecture": values["architecture"],
        "memory_size": values["memorySize"],
        "timeout": values["timeout"],
        "log_retention_days": values["logRetentionDays"],
        "function_url_enabled": values["functionUrl"],
        "function_url_auth_type": values["functionUrlAuthType"],
        "environment": parse_environment(values["environment"]),
        "snap_start": values["snapStart"],
        "alarms": values["alerts"],
        "errors_alarm_threshold": values["errorsAlarmThreshold"],
        "duration_alarm_percent": values["durationAlarmPercent"],
        "source_dir": str((project_dir or Path.cwd()) / FUNCTION_DIR),
    }
    if values["alarmTopicArn"]:
        function["alarm_topic_arn"] = values["alarmTopicArn"]
    if values["reservedConcurrency"] != UNRESERVED:
        function["reserved_concurrency"] = values["reservedConcurrency"]
    if f"{PROJECT}:environment" in secret_keys:
        function["secret_environment"] = True
    advisories = validate_lambda_args(function)
    validate_topic_region(function.get("alarm_topic_arn"), aws_region)
    advisories += ignored_alert_settings(
        values["alerts"],
        tier,
        values,
        defaults if defaults is not None else {k: v.default for k, v in declared_keys().items()},
    )
    rules.raise_on_errors(deploy_limits.environment_size(function["environment"]))
    advisories += tier_owned_by_atlas(
        tier, cluster.get("auto_scaling_max_tier"), cluster.get("shard_count", 1)
    )
    legacy = values["legacyShardedConnectionString"]
    # Atlas offers the shard-optimized string to sharded AWS clusters behind a private
    # endpoint (5.0+, one region: every cluster this program declares); the function then
    # holds no monitor connections. compose() warns at deploy if Atlas falls back.
    load_balanced = function["sharded"] and private_endpoint and not legacy
    advisories += rules.raise_on_errors(
        budget_findings(
            connection_budget(
                tier, function.get("reserved_concurrency"), load_balanced=load_balanced
            )
        )
    )
    return StackSettings(
        stack=stack,
        aws_region=aws_region,
        private_endpoint=private_endpoint,
        cluster=cluster,
        network=network,
        database_user=database_user,
        function=function,
        advisories=tuple(advisories),
        legacy_sharded_connection_string=legacy,
    )


def load_settings() -> StackSettings:
    """Read the running stack's config (CLI or mock engine) and validate all of it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = frozenset(k for k in raw if runtime_config.is_config_secret(k))
    for key in secret_keys:
        _register_secret_value(str(raw[key]))
    schema = declared_keys(_project_file.get())
    values = project_values(raw, schema)
    aws_region = pulumi.Config("aws").get("region")
    defaults = {name: key.default for name, key in schema.items()}
    settings = settings_from_values(
        pulumi.get_stack(), aws_region, values, secret_keys, defaults=defaults
    )
    sink = _advisory_sink.get()
    if sink is not None:
        sink.extend(settings.advisories)
    return settings


def _register_secret_value(value: str) -> None:
    """Keep a secret out of every message: the value, and each KEY=VALUE entry's value when
    it is a list (environment)."""
    if value == UNDECRYPTED_SECRET:
        return
    register_secret(value)
    try:
        entries = json.loads(value)
    except json.JSONDecodeError:
        return
    for entry in entries if isinstance(entries, list) else []:
        register_secret(entry)
        register_secret(str(entry).partition("=")[2])
