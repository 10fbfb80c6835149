"""A fake Atlas + engine diff for one AdvancedCluster, behaving as the docs describe.

Sources, each implemented below where its rule applies:

- [EF] pulumi_mongodbatlas 4.18 advanced_cluster.py, "Auto-Scaling with Effective Fields":
  with `use_effective_fields` the spec fields keep the configured values and the scaled
  size shows only in `effective_electable_specs`; without it the spec fields show the
  current hardware. Atlas keeps the running size and ignores a configured `instance_size`
  only when auto-scaling (compute or disk) is on both before and after an update.
- [MS] same file, "Multi-shard clusters and topology changes": with more than one
  `replication_specs` entry `use_effective_fields` has no effect (behaves as false).
- [RF] pulumi-terraform-bridge `ExtractInputsFromOutputs` (isRefresh): a refresh writes new
  values into the stored inputs that are already present.
- [IC] pulumi `processIgnoreChanges` (pkg/resource/deploy/step_generator.go) and
  `PropertyPath.Reset` (sdk/go/common/resource/properties_path.go): each ignored path in the
  new inputs takes the value from the *old inputs*; an array index present in only one of
  them is a path error that fails the update.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from components.offline import PlannedResource


class IgnoreChangesError(Exception):
    """The engine's "cannot ignore changes ... one or more elements of the path are missing"."""


@dataclass
class ClusterState:
    """Stored inputs and outputs of the AdvancedCluster, and what Atlas actually runs."""

    inputs: dict[str, Any]
    outputs: dict[str, Any]
    running: list[str] = field(default_factory=list)
    """Instance size Atlas runs per replication spec (region config 0)."""


def _region(document: dict[str, Any], shard: int) -> dict[str, Any]:
    return document["replicationSpecs"][shard]["regionConfigs"][0]


def _effective(document: dict[str, Any]) -> bool:
    """[EF] + [MS]: the flag only works with a single replication spec."""
    return bool(document.get("useEffectiveFields")) and len(document["replicationSpecs"]) == 1


def _auto_scaling_on(region: dict[str, Any]) -> bool:
    scaling = region.get("autoScaling", {})
    return bool(scaling.get("computeEnabled") or scaling.get("diskGbEnabled"))


def up(resource: PlannedResource) -> ClusterState:
    """Create: state is the inputs, and Atlas runs the configured sizes."""
    inputs = copy.deepcopy(resource.inputs)
    running = [
        spec["regionConfigs"][0]["electableSpecs"]["instanceSize"]
        for spec in inputs["replicationSpecs"]
    ]
    return ClusterState(inputs, copy.deepcopy(inputs), running)


def auto_scale_and_refresh(state: ClusterState, to_tier: str) -> None:
    """Atlas scales every shard with compute auto-scaling on (disk auto-scaling never changes
    the tier), then `pulumi refresh` reads the cluster back."""
    for shard in range(len(state.running)):
        region = _region(state.outputs, shard)
        if not region.get("autoScaling", {}).get("computeEnabled"):
            continue
        state.running[shard] = to_tier
        if _effective(state.outputs):
            continue  # [EF]: the scaled size is only in effective_electable_specs
        region["electableSpecs"]["instanceSize"] = to_tier  # [EF]: spec shows current hardware
        stored = _region(state.inputs, shard)["electableSpecs"]
        if "instanceSize" in stored:
            stored["instanceSize"] = to_tier  # [RF]


_STEP = re.compile(r"([A-Za-z]+)(?:\[(\d+)\])?")


def _parse(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        assert match, path
        steps.append(match.group(1))
        if match.group(2) is not None:
            steps.append(int(match.group(2)))
    return steps


def _reset(steps: list[str | int], old: Any, new: Any, path: str) -> None:
    """[IC] PropertyPath.Reset for object keys and array indices."""
    key, rest = steps[0], steps[1:]
    if isinstance(key, int):
        has_old = isinstance(old, list) and key < len(old)
        has_new = isinstance(new, list) and key < len(new)
        if has_old != has_new:
            raise IgnoreChangesError(f"cannot ignore changes to {path!r}: elements are missing")
        if not has_old:
            return
        if not rest:
            new[key] = copy.deepcopy(old[key])
            return
        _reset(rest, old[key], new[key], path)
        return
    if not rest:
        if isinstance(old, dict) and key in old:
            new[key] = copy.deepcopy(old[key])
        elif isinstance(new, dict):
            new.pop(key, None)
        return
    has_old, has_new = key in old, key in new
    if has_old and not has_new:
        raise IgnoreChangesError(f"cannot ignore changes to {path!r}: elements are missing")
    if has_old:
        _reset(rest, old[key], new[key], path)


def apply_ignore_changes(resource: PlannedResource, old_inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs the engine hands the provider after its ignore_changes substitution."""
    inputs = copy.deepcopy(resource.inputs)
    for path in resource.ignore_changes:
        _reset(_parse(path), old_inputs, inputs, path)
    return inputs


def instance_size_diff(state: ClusterState, resource: PlannedResource) -> dict[int, tuple]:
    """Per shard, (state, planned) instance size where the next preview shows an update."""
    inputs = apply_ignore_changes(resource, state.inputs)
    changes = {}
    for shard, spec in enumerate(inputs["replicationSpecs"]):
        planned = spec["regionConfigs"][0]["electableSpecs"]["instanceSize"]
        stored = (
            _region(state.outputs, shard)["electableSpecs"]["instanceSize"]
            if shard < len(state.outputs["replicationSpecs"])
            else None
        )
        if planned != stored:
            changes[shard] = (stored, planned)
    return changes


def update(state: ClusterState, resource: PlannedResource) -> None:
    """`pulumi up` of the new program; Atlas applies a size unless [EF] says it keeps it."""
    inputs = apply_ignore_changes(resource, state.inputs)
    for shard, spec in enumerate(inputs["replicationSpecs"]):
        region = spec["regionConfigs"][0]
        keeps = (
            _effective(inputs)
            and shard < len(state.running)
            and _auto_scaling_on(_region(state.outputs, shard))
            and _auto_scaling_on(region)
        )
        if shard >= len(state.running):
            state.running.append(region["electableSpecs"]["instanceSize"])
        elif not keeps:
            state.running[shard] = region["electableSpecs"]["instanceSize"]
    state.inputs = inputs
    state.outputs = copy.deepcopy(inputs)
