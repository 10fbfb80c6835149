"""One implementation, three consumers: the pack calls the rule functions in `components`,
so changing a rule changes the pack (no copy of the logic lives in `policy/`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.guardrails import budget, rules
from components.guardrails.rules import Finding

from .helpers import (
    CLUSTER,
    LAMBDA,
    cluster_props,
    function_props,
    resource_args,
    stack_args,
    stack_resource,
    validate,
)

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def test_a_changed_rule_changes_the_resource_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict] = []

    def stand_in(env: dict, key: str = "environment") -> list[Finding]:
        calls.append(dict(env))
        return [Finding("stand-in", key, "from the shared rule")]

    monkeypatch.setattr(rules, "environment_keys", stand_in)
    reported = validate("lambda-reserved-environment-keys", resource_args(LAMBDA, function_props()))
    assert reported.messages == ["environment.variables: from the shared rule"]
    assert set(calls[0]) == {"MONGODB_URI", "AWS_STS_REGIONAL_ENDPOINTS"}


def test_a_changed_budget_changes_the_stack_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple] = []

    def stand_in(tier: str, concurrency: int | None, *args: object, **kwargs: object) -> None:
        seen.append((tier, concurrency))

    monkeypatch.setattr(budget, "connection_budget", stand_in)
    monkeypatch.setattr(budget, "budget_findings", lambda b, key: [Finding("b", key, "shared")])
    args = stack_args(
        stack_resource(CLUSTER, cluster_props("M40")),
        stack_resource(LAMBDA, function_props(reservedConcurrentExecutions=7), "fn"),
    )
    assert validate("atlas-connection-budget", args).messages == [
        "fn.reservedConcurrentExecutions: shared"
    ]
    assert seen == [("M40", 7)]


def test_no_policy_module_reimplements_a_rule() -> None:
    """The pack's modules import the rules; none parses URIs or CIDRs itself."""
    for path in POLICY_DIR.glob("*.py"):
        imported = {
            alias.name
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert "ipaddress" not in imported, path.name
        assert "parse_qs" not in imported, path.name
