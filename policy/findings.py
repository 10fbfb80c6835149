"""Turning rule findings into policy violations.

A rule returns `Finding`s with a severity; a policy has one enforcement level. So each
rule that can say both "refuse" and "take note" backs two policies, one mandatory for its
errors and one advisory for its advisories, and each reports only its own severity. The
message is the rule's own (`key: problem (allowed: ...)`), the same text the components
and the offline preview print.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pulumi_policy import EnforcementLevel

from .toolkit import Finding, Severity

# pulumi-policy's report_violation(message, urn=None).
ReportViolation = Callable[[str, str | None], None]

ENFORCEMENT: dict[Severity, EnforcementLevel] = {
    "error": EnforcementLevel.MANDATORY,
    "advisory": EnforcementLevel.ADVISORY,
}


def message(finding: Finding) -> str:
    """The rule's message: names the key and, where there is a closed set, what is allowed."""
    return str(finding.as_error())


def report(
    findings: Iterable[Finding],
    report_violation: ReportViolation,
    severity: Severity,
    urn: str | None = None,
) -> int:
    """Report the findings of one severity; returns how many were reported."""
    count = 0
    for finding in findings:
        if finding.severity == severity:
            report_violation(message(finding), urn)
            count += 1
    return count
