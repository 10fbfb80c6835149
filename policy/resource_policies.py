"""Policies that judge one resource at a time (pulumi-policy ResourceValidationPolicy).

Each is a thin adapter: read the resource's wire-form properties, call the rule from the
toolkit's `guardrails.rules` (`toolkit.py`), report its findings. A rule with both errors
and advisories backs two policies, one per enforcement level (see `findings.py`).
"""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from . import resource_types as types
from .findings import ENFORCEMENT, ReportViolation, report
from .props import UNKNOWN, items, read, string_map
from .toolkit import Finding, Severity, rules

# Lambda's own default when a function sets no memory size.
LAMBDA_DEFAULT_MEMORY_MB = 128
ENVIRONMENT_KEY = "environment.variables"

Check = Callable[[ResourceValidationArgs], list[Finding]]


def resource_policy(
    name: str,
    description: str,
    resource_type: str | tuple[str, ...],
    check: Check,
    severity: Severity = "error",
    config_schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    """A policy that runs `check` on every resource of `resource_type` (one type or a
    tuple) and reports the findings of `severity` at the matching enforcement level."""
    resource_types = (resource_type,) if isinstance(resource_type, str) else resource_type

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in resource_types:
            report(check(args), report_violation, severity, args.urn)

    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=ENFORCEMENT[severity],
        config_schema=config_schema,
    )


def _environment(args: ResourceValidationArgs) -> dict[str, object]:
    return string_map(read(args.props, "environment", "variables"))


def environment_secret_findings(args: ResourceValidationArgs) -> list[Finding]:
    """Names are always known; a value known only after deploy is judged by its name now
    and by its value when `pulumi up` runs the pack again."""
    environment = {
        key: value if isinstance(value, str) else "" for key, value in _environment(args).items()
    }
    return rules.environment_secrets(environment, key=ENVIRONMENT_KEY)


def environment_key_findings(args: ResourceValidationArgs) -> list[Finding]:
    return rules.environment_keys({key: "" for key in _environment(args)}, key=ENVIRONMENT_KEY)


def memory_findings(args: ResourceValidationArgs) -> list[Finding]:
    memory = read(args.props, "memorySize", default=LAMBDA_DEFAULT_MEMORY_MB)
    if memory is UNKNOWN:
        return []
    return rules.memory_size(int(memory), key="memorySize")


def ec2_description_findings(args: ResourceValidationArgs) -> list[Finding]:
    """A group's description and its inline rules' descriptions, or a rule's own; one that
    is known only after deploy is checked when `pulumi up` runs the pack again."""
    texts = [("description", read(args.props, "description"))]
    for direction in ("ingress", "egress"):
        for index, rule in enumerate(items(read(args.props, direction))):
            texts.append((f"{direction}[{index}].description", read(rule, "description")))
    findings: list[Finding] = []
    for key, text in texts:
        if isinstance(text, str):
            findings += rules.ec2_description(text, key=key)
    return findings


def iam_description_findings(args: ResourceValidationArgs) -> list[Finding]:
    text = read(args.props, "description")
    return rules.iam_description(text, key="description") if isinstance(text, str) else []


def account_concurrency_findings(args: ResourceValidationArgs) -> list[Finding]:
    reserved = read(args.props, "reservedConcurrentExecutions")
    if not isinstance(reserved, int | float) or reserved < 0:
        return []  # unset (-1 is the provider's "unreserved") or unknown
    return rules.account_concurrency(int(reserved), key="reservedConcurrentExecutions")


RESOURCE_POLICIES: list[ResourceValidationPolicy] = [
    resource_policy(
        "lambda-environment-secrets",
        "No credentials or secrets in Lambda environment variables (nor a URI with a password).",
        types.LAMBDA_FUNCTION,
        environment_secret_findings,
    ),
    resource_policy(
        "lambda-reserved-environment-keys",
        "No Lambda-reserved environment variable keys (Lambda sets them; the deploy fails).",
        types.LAMBDA_FUNCTION,
        environment_key_findings,
    ),
    resource_policy(
        "lambda-memory-size",
        "Lambda memory within 128-10240 MB.",
        types.LAMBDA_FUNCTION,
        memory_findings,
    ),
    resource_policy(
        "lambda-memory-size-advisory",
        "Lambda memory of 512 MB or more: the driver's TLS, SigV4 and BSON work needs CPU.",
        types.LAMBDA_FUNCTION,
        memory_findings,
        severity="advisory",
    ),
    resource_policy(
        "ec2-descriptions",
        "Security group and rule descriptions use only the characters EC2 accepts "
        "(a-zA-Z0-9, space, ._-:/()#,@[]+=&;{}!$*; no apostrophe), up to 255.",
        (
            types.SECURITY_GROUP,
            types.SECURITY_GROUP_RULE,
            types.SECURITY_GROUP_INGRESS,
            types.SECURITY_GROUP_EGRESS,
        ),
        ec2_description_findings,
    ),
    resource_policy(
        "iam-role-description",
        "IAM role descriptions use only printable Latin-1 characters, up to 1,000.",
        types.IAM_ROLE,
        iam_description_findings,
    ),
    resource_policy(
        "lambda-account-concurrency-advisory",
        "Reserved concurrency a default account can grant: 1,000 minus the 100 Lambda keeps.",
        types.LAMBDA_FUNCTION,
        account_concurrency_findings,
        severity="advisory",
    ),
]
