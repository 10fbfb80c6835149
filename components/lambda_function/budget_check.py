"""The connection budget as MongoLambda checks it: at preview from the cluster's tier, and
again at deploy once the connection string is known.

A sharded cluster's string decides the model: the shard-optimized (load-balanced) one holds
no monitor connections, the legacy one with srvMaxHosts=3 holds one per mongos. A plain
string is judged now; an Output is judged on what the caller expects
(`shard_optimized`), then checked again when its value arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from ..errors import ConfigError
from ..guardrails import rules
from ..guardrails.budget import budget_findings, connection_budget
from .connection_string import is_load_balanced

UNCHECKED = rules.Finding(
    "connection-budget-unchecked",
    "cluster_tier",
    "not given, so the connection budget (reserved concurrency x connections per "
    "environment against the tier's per-node limit) is not checked",
    severity="advisory",
    allowed="the cluster's tier (AtlasCluster.tier), or use AtlasLambda",
)


def _load_balanced(args: Mapping[str, Any]) -> bool:
    srv = args.get("mongodb_srv")
    if isinstance(srv, str):
        return is_load_balanced(srv)
    return bool(args.get("sharded")) and bool(args.get("shard_optimized"))


def preview_findings(args: Mapping[str, Any]) -> list[rules.Finding]:
    """The budget's findings, or an advisory that it cannot be checked without the tier."""
    tier = args.get("cluster_tier")
    if tier is None:
        return [UNCHECKED]
    budget = connection_budget(
        tier, args.get("reserved_concurrency"), load_balanced=_load_balanced(args)
    )
    return budget_findings(budget)


def check_at_deploy(srv: str, args: Mapping[str, Any]) -> str:
    """The preview budgeted a sharded cluster as load-balanced; if Atlas returned no
    shard-optimized string, say so at deploy with the legacy budget (1 monitor more), and
    refuse the deploy when that budget is over the tier's limit."""
    expected = args.get("cluster_tier") is not None and _load_balanced(args)
    if not expected or is_load_balanced(srv):
        return srv
    legacy = budget_findings(
        connection_budget(args["cluster_tier"], args.get("reserved_concurrency"))
    )
    over = [finding for finding in legacy if finding.severity == "error"]
    if over:
        # Fail closed: the function must not go live with a budget the tier cannot hold.
        raise ConfigError(
            over[0].key,
            "Atlas returned no shard-optimized private string, and with the legacy one "
            f"(srvMaxHosts=3) {over[0].message}",
            over[0].allowed,
        )
    findings = "; ".join(f.message for f in legacy)
    pulumi.log.warn(
        "legacyShardedConnectionString: Atlas returned no shard-optimized private string, "
        "so MONGODB_URI uses the legacy one with srvMaxHosts=3"
        + (f"; connection budget: {findings}" if findings else "")
    )
    return srv
