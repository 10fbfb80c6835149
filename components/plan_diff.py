"""Compare two offline plans: `python -m components.plan_diff BASE.json HEAD.json`.

For CI without cloud credentials (pull requests from forks): run
`python -m components.preview STACK --json` on the base and the head commit, then this.
It prints added, removed and changed resources with the changed properties.
Exit codes follow `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf values by path (`vpcConfig.subnetIds[0]`), so a change names its property."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


@dataclass(frozen=True)
class PropertyChange:
    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class PlanDiff:
    added: list[dict]
    removed: list[dict]
    changed: list[tuple[dict, list[PropertyChange]]]
    outputs: list[PropertyChange]

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.outputs)


def diff_values(before: Any, after: Any) -> list[PropertyChange]:
    old, new = dict(flatten(before)), dict(flatten(after))
    missing = object()
    return [
        PropertyChange(path, old.get(path, missing), new.get(path, missing))
        for path in sorted(old.keys() | new.keys())
        if old.get(path, missing) != new.get(path, missing)
    ]


def diff_plans(base: dict, head: dict) -> PlanDiff:
    before = {resource["urn"]: resource for resource in base["resources"]}
    after = {resource["urn"]: resource for resource in head["resources"]}
    changed = []
    for urn in sorted(before.keys() & after.keys()):
        changes = diff_values(before[urn]["inputs"], after[urn]["inputs"])
        if changes:
            changed.append((after[urn], changes))
    return PlanDiff(
        added=[after[urn] for urn in sorted(after.keys() - before.keys())],
        removed=[before[urn] for urn in sorted(before.keys() - after.keys())],
        changed=changed,
        outputs=diff_values(base.get("outputs", {}), head.get("outputs", {})),
    )


def _show(value: Any) -> str:
    if not isinstance(value, str | int | float | bool | type(None) | list | dict):
        return "(absent)"
    return json.dumps(value, sort_keys=True)


def render_diff(diff: PlanDiff) -> str:
    lines = []
    for resource in diff.added:
        lines.append(f"+ {resource['type']}  {resource['name']}")
    for resource in diff.removed:
        lines.append(f"- {resource['type']}  {resource['name']}")
    for resource, changes in diff.changed:
        lines.append(f"~ {resource['type']}  {resource['name']}")
        lines += [f"      {c.path}: {_show(c.before)} => {_show(c.after)}" for c in changes]
    if diff.outputs:
        lines.append("Outputs:")
        lines += [f"    ~ {c.path}: {_show(c.before)} => {_show(c.after)}" for c in diff.outputs]
    lines.append(
        f"Plan diff: {len(diff.added)} to add, {len(diff.changed)} to change, "
        f"{len(diff.removed)} to remove" + ("" if diff.has_changes else " (no changes)")
    )
    return "\n".join(lines) + "\n"


def _load(path: str) -> dict:
    document = json.loads(Path(path).read_text())
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise ValueError(f"{path}: not a plan from `python -m components.preview --json`")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.plan_diff", description=__doc__)
    parser.add_argument("base", help="plan JSON of the base (e.g. main)")
    parser.add_argument("head", help="plan JSON of the change")
    options = parser.parse_args(argv)
    try:
        diff = diff_plans(_load(options.base), _load(options.head))
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(render_diff(diff))
    return EXIT_CHANGES if diff.has_changes else EXIT_NO_CHANGES


if __name__ == "__main__":
    sys.exit(main())
