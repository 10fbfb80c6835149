"""Rules as plain functions over plain data.

Component validation, the offline preview and the policy pack all call these, so a rule
is written once. Each returns findings instead of raising: a consumer decides whether an
`error` stops it (components, preview) or becomes a policy violation.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from . import lambda_limits as limits
from .errors import ConfigError
from .tiers import ALL_TIERS, DEDICATED_TIERS, is_dedicated

Severity = Literal["error", "advisory"]


@dataclass(frozen=True)
class Finding:
    """One rule's verdict on one key."""

    rule: str
    key: str
    message: str
    severity: Severity = "error"
    allowed: str | None = None

    def as_error(self) -> ConfigError:
        return ConfigError(self.key, self.message, self.allowed)


def raise_on_errors(findings: Iterable[Finding]) -> list[Finding]:
    """Raise the first error finding; hand back the advisories for the caller to report."""
    advisories = []
    for finding in findings:
        if finding.severity == "error":
            raise finding.as_error()
        advisories.append(finding)
    return advisories


def known_tier(tier: str, key: str = "tier") -> list[Finding]:
    if tier in ALL_TIERS:
        return []
    return [Finding("known-tier", key, f"unknown tier {tier!r}", allowed=", ".join(ALL_TIERS))]


def private_endpoint_tier(tier: str, private_endpoint: bool, key: str = "tier") -> list[Finding]:
    """PrivateLink exists only on dedicated tiers; M0 and Flex have none."""
    if not private_endpoint or is_dedicated(tier):
        return []
    return [
        Finding(
            "private-endpoint-tier",
            key,
            f"a private endpoint needs a dedicated tier (M10 or above), not {tier!r}",
            allowed=", ".join(DEDICATED_TIERS),
        )
    ]


CLUSTER_TYPES: tuple[str, ...] = ("REPLICASET", "SHARDED")


def cluster_shape(
    cluster_type: str, shard_count: int | None, key: str = "shardCount"
) -> list[Finding]:
    if cluster_type not in CLUSTER_TYPES:
        return [
            Finding(
                "cluster-type",
                "clusterType",
                f"unknown cluster type {cluster_type!r}",
                allowed=", ".join(CLUSTER_TYPES),
            )
        ]
    if cluster_type == "REPLICASET" and shard_count is not None:
        return [
            Finding(
                "shard-count",
                key,
                "a shard count applies only to clusterType SHARDED; remove it for a replica set",
                allowed="unset when clusterType is REPLICASET",
            )
        ]
    if cluster_type == "SHARDED" and shard_count is not None and not 1 <= shard_count <= 70:
        return [Finding("shard-count", key, f"{shard_count} shards", allowed="1-70")]
    return []


def memory_size(memory_mb: int, key: str = "memorySize") -> list[Finding]:
    """Lambda's hard range, plus an advisory: small memory means a sliver of CPU."""
    if not limits.MEMORY_MIN_MB <= memory_mb <= limits.MEMORY_MAX_MB:
        return [
            Finding(
                "memory-size",
                key,
                f"{memory_mb} MB is outside Lambda's range",
                allowed=f"{limits.MEMORY_MIN_MB}-{limits.MEMORY_MAX_MB}",
            )
        ]
    if memory_mb < limits.MEMORY_ADVISORY_MB:
        return [
            Finding(
                "memory-size",
                key,
                f"{memory_mb} MB gives the driver little CPU (1769 MB = 1 vCPU); "
                f"{limits.MEMORY_ADVISORY_MB} MB or more is advised",
                severity="advisory",
            )
        ]
    return []


def environment_keys(env: Mapping[str, str], key: str = "environment") -> list[Finding]:
    """Lambda rejects functions that set its reserved keys; the deploy would fail late."""
    findings = []
    for name in sorted(env):
        if limits.is_reserved_env_key(name):
            findings.append(
                Finding(
                    "reserved-env-key",
                    f"{key}.{name}",
                    f"{name} is reserved by Lambda (it sets it itself)",
                    allowed="any key except "
                    + ", ".join(sorted(limits.RESERVED_ENV_KEYS))
                    + " and AWS_LAMBDA_*",
                )
            )
        elif not limits.ENV_KEY_PATTERN.fullmatch(name):
            findings.append(
                Finding(
                    "env-key-format",
                    f"{key}.{name}",
                    f"{name!r} is not a valid environment variable name",
                    allowed="letters, digits and _, starting with a letter",
                )
            )
    return findings


SECRET_ENV_WORDS: tuple[str, ...] = (
    "PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY", "APIKEY",
    "CREDENTIAL", "ACCESS_KEY", "AUTH_KEY", "PASSPHRASE",
)  # fmt: skip


