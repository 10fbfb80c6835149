"""Advisories: findings that do not stop a deploy but that the owner must see.

Every component reports its own (a preview warning on the resource that raised it); the
offline engine also collects them for the plan through `collect()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import pulumi

from .guardrails.rules import Finding

_sink: ContextVar[list[Finding] | None] = ContextVar("advisories", default=None)


@contextmanager
def collect() -> Iterator[list[Finding]]:
    """Within: every reported advisory is also appended to the list yielded."""
    found: list[Finding] = []
    token = _sink.set(found)
    try:
        yield found
    finally:
        _sink.reset(token)


def report(findings: Iterable[Finding], resource: pulumi.Resource | None = None) -> None:
    """Warn once per finding (`key: message`), on `resource` when given."""
    sink = _sink.get()
    for finding in findings:
        pulumi.log.warn(f"{finding.key}: {finding.message}", resource=resource)
        if sink is not None:
            sink.append(finding)
