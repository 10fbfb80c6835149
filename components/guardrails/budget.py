"""Connection budget: how many Lambda environments a cluster's nodes can hold.

pymongo in Lambda polls each monitored server over one dedicated connection, and a plain
handler runs one operation at a time on one pooled connection. So, per environment:

* on a replica set, every member carries 1 monitor connection and the primary also the
  pooled one(s);
* on a sharded cluster with srvMaxHosts, each environment monitors at most that many
  mongos and any one of them may carry the pooled connection(s);
* on a sharded cluster through Atlas's shard-optimized (load-balanced) private string,
  pymongo runs no monitor at all (pymongo/synchronous/server.py `Server.open` starts the
  monitor only when not load_balanced; topology.py starts no SRV poller either), so an
  environment holds only its pooled connection(s).

The busiest node therefore holds `reserved_concurrency x (1 + concurrent_ops)`, or
`reserved_concurrency x concurrent_ops` load-balanced, which must stay within the tier's
per-node limit minus the connections Atlas reserves for itself. Unset reserved concurrency
means the account's pool (1,000 by default) can all land here.

Load-balanced assumption (conservative): the load balancer spreads *new* connections over
the mongos, but pooled connections live long and survive rebalancing, and a mongos
restart sends its share to the others; nothing bounds how many end up on one mongos. So
the budget lets every environment's pooled connections land on the same mongos, the same
worst case as the legacy string's "any of the 3 may carry the pool".
"""

from __future__ import annotations

from dataclasses import dataclass

from . import lambda_limits as limits
from .rules import Finding
from .tiers import (
    ATLAS_RESERVED_CONNECTIONS,
    CONNECTION_LIMITS,
    SHARED_CONNECTION_LIMITS,
    SHARED_TIER_MEMBERS,
)

# pymongo's serverMonitoringMode=auto polls in FaaS: one connection per monitored server.
MONITOR_CONNECTIONS_PER_SERVER = 1
# A plain single-threaded handler: one operation in flight.
DEFAULT_CONCURRENT_OPS = 1
ACCOUNT_DEFAULT_CONCURRENCY = limits.ACCOUNT_CONCURRENCY_DEFAULT
WARN_FRACTION = 0.8


# A mongos behind Atlas's PrivateLink load balancer (the shard-optimized string).
LOAD_BALANCED_MONGOS = "load-balanced mongos"
ROLES = ("primary", "secondary", "mongos", LOAD_BALANCED_MONGOS)


def connections_per_node(role: str, concurrent_ops: int = DEFAULT_CONCURRENT_OPS) -> int:
    """One environment's connections on a node: `primary`/`mongos` carry the pool too, and
    a mongos behind the load balancer carries only the pool (no monitor)."""
    if role in ("primary", "mongos"):
        return MONITOR_CONNECTIONS_PER_SERVER + concurrent_ops
    if role == "secondary":
        return MONITOR_CONNECTIONS_PER_SERVER
    if role == LOAD_BALANCED_MONGOS:
        return concurrent_ops
    raise ValueError(f"role: {role!r} (allowed: {', '.join(ROLES)})")


def connections_per_environment(
    monitored_servers: int,
    concurrent_ops: int = DEFAULT_CONCURRENT_OPS,
    *,
    load_balanced: bool = False,
) -> int:
    """One environment's connections over all the servers it monitors (none when
    load-balanced: then only the concurrent operations' pooled connections)."""
    if load_balanced:
        return connections_per_node(LOAD_BALANCED_MONGOS, concurrent_ops)
    return monitored_servers * MONITOR_CONNECTIONS_PER_SERVER + concurrent_ops


@dataclass(frozen=True)
class Budget:
    """The connection budget of one configuration, on its busiest node."""

    tier: str
    node_limit: int
    usable: int
    per_environment: int
    concurrency: int
    concurrency_is_set: bool
    load_balanced: bool = False
    reserved: int = ATLAS_RESERVED_CONNECTIONS
    """Connections Atlas keeps for itself (dedicated tiers only)."""
    scope: str = "the busiest node"
    """Where the limit applies: per node on dedicated tiers, the whole cluster on M0/Flex."""

    @property
    def peak(self) -> int:
        return self.concurrency * self.per_environment

    @property
    def max_safe_concurrency(self) -> int:
        return self.usable // self.per_environment

    @property
    def utilisation(self) -> float:
        return self.peak / self.usable


def connection_budget(
    tier: str,
    reserved_concurrency: int | None,
    concurrent_ops: int = DEFAULT_CONCURRENT_OPS,
    account_concurrency: int = ACCOUNT_DEFAULT_CONCURRENCY,
    *,
    load_balanced: bool = False,
) -> Budget | None:
    """The budget of a tier, None for an unknown one. `load_balanced`: the shard-optimized
    string (no monitors). On M0 and Flex the limit counts every connection to the cluster,
    so an environment weighs its monitor on each member plus its pooled connection(s)."""
    concurrency_is_set = reserved_concurrency is not None
    concurrency = reserved_concurrency if concurrency_is_set else account_concurrency
    shared_limit = SHARED_CONNECTION_LIMITS.get(tier)
    if shared_limit is not None:
        return Budget(
            tier=tier,
            node_limit=shared_limit,
            usable=shared_limit,
            per_environment=connections_per_environment(SHARED_TIER_MEMBERS, concurrent_ops),
            concurrency=concurrency,
            concurrency_is_set=concurrency_is_set,
            reserved=0,
            scope="the cluster",
        )
    limit = CONNECTION_LIMITS.get(tier)
    if limit is None:
        return None
    return Budget(
        tier=tier,
        node_limit=limit,
        usable=limit - ATLAS_RESERVED_CONNECTIONS,
        per_environment=connections_per_node(
            LOAD_BALANCED_MONGOS if load_balanced else "primary", concurrent_ops
        ),
        concurrency=concurrency,
        concurrency_is_set=concurrency_is_set,
        load_balanced=load_balanced,
    )


def budget_findings(budget: Budget | None, key: str = "reservedConcurrency") -> list[Finding]:
    """Refuse an over-budget configuration, warn above 80 %, flag unset concurrency."""
    if budget is None:
        return []
    mode = " (load-balanced, no monitor)" if budget.load_balanced else ""
    figures = (
        f"{budget.concurrency} environments x {budget.per_environment} connections{mode} = "
        f"{budget.peak} on {budget.scope}; {budget.tier} allows {budget.usable}"
        + (f" ({budget.node_limit} - {budget.reserved} Atlas keeps)" if budget.reserved else "")
    )
    safe = f"1-{budget.max_safe_concurrency}"
    if not budget.concurrency_is_set:
        return [
            Finding(
                "connection-budget",
                key,
                f"unset: the account's pool ({budget.concurrency} by default) can scale this "
                f"function up to {figures}; set it to at most {budget.max_safe_concurrency}",
                severity="advisory",
                allowed=safe,
            )
        ]
    if budget.peak > budget.usable:
        return [
            Finding(
                "connection-budget",
                key,
                f"{figures}: over the limit; the largest safe value is "
                f"{budget.max_safe_concurrency}",
                allowed=safe,
            )
        ]
    if budget.utilisation > WARN_FRACTION:
        return [
            Finding(
                "connection-budget",
                key,
                f"{figures}: {budget.utilisation:.0%} of the limit, little headroom for "
                "other clients",
                severity="advisory",
                allowed=safe,
            )
        ]
    return []