def _uri_password(value: str) -> bool | None:
    """Whether a URI value carries a password; None when it cannot be parsed at all."""
    try:
        return bool(urlsplit(value).password)
    except ValueError:  # e.g. `mongodb://[broken`: a malformed host, not a crash
        return None


def environment_secrets(env: Mapping[str, str], key: str = "environment") -> list[Finding]:
    """Environment variables are readable by anyone who can read the function's config."""
    findings = []
    for name in sorted(env):
        value = env[name]
        if any(word in name.upper() for word in SECRET_ENV_WORDS):
            findings.append(
                Finding(
                    "env-secret",
                    f"{key}.{name}",
                    f"{name} looks like a credential; Lambda environment variables are not "
                    "secret storage",
                    allowed="non-secret settings; use IAM (MONGODB-AWS) or Secrets Manager",
                )
            )
        elif "://" in value and _uri_password(value) is not False:
            findings.append(
                Finding(
                    "env-secret",
                    f"{key}.{name}",
                    f"{name} is a URI with a password"
                    if _uri_password(value)
                    else f"{name} is a URI that cannot be parsed (it may hold a password)",
                    allowed="a URI without user:password (MONGODB-AWS signs with the role)",
                )
            )
    return findings


def lambda_mongodb_uri(uri: str, *, sharded: bool, key: str = "MONGODB_URI") -> list[Finding]:
    """The options that keep a Lambda's connections healthy and bounded."""
    try:
        parts = urlsplit(uri)
        options = {name.lower(): values[-1] for name, values in parse_qs(parts.query).items()}
        credentials = parts.password or parts.username
    except ValueError:
        return [
            Finding("uri-format", key, "is not a parsable URI", allowed="mongodb+srv://host/db?...")
        ]
    findings = []
    if credentials:
        findings.append(
            Finding(
                "uri-credentials",
                key,
                "the URI carries a user or password",
                allowed="no credentials: authMechanism=MONGODB-AWS",
            )
        )
    if "maxidletimems" not in options:
        findings.append(
            Finding(
                "uri-max-idle",
                key,
                "maxIdleTimeMS is missing: frozen sockets get reused",
                allowed="maxIdleTimeMS=60000",
            )
        )
    if options.get("servermonitoringmode") == "stream":
        findings.append(
            Finding("uri-monitoring-mode", key,
                    "serverMonitoringMode=stream holds 2 connections per server instead of 1: "
                    "the connection budget assumes polling",
                    allowed="serverMonitoringMode=poll or auto (polls on Lambda)")
        )  # fmt: skip
    if sharded and "srvmaxhosts" not in options:
        findings.append(
            Finding(
                "uri-srv-max-hosts",
                key,
                "srvMaxHosts is missing on a sharded cluster: every mongos gets monitored",
                allowed="srvMaxHosts=3",
            )
        )
    return findings


# Atlas access lists also take AWS security groups (peered VPCs only).
SECURITY_GROUP_ID = re.compile(r"sg-[0-9a-f]{8,17}")


def access_list(
    entries: Sequence[str], opt_in: bool, key: str = "accessListCidrs"
) -> list[Finding]:
    """No public access by default: the function reaches Atlas over PrivateLink."""
    findings = []
    for entry in entries:
        if SECURITY_GROUP_ID.fullmatch(entry):
            if not opt_in:
                findings.append(
                    Finding("access-list", key,
                            f"{entry} needs an explicit opt-in: set allowAccessList to true",
                            allowed="no entries, or entries with allowAccessList: true")
                )  # fmt: skip
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            findings.append(
                Finding(
                    "access-list",
                    key,
                    f"{entry!r} is not a CIDR block",
                    allowed="CIDR notation, e.g. 203.0.113.0/24",
                )
            )
            continue
        if network.prefixlen == 0:
            findings.append(
                Finding(
                    "access-list",
                    key,
                    f"{entry} opens the cluster to the whole internet",
                    allowed="a narrower CIDR block (0.0.0.0/0 and ::/0 are always refused)",
                )
            )
        elif not opt_in:
            findings.append(
                Finding(
                    "access-list",
                    key,
                    f"{entry} needs an explicit opt-in: set allowAccessList to true",
                    allowed="no entries, or entries with allowAccessList: true",
                )
            )
    return findings


def database_user_iam(
    aws_iam_type: str | None, password: str | None, key: str = "databaseUser"
) -> list[Finding]:
    """Users meant for Lambdas authenticate with the execution role, not a password."""
    findings = []
    if aws_iam_type != "ROLE":
        findings.append(
            Finding(
                "iam-database-user",
                f"{key}.awsIamType",
                f"awsIamType is {aws_iam_type!r}",
                allowed="ROLE",
            )
        )
    if password:
        findings.append(
            Finding(
                "iam-database-user",
                f"{key}.password",
                "a password is set",
                allowed="no password (MONGODB-AWS)",
            )
        )
    return findings
