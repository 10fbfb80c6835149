"""Limits a deploy would hit late (after minutes of provisioning), checked at preview.

Plain functions returning rules.Finding, like components/guardrails/rules.py, so the stack config,
the components and the policy pack can share them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from .rules import Finding

# terraform-provider-mongodbatlas (which pulumi-mongodbatlas bridges), ValidateClusterName
# and the advanced cluster schema: 1-64 characters, letters, digits and hyphens, starting and
# ending with a letter or digit. Atlas docs "Atlas Service Limits" → Label Limits: 64.
CLUSTER_NAME = re.compile(r"([a-zA-Z0-9][a-zA-Z0-9-]*)?[a-zA-Z0-9]+", re.ASCII)
CLUSTER_NAME_MAX = 64
# Atlas organization and project ids: 24 hexadecimal characters (Atlas Admin API v2, the
# `groupId`/`orgId` path parameters: `^([a-f0-9]{24})$`).
ATLAS_ID = re.compile(r"[0-9a-f]{24}")
# IAM User Guide, "IAM identifiers" → IAM ARNs: arn:<partition>:iam::<12-digit account>:
# role/<path/>name; partitions aws, aws-cn, aws-us-gov, ...
IAM_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/.+", re.ASCII)
# Atlas docs "Atlas Service Limits" → Label Limits, Project Name: ^[\p{L}\p{N}\-_.(),:&@+']{1,64}$
PROJECT_NAME_MAX = 64
PROJECT_NAME_PUNCTUATION = frozenset("-_.(),:&@+'")
# AWS Lambda quotas page ("Lambda quotas", Function configuration): environment variables,
# 4 KB for all of a function's variables in aggregate.
ENVIRONMENT_MAX_BYTES = 4096
# MongoLambda adds MONGODB_URI (known only after deploy) and AWS_STS_REGIONAL_ENDPOINTS:
# keep room for both (with 64-character cluster, database and function names the longest
# URI we build makes them 398 bytes).
URI_RESERVE_BYTES = 512


def atlas_cluster_name(name: str, key: str = "clusterName") -> list[Finding]:
    if len(name) <= CLUSTER_NAME_MAX and CLUSTER_NAME.fullmatch(name):
        return []
    return [
        Finding(
            "atlas-cluster-name",
            key,
            f"{name!r} is not an Atlas cluster name",
            allowed=f"1-{CLUSTER_NAME_MAX} ASCII letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        )
    ]


def atlas_id(value: str, key: str) -> list[Finding]:
    if ATLAS_ID.fullmatch(value):
        return []
    return [Finding("atlas-id", key, f"{value!r} is not an Atlas id", allowed="24 hex characters")]


def iam_role_arn(value: str, key: str = "roleArn") -> list[Finding]:
    if IAM_ROLE_ARN.fullmatch(value):
        return []
    return [
        Finding(
            "iam-role-arn",
            key,
            f"{value!r} is not an IAM role ARN",
            allowed="arn:aws:iam::<12-digit account>:role/<name>",
        )
    ]


def _project_name_char(char: str) -> bool:
    return char in PROJECT_NAME_PUNCTUATION or unicodedata.category(char)[0] in ("L", "N")


def atlas_project_name(name: str, key: str = "projectName") -> list[Finding]:
    if 1 <= len(name) <= PROJECT_NAME_MAX and all(_project_name_char(c) for c in name):
        return []
    return [
        Finding(
            "atlas-project-name",
            key,
            f"{name!r} is not an Atlas project name",
            allowed=f"1-{PROJECT_NAME_MAX} letters, digits and - _ . ( ) , : & @ + '",
        )
    ]


def distinct(values: Sequence[str], key: str) -> list[Finding]:
    """A list of ids given twice (subnets): AWS refuses the duplicate at deploy."""
    seen: set[str] = set()
    repeated = sorted({value for value in values if value in seen or seen.add(value)})
    if not repeated:
        return []
    return [Finding("distinct-ids", key, f"{repeated[0]} is listed twice", allowed="distinct ids")]


def environment_size(
    env: Mapping[str, str], reserve: int = URI_RESERVE_BYTES, key: str = "environment"
) -> list[Finding]:
    """Keys and values together, UTF-8, plus room for what is known only after deploy."""
    size = sum(len(name.encode()) + len(value.encode()) for name, value in env.items())
    if size + reserve <= ENVIRONMENT_MAX_BYTES:
        return []
    return [
        Finding(
            "environment-size",
            key,
            f"{size} bytes of environment variables (+{reserve} kept for MONGODB_URI) exceed "
            f"Lambda's {ENVIRONMENT_MAX_BYTES}-byte limit",
            allowed=f"at most {ENVIRONMENT_MAX_BYTES - reserve} bytes of keys and values",
        )
    ]


# Tags reach AWS resources and the Atlas project and cluster, so they must pass both:
# botocore's models (e.g. lambda `TagKey` 1-128 and `TagValue` 0-256, `aws:` keys reserved
# to AWS; EC2 and CloudWatch: 50 tags per resource) and the Atlas Admin API v2 `ResourceTag`
# (key and value 1-255 characters, letters, digits, spaces and `_ . @ - : + = /`... the
# charset both accept).
TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX = 128, 255, 50
TAG_TEXT = re.compile(r"[\w .:/=+@-]+")


def tags(values: Mapping[str, str], key: str = "tags", reserved: int = 0) -> list[Finding]:
    """Tags every AWS resource and Atlas accept; `reserved` counts the tags added for them."""
    allowed = (
        f"at most {TAGS_MAX - reserved} tags; keys 1-{TAG_KEY_MAX} and values "
        f"1-{TAG_VALUE_MAX} of letters, digits, spaces and _ . : / = + @ -; no aws: keys"
    )
    findings = []
    if len(values) + reserved > TAGS_MAX:
        findings.append(
            Finding("tags", key, f"{len(values)} tags are too many", allowed=allowed)
        )
    for name, value in values.items():
        if name.lower().startswith("aws:") or not (
            len(name) <= TAG_KEY_MAX and TAG_TEXT.fullmatch(name)
        ):
            findings.append(
                Finding("tags", f"{key}.{name[:40]}", "is not a tag key", allowed=allowed)
            )
        elif not (len(value) <= TAG_VALUE_MAX and TAG_TEXT.fullmatch(value)):
            findings.append(
                Finding("tags", f"{key}.{name}", "has no valid tag value", allowed=allowed)
            )
    return findings


# MongoDB Manual, "MongoDB Limits and Thresholds" → Naming Restrictions: a database name
# cannot be empty, must have fewer than 64 bytes, and cannot contain the null character; on
# Windows none of /\. "$*<>:|? either, on Unix and Linux none of /\. "$. A name must be
# valid wherever the cluster runs, so both sets are refused.
DATABASE_NAME_FORBIDDEN = '/\\. "$*<>:|?\0'
DATABASE_NAME_MAX_BYTES = 63
# Databases MongoDB keeps for itself (MongoDB Manual, "Built-In Roles": roles on `admin`
# reach the whole cluster — `dbOwner` or `userAdmin` there can grant any role on any
# database; `local` and `config` are internal). Atlas's Admin API grants the cluster-wide
# built-in roles (readWriteAnyDatabase, atlasAdmin, ...) on `admin` as well. The function's
# database is an application database: none of these.
SYSTEM_DATABASES: tuple[str, ...] = ("admin", "local", "config")


def database_name(name: str, key: str = "databaseName") -> list[Finding]:
    """A database name MongoDB accepts on every platform, and not one of its own."""
    allowed = (
        f"1-{DATABASE_NAME_MAX_BYTES} bytes (UTF-8), none of / \\ . space \" $ * < > : | ? "
        f"or NUL, and not {', '.join(SYSTEM_DATABASES)}"
    )
    size = len(name.encode("utf-8", "surrogatepass"))
    bad = sorted({char for char in name if char in DATABASE_NAME_FORBIDDEN})
    if not name:
        problem = "is empty"
    elif size > DATABASE_NAME_MAX_BYTES:
        problem = f"is {size} bytes, over MongoDB's {DATABASE_NAME_MAX_BYTES}"
    elif bad:
        problem = f"{name!r} has characters MongoDB refuses: {' '.join(map(repr, bad))}"
    elif name.lower() in SYSTEM_DATABASES:
        problem = (
            f"{name!r} is a MongoDB system database: roles there reach the whole cluster "
            "(dbOwner or userAdmin on admin can grant any role on any database)"
        )
    else:
        return []
    return [Finding("database-name", key, problem, allowed=allowed)]


# Atlas Admin API v2 (the spec terraform-provider-mongodbatlas vendors,
# tools/codegen/atlasapispec/raw-multi-version-api-spec.yml), DatabaseUserRole.roleName:
# atlasAdmin, backup, clusterMonitor, dbAdmin, dbAdminAnyDatabase, enableSharding, read,
# readAnyDatabase, readWrite, readWriteAnyDatabase, or a custom role's name. Of those, the
# roles scoped to one application database are these; `dbOwner` is not among them (a
# request naming it asks for a custom role that does not exist), nor is any other MongoDB
# built-in Atlas does not grant.
DATABASE_ROLES: tuple[str, ...] = ("read", "readWrite", "dbAdmin")


def database_roles(roles: Sequence[str], key: str = "databaseRoles") -> list[Finding]:
    """At least one role, each one Atlas grants on one database."""
    unknown = [role for role in roles if role not in DATABASE_ROLES]
    if roles and not unknown:
        return []
    problem = (
        f"{unknown[0]!r} is not a role Atlas grants on one database (Atlas Admin API v2 "
        "DatabaseUserRole.roleName)"
        if unknown
        else "is empty"
    )
    return [Finding("database-roles", key, problem, allowed=", ".join(DATABASE_ROLES))]


# Atlas Admin API v2, NetworkPermissionEntry.comment: `maxLength: 80`.
ACCESS_LIST_COMMENT_MAX = 80
ELLIPSIS = "..."


def access_list_comment(label: str, reason: str) -> str:
    """`<label>: <reason>` for an access-list entry, the label (a cluster name, up to 64
    characters) shortened so the comment fits Atlas's 80; the reason is kept whole."""
    text = f"{label}: {reason}"
    if len(text) <= ACCESS_LIST_COMMENT_MAX:
        return text
    room = ACCESS_LIST_COMMENT_MAX - len(f": {reason}") - len(ELLIPSIS)
    if room < 1:
        return reason[:ACCESS_LIST_COMMENT_MAX]
    return f"{label[:room]}{ELLIPSIS}: {reason}"


