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


def test_the_network_policies_call_the_network_path_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stack config, the components and the pack share `network_paths`: each rule the
    network policies apply is that module's function, called with the stack's values."""
    from components.guardrails import network_paths

    from .helpers import ACCESS_LIST
    from .test_network_policies import peering_stack

    calls: dict[str, tuple] = {}

    def stand_in(name: str) -> object:
        def rule(*args: object, key: str = "k") -> list[Finding]:
            calls[name] = args
            return [Finding("stand-in", key, f"from {name}")]

        return rule

    for name in ("path_tier", "atlas_cidr_block", "cidr_overlap", "vpc_dns", "anywhere_access"):
        monkeypatch.setattr(network_paths, name, stand_in(name))
    resources = peering_stack()
    resources["cluster"] = stack_resource(CLUSTER, cluster_props("M10"), "app")
    resources["open"] = stack_resource(ACCESS_LIST, {"cidrBlock": "0.0.0.0/0"}, "open")
    args = stack_args(*resources.values(), config={"allowAccessFromAnywhere": True})
    expected = {
        "atlas-private-endpoint-tier": ["app.instanceSize: from path_tier"],
        "atlas-network-container-cidr": [
            "container.atlasCidrBlock: from atlas_cidr_block",
            "container.atlasCidrBlock: from cidr_overlap",
        ],
        "atlas-peering-vpc-dns": ["vpc.enableDnsHostnames: from vpc_dns"],
        "atlas-access-list": ["allowAccessFromAnywhere: from anywhere_access"],
    }
    for name, messages in expected.items():
        assert validate(name, args).messages == messages, name
    assert calls["path_tier"] == ("peering", "M10")
    assert calls["atlas_cidr_block"] == ("192.168.248.0/21",)
    assert calls["cidr_overlap"] == ("192.168.248.0/21", ["10.0.0.0/16"])
    assert calls["vpc_dns"] == ("vpc", True, True)
    assert calls["anywhere_access"] == ("public", True)
