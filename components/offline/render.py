"""Text rendering of a Plan: the tree `pulumi preview` would show, with key inputs."""

from __future__ import annotations

import json
from typing import Any

from ..costs import CURRENCY, HOURS_PER_MONTH, PRICES_CHECKED, CostEstimate, LineItem
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


def _money(amount: object) -> str:
    return f"${amount:,.2f}"


def _cost_line(item: LineItem, width: int) -> str:
    monthly = item.monthly_usd
    if monthly is None:
        amount = f"{'':18}  {'':6}{'not priced':>10}"
    else:
        unit = "h" if item.price.per == "hour" else "month"
        rate = f"{item.quantity} x ${item.price.usd}/{unit}"
        amount = f"{rate:>18}  {'up to' if item.up_to else '':6}{_money(monthly):>10}"
    line = f"    {item.label:<{width}}  {amount}"
    return line + (f"  ({item.note})" if item.note else "")


def render_cost(cost: CostEstimate) -> list[str]:
    """The "Fixed monthly cost" section: each charge the plan creates by the hour, the total,
    where the prices come from and when they were read, and the usage charges left out."""
    path = f"networkPath {cost.network_path}; " if cost.network_path else ""
    lines = [
        f"Fixed monthly cost ({path}{CURRENCY}, {HOURS_PER_MONTH} hours a month; "
        f"{cost.region_note}; prices checked {PRICES_CHECKED}):"
    ]
    if not cost.items:
        lines.append("    nothing this plan creates is billed by the hour")
    width = max((len(item.label) for item in cost.items), default=0)
    lines += [_cost_line(item, width) for item in cost.items]
    total = f"{'up to ' if cost.upper_bound else ''}{_money(cost.total_usd)} a month"
    unpriced = len(cost.unpriced)
    if unpriced:
        total += f", plus {unpriced} unpriced item{'s' if unpriced != 1 else ''}"
    lines.append(f"    Total: {total}")
    lines += [f"    Note: {note}" for note in cost.notes]
    if cost.extra_charges:
        lines.append("    Not estimated (usage charges, extra):")
        lines += [f"        {what}" for what in cost.extra_charges.values()]
    lines.append("    Sources:")
    for source in cost.sources():
        third_party = "" if source["vendor_page"] else "; figure via a third party"
        lines.append(f"        {source['price']}: {source['url']} "
                     f"(read {source['checked']}{third_party})")  # fmt: skip
    return lines


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
    parts += ["", *render_cost(plan.cost())]
    parts += [
        "",
        f"Resources: + {summary['resources']} to create ({summary['components']} components); "
        f"{unknowns} values known after deploy; {secrets} secrets masked",
    ]
    return "\n".join(parts) + "\n"
