"""Atlas cluster tiers and the per-node connection limits Atlas enforces on them."""

from __future__ import annotations

# Per-node (per mongos on sharded clusters) connection limits, from Atlas's
# "Connection Limits and Cluster Tier" table. R-tiers are the low-CPU variants.
CONNECTION_LIMITS: dict[str, int] = {
    "M10": 1500,
    "M20": 3000,
    "M30": 3000,
    "M40": 6000,
    "R40": 4000,
    "M50": 16000,
    "M60": 32000,
    "M80": 96000,
    "R80": 64000,
    "M140": 96000,
    "M200": 128000,
    "M300": 128000,
}

# Connections Atlas keeps for itself on every node (monitoring, backup, automation).
ATLAS_RESERVED_CONNECTIONS = 10

DEDICATED_TIERS: tuple[str, ...] = tuple(CONNECTION_LIMITS)

# Shared tiers: no private endpoint, no peering; their limit counts every connection to the
# cluster (Atlas "M0 (Free Cluster) Limits" and "Flex Limits", Operational Limits: 500).
SHARED_CONNECTION_LIMITS: dict[str, int] = {"M0": 500, "FLEX": 500}
SHARED_TIERS: tuple[str, ...] = tuple(SHARED_CONNECTION_LIMITS)
# Members of the replica set behind an M0 or Flex cluster: each is monitored.
SHARED_TIER_MEMBERS = 3

ALL_TIERS: tuple[str, ...] = DEDICATED_TIERS + SHARED_TIERS


def is_dedicated(tier: str) -> bool:
    """Dedicated hardware (M10 and up): the only tiers with PrivateLink."""
    return tier in CONNECTION_LIMITS


def tier_rank(tier: str) -> int:
    """Order tiers by size so auto-scaling bounds can be compared."""
    return DEDICATED_TIERS.index(tier)