# botocore's IAM model (botocore/data/iam/2010-05-08/service-2.json), roleNameType: 1-64
# characters matching [\w+=,.@-]+ (Java's ASCII \w). A role given no name gets Pulumi's
# autoname, `<resource name>-<7 hex>`, which must fit as well.
IAM_ROLE_NAME_MAX = 64
IAM_ROLE_NAME = re.compile(r"[\w+=,.@-]+", re.ASCII)
AUTONAME_SUFFIX_LENGTH = len("-") + 7


def iam_role_autoname(component: str, role_suffix: str, key: str = "name") -> list[Finding]:
    """The autonamed execution role `<component><role_suffix>-<7 hex>` IAM accepts."""
    role = f"{component}{role_suffix}"
    longest = IAM_ROLE_NAME_MAX - AUTONAME_SUFFIX_LENGTH - len(role_suffix)
    if len(role) + AUTONAME_SUFFIX_LENGTH <= IAM_ROLE_NAME_MAX and IAM_ROLE_NAME.fullmatch(role):
        return []
    return [
        Finding(
            "iam-role-name",
            key,
            f"{component[:80]!r} names the execution role {role[:80]!r} plus Pulumi's "
            f"'-<7 hex>', which IAM refuses: a role name is 1-{IAM_ROLE_NAME_MAX} characters "
            "of letters, digits and _+=,.@-",
            allowed=f"a resource name of 1-{longest} letters, digits and _+=,.@-, or role_arn "
            "(an existing role)",
        )
    ]
