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
from urllib.parse import parse_qs, parse_qsl, urlsplit

from ..errors import ConfigError
from ..lambda_function.connection_string import is_load_balanced
from . import lambda_limits as limits
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
        if not isinstance(env[name], str):
            findings.append(
                Finding(
                    "env-value-type",
                    f"{key}.{name}",
                    f"value {env[name]!r} is not a string",
                    # Lambda API reference, Environment: Variables is a map of string to string
                    allowed="a string value (quote numbers and booleans)",
                )
            )
        elif limits.is_reserved_env_key(name):
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
                    # Lambda API reference, Environment: "Key Pattern: [a-zA-Z]([a-zA-Z0-9_])+"
                    allowed="a name matching Lambda's pattern [a-zA-Z][a-zA-Z0-9_]+: 2 or more "
                    "letters, digits and _, starting with a letter",
                )
            )
    return findings


# Whole words of a name (split at `_`, `-` and camelCase); `_` joins consecutive words.
SECRET_ENV_WORDS: tuple[str, ...] = (
    "PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "PRIVATE_KEY", "API_KEY", "APIKEY",
    "CREDENTIAL", "ACCESS_KEY", "AUTH_KEY", "PASSPHRASE",
)  # fmt: skip
# A last word that makes the name about a credential, not one: where it is kept
# (SECRET_ARN, as the hint advises), what it is called, or a setting of it. A URL may
# still hold a password: the value check below judges every value, whatever its name.
NOT_SECRET_LAST_WORDS: frozenset[str] = frozenset({
    "ARN", "NAME", "ID", "IDS", "URL", "URI", "PATH", "FILE", "LENGTH", "LEN", "SIZE",
    "COUNT", "TTL", "TIMEOUT", "ENABLED", "TYPE", "VERSION", "HEADER", "FIELD", "ROUNDS",
    "REGION",
})  # fmt: skip
# A count or bound before the word: MAX_TOKENS, NUM_SECRETS, OPENAI_MAX_TOKENS.
COUNT_WORDS: frozenset[str] = frozenset({"MAX", "MIN", "NUM"})
# Services named after what they keep: the AWS Parameters and Secrets Lambda Extension
# reads PARAMETERS_SECRETS_EXTENSION_HTTP_PORT, SECRETS_MANAGER_TTL and the like.
SERVICE_PHRASES: tuple[tuple[str, ...], ...] = (
    ("SECRETS", "MANAGER"), ("SECRET", "MANAGER"), ("SECRETS", "EXTENSION"),
)  # fmt: skip
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def name_words(name: str) -> list[str]:
    """`dbPassword` -> DB, PASSWORD; `API_KEY2` -> API, KEY, 2; `APIKey` -> API, KEY."""
    return [word.upper() for word in _NAME_WORD.findall(name)]


def _without_services(words: list[str]) -> list[str]:
    """`words` less each SERVICE_PHRASES: the rest of the name still counts."""
    for phrase in SERVICE_PHRASES:
        for index in range(len(words) - len(phrase), -1, -1):
            if tuple(words[index : index + len(phrase)]) == phrase:
                del words[index : index + len(phrase)]
    return words


def _secret_word_at(words: Sequence[str], start: int) -> bool:
    """Whether one of SECRET_ENV_WORDS (or its plural: DB_CREDENTIALS) starts at `start`."""
    for entry in SECRET_ENV_WORDS:
        parts = entry.split("_")
        found = words[start : start + len(parts)]
        last = parts[-1]
        if (
            len(found) == len(parts)
            and found[:-1] == parts[:-1]
            and found[-1] in (last, last + "S")
        ):
            return True
    return False


