"""Text rendering of a Plan: the tree `pulumi preview` would show, with key inputs."""

from __future__ import annotations

import json
from typing import Any

from .plan import SECRET, UNKNOWN, Plan, PlannedResource

INDENT = "    "


def _inline(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def _count(value: Any, marker: str) -> int:
    if value == marker:
        return 1
    if isinstance(value, dict):
        return sum(_count(item, marker) for item in value.values())
    if isinstance(value, list):
        return sum(_count(item, marker) for item in value)
    return 0


def render_tree(plan: Plan) -> str:
    """Resources as a tree under the stack, children sorted by type then name."""
    children: dict[str | None, list[PlannedResource]] = {}
    urns = {resource.urn for resource in plan.resources}
    for resource in plan.resources:
        parent = resource.parent if resource.parent in urns else None
        children.setdefault(parent, []).append(resource)

    lines = [f"+ pulumi:pulumi:Stack  {plan.project}-{plan.stack}"]

    def walk(parent: str | None, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            lines.append(f"{INDENT * depth}+ {resource.type}  {resource.name}")
            for key, value in sorted(resource.inputs.items()):
                lines.append(f"{INDENT * depth}      {key}: {_inline(value)}")
            walk(resource.urn, depth + 1)

    walk(None, 1)
    return "\n".join(lines)


def render(plan: Plan) -> str:
    """The whole preview: header, tree, outputs, warnings and a one-line summary."""
    summary = plan.summary()
    everything = [resource.inputs for resource in plan.resources] + [plan.outputs]
    secrets = _count(everything, SECRET)
    unknowns = _count(everything, UNKNOWN)
    parts = [
        f"Offline preview of {plan.project}/{plan.stack} "
        "(mock engine: no cloud account, nothing is created)",
        "",
        render_tree(plan),
        "",
        "Outputs:",
        *(f"    {name}: {_inline(value)}" for name, value in sorted(plan.outputs.items())),
    ]
    if plan.advisories:
        parts += [
            "",
            "Advisories:",
            *(f"    {a['rule']}: {a['key']}: {a['message']}" for a in plan.advisories),
        ]
    # The program also logs each advisory as a warning (that is what `pulumi preview`
    # shows); print it once, under Advisories.
    shown = {f"{a['key']}: {a['message']}" for a in plan.advisories}
    warnings = [warning for warning in plan.warnings if warning not in shown]
    if warnings:
        parts += ["", "Warnings:", *(f"    {warning}" for warning in warnings)]
    parts += [
        "",
        f"Resources: + {summary['resources']} to create ({summary['components']} components); "
        f"{unknowns} values known after deploy; {secrets} secrets masked",
    ]
    return "\n".join(parts) + "\n"
