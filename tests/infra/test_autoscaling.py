"""Atlas auto-scaling vs the next preview, against the documented fake in fake_atlas.py.

Rules (pulumi_mongodbatlas 4.18 advanced_cluster.py): "Multi-shard clusters and topology
changes" (effective fields do nothing with several replication specs; list positions) and
"Auto-Scaling with Effective Fields" (Atlas keeps the running size while auto-scaling,
disk included, stays on; the two-step manual resize).
"""

from __future__ import annotations

import pytest

from components.cluster.autoscaling import drift_control, tier_owned_by_atlas

from . import fake_atlas

CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
SINGLE_SPEC_AUTOSCALING = {"atlas-lambda:tier": "M30", "atlas-lambda:autoScalingMaxTier": "M50"}


def cluster_of(deploy, stack: str, **overrides: str):
    run, _ = deploy(stack, **overrides)
    return run.plan.one(CLUSTER)


def test_prod_shards_ignore_their_instance_size_and_do_not_use_effective_fields(deploy):
    cluster = cluster_of(deploy, "prod")
    assert "useEffectiveFields" not in cluster.inputs  # [MS]: no effect with 2 specs
    assert cluster.ignore_changes == (
        "replicationSpecs[0].regionConfigs[0].electableSpecs.instanceSize",
        "replicationSpecs[1].regionConfigs[0].electableSpecs.instanceSize",
    )


def test_dev_without_compute_auto_scaling_has_neither(deploy):
    cluster = cluster_of(deploy, "dev")
    assert "useEffectiveFields" not in cluster.inputs
    assert cluster.ignore_changes == ()


def test_single_spec_with_compute_auto_scaling_uses_effective_fields(deploy):
    cluster = cluster_of(deploy, "dev", **SINGLE_SPEC_AUTOSCALING)
    assert cluster.inputs["useEffectiveFields"] is True
    assert cluster.ignore_changes == ()


@pytest.mark.parametrize(
    ("stack", "overrides"),
    [("prod", {}), ("dev", {}), ("dev", SINGLE_SPEC_AUTOSCALING)],
    ids=["prod-2-shards", "dev", "single-spec-compute-as"],
)
def test_atlas_scaling_m30_to_m40_leaves_the_next_preview_clean(deploy, stack, overrides):
    state = fake_atlas.up(cluster_of(deploy, stack, **overrides))
    fake_atlas.auto_scale_and_refresh(state, "M40")
    assert fake_atlas.instance_size_diff(state, cluster_of(deploy, stack, **overrides)) == {}


def test_prod_scaled_shards_keep_running_m40_after_the_next_up(deploy):
    state = fake_atlas.up(cluster_of(deploy, "prod"))
    fake_atlas.auto_scale_and_refresh(state, "M40")
    fake_atlas.update(state, cluster_of(deploy, "prod"))
    assert state.running == ["M40", "M40"]  # not reverted to M30


def test_a_tier_change_on_dev_is_an_update_that_atlas_applies(deploy):
    state = fake_atlas.up(cluster_of(deploy, "dev"))
    changed = cluster_of(deploy, "dev", **{"atlas-lambda:tier": "M20"})
    assert fake_atlas.instance_size_diff(state, changed) == {0: ("M10", "M20")}
    fake_atlas.update(state, changed)
    # [EF]: with effective fields on, disk auto-scaling (always on) would keep M10 running.
    assert state.running == ["M20"]


def test_adding_a_shard_under_ignore_changes_fails_in_the_engine(deploy):
    """Why the advisory says to add shards with compute auto-scaling off: list-index
    ignore_changes cannot follow a new entry ([IC], and the provider's list-position warning)."""
    state = fake_atlas.up(cluster_of(deploy, "prod"))
    grown = cluster_of(deploy, "prod", **{"atlas-lambda:shardCount": "3"})
    with pytest.raises(fake_atlas.IgnoreChangesError):
        fake_atlas.apply_ignore_changes(grown, state.inputs)
    off = cluster_of(deploy, "prod", **{"atlas-lambda:autoScalingMaxTier": ""})
    fake_atlas.update(state, off)
    fake_atlas.update(state, cluster_of(deploy, "prod", **{
        "atlas-lambda:autoScalingMaxTier": "", "atlas-lambda:shardCount": "3"}))  # fmt: skip
    assert state.running == ["M30", "M30", "M30"]


@pytest.mark.parametrize(
    ("dedicated", "shards", "compute", "expected"),
    [
        (True, 1, False, (None, 0)),
        (True, 1, True, (True, 0)),
        (True, 3, True, (None, 3)),
        (True, 3, False, (None, 0)),
        (False, 1, True, (None, 0)),
    ],
)
def test_drift_control_table(dedicated, shards, compute, expected):
    control = drift_control(dedicated, shards, compute)
    assert (control.use_effective_fields, len(control.ignore_changes)) == expected


def test_advisory_names_the_keys_and_the_two_step_resize():
    assert tier_owned_by_atlas("M10", None, 1) == []
    (finding,) = tier_owned_by_atlas("M30", "M50", 2)
    assert finding.severity == "advisory" and finding.key == "tier"
    assert "autoScalingMaxTier" in finding.message and "(1)" in finding.message
    assert "(2)" in finding.message and "list position" in finding.message


def test_prod_preview_warns_dev_does_not(preview_stack):
    prod = [w for w in preview_stack("prod").plan.warnings if "compute auto-scaling" in w]
    dev = [w for w in preview_stack("dev").plan.warnings if "compute auto-scaling" in w]
    assert len(prod) == 1 and prod[0].startswith("tier: compute auto-scaling (M30 to M50)")
    assert dev == []