def credential_name(name: str) -> bool:
    """A name with a credential word in it, unless it is clearly about one (SECRET_ARN,
    PASSWORD_MIN_LENGTH), counts something (MAX_TOKENS) or configures a secrets service.
    Whole words only: TOKENIZER, SECRETARY and PASSWORDLESS are not credentials."""
    words = _without_services(name_words(name))
    if not words or words[-1] in NOT_SECRET_LAST_WORDS:
        return False
    return any(
        _secret_word_at(words, index) and not COUNT_WORDS.intersection(words[:index])
        for index in range(len(words))
    )


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
        if credential_name(name):
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
    """The options that keep a Lambda's connections healthy and bounded: srvMaxHosts on a
    sharded cluster's legacy string, never on the load-balanced shard-optimized one."""
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
    else:  # an AWS credential (or a key password) among the options
        findings += [
            f for f in connection_string_credentials(uri, key) if f.rule == "uri-credentials"
        ]
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
    if "srvmaxhosts" in options and is_load_balanced(uri):
        findings.append(
            Finding(
                "uri-srv-max-hosts",
                key,
                "srvMaxHosts on a load-balanced (shard-optimized -pl-N-lb) string: pymongo "
                "refuses it with loadBalanced, which that string's SRV record may set",
                allowed="no srvMaxHosts on the shard-optimized string",
            )
        )
    elif sharded and "srvmaxhosts" not in options and not is_load_balanced(uri):
        findings.append(
            Finding(
                "uri-srv-max-hosts",
                key,
                "srvMaxHosts is missing on a sharded cluster's legacy string: every mongos "
                "gets monitored",
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
    return findings + access_list_span(entries, key)


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


# EC2 API reference, CreateSecurityGroup (GroupDescription) and IpRange / SecurityGroupRule
# (Description): up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*
# (docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html).
EC2_DESCRIPTION_CHARS = "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*"
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")
EC2_DESCRIPTION_MAX = 255
# IAM API reference, CreateRole Description: up to 1,000 characters matching
# [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]* (API_CreateRole.html).
IAM_DESCRIPTION = re.compile(r"[\t\n\r\x20-\x7e\xa1-\xff]*")
IAM_DESCRIPTION_MAX = 1000


def _description(
    text: str, *, service: str, pattern: re.Pattern[str], max_len: int, chars: str, key: str
) -> list[Finding]:
    """A description the service accepts: its charset and length, or it fails at deploy."""
    bad = sorted(set(pattern.sub("", text)))
    if not bad and len(text) <= max_len:
        return []
    problem = (
        f"{text!r} has characters {service} refuses: {' '.join(repr(c) for c in bad)}"
        if bad
        else f"{len(text)} characters is over {service}'s {max_len}"
    )
    rule = f"{service.lower()}-description"
    return [Finding(rule, key, problem, allowed=f"up to {max_len} of {chars}")]


def ec2_description(text: str, key: str = "description") -> list[Finding]:
    """Security group and rule descriptions EC2 accepts; anything else fails at deploy."""
    return _description(
        text, service="EC2", pattern=EC2_DESCRIPTION, max_len=EC2_DESCRIPTION_MAX,
        chars=EC2_DESCRIPTION_CHARS, key=key,
    )  # fmt: skip


def iam_description(text: str, key: str = "description") -> list[Finding]:
    """IAM role descriptions: printable Latin-1 only, up to 1,000 characters."""
    return _description(
        text, service="IAM", pattern=IAM_DESCRIPTION, max_len=IAM_DESCRIPTION_MAX,
        chars="printable Latin-1 characters", key=key,
    )  # fmt: skip


def account_concurrency(
    reserved: int | None,
    key: str = "reservedConcurrency",
    account_limit: int = limits.ACCOUNT_CONCURRENCY_DEFAULT,
) -> list[Finding]:
    """Reserved concurrency comes out of the account's pool, and Lambda keeps 100 of it
    unreserved: a default account can grant at most 900, the deploy fails above that."""
    grantable = account_limit - limits.UNRESERVED_CONCURRENCY_MINIMUM
    if reserved is None or reserved <= grantable:
        return []
    return [
        Finding(
            "account-concurrency",
            key,
            f"{reserved} is more than a default account can reserve ({account_limit} "
            f"concurrent executions minus the {limits.UNRESERVED_CONCURRENCY_MINIMUM} Lambda "
            "keeps unreserved): raise the Lambda quota 'Concurrent executions' first, "
            "or the deploy fails",
            severity="advisory",
            allowed=f"1-{grantable} on a default account",
        )
    ]


# The narrowest block still refused as "too wide to be one client's addresses": a /8 is the
# largest block IANA ever handed one organisation (the legacy class A), so nothing a user's
# NAT gateways or office own is wider; IPv6's counterpart is a /32, the RIRs' standard first
# allocation to a whole ISP (e.g. RIPE-738, ARIN NRPM 6.5.2). Wider blocks admit a large
# share of the internet and are refused even with the opt-in.
ACCESS_LIST_MIN_PREFIX = {4: 8, 6: 32}


def access_list_span(entries: Sequence[str], key: str = "accessListCidrs") -> list[Finding]:
    """Entries that open the cluster to the internet in pieces: a block wider than
    ACCESS_LIST_MIN_PREFIX, or entries that together cover every IPv4 (or IPv6) address
    (`0.0.0.0/1` + `128.0.0.0/1` is 0.0.0.0/0). A single /0 is `access_list`'s finding."""
    findings = []
    for network in _networks(entries):
        minimum = ACCESS_LIST_MIN_PREFIX[network.version]
        if 0 < network.prefixlen < minimum:
            findings.append(
                Finding(
                    "access-list",
                    key,
                    f"{network} is wider than a /{minimum}: it admits "
                    f"{network.num_addresses:,} addresses, a large part of the internet",
                    allowed=f"IPv4 blocks of /{ACCESS_LIST_MIN_PREFIX[4]} or narrower, IPv6 "
                    f"/{ACCESS_LIST_MIN_PREFIX[6]} or narrower (ideally your NAT addresses, /32)",
                )
            )
    return findings + access_list_union(entries, key)


def _networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The entries that are CIDR blocks (security groups and typos are other findings)."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


def access_list_union(entries: Iterable[str], key: str = "accessListCidrs") -> list[Finding]:
    """Entries that together, none alone, cover every IPv4 (or IPv6) address."""
    findings = []
    networks = _networks(entries)
    for version, whole in ((4, "0.0.0.0/0"), (6, "::/0")):
        found = [net for net in networks if net.version == version]
        if any(net.prefixlen == 0 for net in found):
            continue  # refused as itself
        collapsed = ipaddress.collapse_addresses(found)  # type: ignore[type-var]
        if any(net.prefixlen == 0 for net in collapsed):
            findings.append(
                Finding(
                    "access-list",
                    key,
                    f"together the entries cover every IPv{version} address ({whole}): "
                    "the cluster would be open to the whole internet",
                    allowed=f"narrower CIDR blocks ({whole} is always refused, also in parts)",
                )
            )
    return findings


# Query options of a connection string that carry a credential (MongoDB connection string
# options; the AWS names as the MONGODB-AWS mechanism and pymongo read them): Lambda shows
# the function's environment, so MONGODB_URI, to anyone who may read its configuration.
AWS_CREDENTIAL_NAMES = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
URI_CREDENTIAL_OPTIONS = frozenset(
    {*AWS_CREDENTIAL_NAMES, "password", "tlscertificatekeyfilepassword", "sslpemkeypassword"}
)


def connection_string_credentials(uri: str, key: str = "mongodbSrv") -> list[Finding]:
    """A connection string that carries a user, password or AWS credential, or that cannot
    be read: never echoes the value (it may hold the secret)."""
    allowed = (
        "mongodb+srv://<host>[/?<options>] with no user, password or AWS credential "
        "(MONGODB-AWS signs with the execution role)"
    )
    try:
        parts = urlsplit(uri)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        userinfo = "@" in parts.netloc
    except ValueError:
        return [Finding("uri-format", key, "is not a parsable URI", allowed=allowed)]
    if parts.scheme not in ("mongodb+srv", "mongodb") or not parts.netloc:
        return [
            Finding(
                "uri-format", key, "does not start with mongodb+srv:// or mongodb://",
                allowed=allowed,
            )
        ]  # fmt: skip
    if userinfo:
        problem = "carries a user or password (text before '@' in the host part)"
        return [Finding("uri-credentials", key, problem, allowed=allowed)]
    for name, value in pairs:
        lowered = name.lower()
        if lowered in URI_CREDENTIAL_OPTIONS or (
            lowered == "authmechanismproperties"
            and any(word in value.lower() for word in AWS_CREDENTIAL_NAMES)
        ):
            return [
                Finding(
                    "uri-credentials", key,
                    f"carries a credential in its options ({name}); it would be readable "
                    "in the function's configuration",
                    allowed=allowed,
                )
            ]  # fmt: skip
    return []


# Lambda API reference, PutFunctionConcurrency: ReservedConcurrentExecutions is an Integer
# of at least 0 (botocore lambda service-2.json, shape ReservedConcurrentExecutions:
# {"type": "integer", "min": 0}); Java's Integer ends at 2**31 - 1.
RESERVED_CONCURRENCY_MAX = 2**31 - 1


def reserved_concurrency_range(
    reserved: int | None, key: str = "reservedConcurrency"
) -> list[Finding]:
    """A reserved concurrency Lambda's API can carry at all (the value is not echoed when
    too large: a 5,000-digit number does not even print)."""
    if reserved is None or 1 <= reserved <= RESERVED_CONCURRENCY_MAX:
        return []
    problem = (
        f"{reserved} would stop the function" if reserved < 1 and reserved > -(10**20)
        else "would stop the function" if reserved < 1
        else f"is over the largest value Lambda's API takes ({RESERVED_CONCURRENCY_MAX})"
    )  # fmt: skip
    allowed = f"1-{RESERVED_CONCURRENCY_MAX}, or unset"
    return [Finding("reserved-concurrency", key, problem, allowed=allowed)]
