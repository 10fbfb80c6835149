"""Who owns a cluster's running instance size, and how the next preview stays clean.

From the installed provider's `AdvancedCluster` docs (pulumi_mongodbatlas 4.18,
advanced_cluster.py, "Auto-Scaling with Effective Fields" and "Multi-shard clusters and
topology changes"):

- `use_effective_fields` keeps Atlas's scaling out of the diff, but has no effect with more
  than one `replication_specs` entry, and the provider advises against it there.
- Atlas keeps the running size and ignores a changed `instance_size` whenever auto-scaling
  (compute *or disk*) is on both before and after an update, with effective fields on. Disk
  auto-scaling is always on here, so effective fields without compute auto-scaling would
  swallow every tier change: they are turned on only for one spec + compute auto-scaling.
- Without effective fields, compute auto-scaling needs `ignore_changes` on each shard's
  instance size, on the AdvancedCluster itself (a component's ignoreChanges does nothing).
  Those paths are list positions: shards are added only after the existing entries.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..guardrails.rules import Finding

# The one region config per replication spec that cluster.region_config builds.
_INSTANCE_SIZE_PATH = "replicationSpecs[{shard}].regionConfigs[0].electableSpecs.instanceSize"


@dataclass(frozen=True)
class DriftControl:
    """How the AdvancedCluster keeps Atlas-managed sizes out of `pulumi preview`."""

    use_effective_fields: bool | None
    """True, or None to leave the input unset (the provider's default, false)."""
    ignore_changes: tuple[str, ...]
    """Engine property paths (wire names) for the AdvancedCluster's ignore_changes."""


def drift_control(dedicated: bool, shard_count: int, compute_auto_scaling: bool) -> DriftControl:
    """Effective fields for one spec with compute auto-scaling; ignore_changes per shard for
    several; neither when nothing but the user changes the tier."""
    if not (dedicated and compute_auto_scaling):
        return DriftControl(None, ())
    if shard_count == 1:
        return DriftControl(True, ())
    paths = tuple(_INSTANCE_SIZE_PATH.format(shard=shard) for shard in range(shard_count))
    return DriftControl(None, paths)


def tier_owned_by_atlas(
    tier: str, auto_scaling_max_tier: str | None, shard_count: int, key: str = "tier"
) -> list[Finding]:
    """Advisory: with compute auto-scaling Atlas owns the running size, so a changed `tier`
    alone is not applied (effective fields) or is ignored (ignore_changes)."""
    if not auto_scaling_max_tier:
        return []
    message = (
        f"compute auto-scaling ({tier} to {auto_scaling_max_tier}) lets Atlas own the running "
        f"size: a changed {key} alone is not applied. "
    )
    if shard_count > 1:
        message += (
            f"To resize: (1) unset autoScalingMaxTier and set {key}, then up (an update that "
            "toggles auto-scaling applies the size); (2) set autoScalingMaxTier again, then "
            "up. Shards are matched by list position: add shards only with compute "
            "auto-scaling off, after the existing ones"
        )
    else:
        # use_effective_fields follows compute auto-scaling here, and the provider asks that
        # the flag be toggled "without combining other changes": the size moves on its own.
        message += (
            f"To resize: (1) unset autoScalingMaxTier and set {key} to the size Atlas runs now "
            "(its effective size), then up; (2) set the new size, then up; (3) set "
            "autoScalingMaxTier again, then up"
        )
    return [Finding("auto-scaling-tier", key, message, severity="advisory")]
