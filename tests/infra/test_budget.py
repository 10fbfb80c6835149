"""The connection budget: model figures per tier, and what the preview does with them."""

from __future__ import annotations

import pytest

from components.guardrails.budget import (
    LOAD_BALANCED_MONGOS,
    budget_findings,
    connection_budget,
    connections_per_environment,
    connections_per_node,
)

P = "atlas-lambda:"


@pytest.mark.parametrize(
    "tier, safe", [("M10", 745), ("M20", 1495), ("M40", 2995), ("R40", 1995), ("M80", 47995)]
)
def test_largest_safe_concurrency_per_tier(tier, safe):
    budget = connection_budget(tier, reserved_concurrency=1)
    assert budget is not None
    assert budget.max_safe_concurrency == safe
    at_limit = budget_findings(connection_budget(tier, safe))
    assert [f.severity for f in at_limit] == ["advisory"]  # allowed, with a warning
    [over] = budget_findings(connection_budget(tier, safe + 1))
    assert over.severity == "error" and f"largest safe value is {safe}" in over.message


def test_eighty_percent_is_a_warning():
    [finding] = budget_findings(connection_budget("M10", 600))  # 1200 of 1490
    assert finding.severity == "advisory" and "81%" in finding.message
    assert budget_findings(connection_budget("M10", 596)) == []  # 1192 of 1490, 80%


@pytest.mark.parametrize("tier, safe", [("M30", 2990), ("M40", 5990), ("M80", 95990)])
def test_load_balanced_mode_has_no_monitor_connections(tier, safe):
    """Shard-optimized string: pymongo opens no monitor in load-balanced mode
    (pymongo/synchronous/server.py Server.open), so an environment holds only its pool."""
    budget = connection_budget(tier, reserved_concurrency=1, load_balanced=True)
    assert budget is not None and budget.per_environment == 1
    assert budget.max_safe_concurrency == safe
    legacy = connection_budget(tier, reserved_concurrency=1)
    assert legacy is not None and legacy.max_safe_concurrency == safe // 2
    [over] = budget_findings(connection_budget(tier, safe + 1, load_balanced=True))
    assert over.severity == "error" and "(load-balanced, no monitor)" in over.message


def test_load_balanced_connections_per_environment():
    assert connections_per_node(LOAD_BALANCED_MONGOS) == 1
    assert connections_per_node(LOAD_BALANCED_MONGOS, concurrent_ops=4) == 4
    assert connections_per_environment(3, load_balanced=True) == 1  # monitored: ignored
    assert connections_per_environment(3) == 4
    with pytest.raises(ValueError, match="load-balanced mongos"):
        connections_per_node("arbiter")


@pytest.mark.parametrize("tier", ["M0", "FLEX"])
def test_shared_tiers_budget_the_whole_cluster(tier):
    """Atlas "M0 (Free Cluster) Limits" and "Flex Limits", Operational Limits: 500
    connections for the cluster. Every environment monitors the 3 members and holds its
    pooled connection: 4 each, so 125 environments fit and 126 do not."""
    assert budget_findings(connection_budget(tier, 125)) == [
        f for f in budget_findings(connection_budget(tier, 125)) if f.severity == "advisory"
    ]
    [over] = budget_findings(connection_budget(tier, 126))
    assert over.severity == "error" and "504 on the cluster" in over.message, over.message
    assert over.allowed == "1-125"
    assert connection_budget("M5", 10) is None and budget_findings(None) == []


def test_preview_flags_unset_reserved_concurrency(deploy):
    run, _ = deploy("dev", **{P + "reservedConcurrency": "-1"})
    function = run.plan.one("aws:lambda/function:Function").inputs
    assert "reservedConcurrentExecutions" not in function
    [warning] = [w for w in run.plan.warnings if w.startswith("reservedConcurrency")]
    assert "unset" in warning and "at most 745" in warning


def test_preview_warns_near_the_limit(deploy):
    run, _ = deploy("dev", **{P + "reservedConcurrency": "700"})
    assert any("94% of the limit" in warning for warning in run.plan.warnings)


def test_example_stacks_are_within_budget(deploy):
    for stack in ("dev", "prod"):
        run, _ = deploy(stack)
        assert not [w for w in run.plan.warnings if w.startswith("reservedConcurrency")]
