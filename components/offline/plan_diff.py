"""Compare two offline plans: `python -m components.offline.plan_diff BASE.json HEAD.json`.

For CI without cloud credentials (pull requests from forks): run
`python -m components.offline.preview STACK --json` on the base and the head commit, then this.
It prints added, removed and changed resources with the changed properties, the
advisories that appeared or went away, and a change in the fixed monthly cost (components/costs)
with the charges that moved. A plan written before costs were recorded has none, and compares
as no cost change. Exit codes follow `terraform plan -detailed-exitcode`:
0 no changes, 2 changes, 1 error (an unreadable or malformed plan file); and, as every
command (components/cli.py), 64 usage, 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import cli
from ..cli import printable
from ..stack.files import read_text

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = cli.EXIT_OK, cli.EXIT_ERROR, cli.EXIT_CHANGES


# Nesting a plan written by the preview never approaches (its deepest input is < 10 levels).
MAX_DEPTH = 64
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def _step(prefix: str, key: str) -> str:
    """One more key on a property path, Pulumi-style: `a.b`, or `a["b.c"]` for a key that is
    not a plain name, so `{"a.b": 1}` and `{"a": {"b": 1}}` get different paths."""
    if _NAME.fullmatch(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key, ensure_ascii=False)}]"


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf values by path (`vpcConfig.subnetIds[0]`), so a change names its property."""
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from flatten(value[key], _step(prefix, key))
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
class CostItemChange:
    """One charge that moved: its monthly amount before and after (None: not priced)."""

    item: str
    before: float | None
    after: float | None
    added: bool = False
    removed: bool = False


@dataclass(frozen=True)
class CostChange:
    """The fixed monthly cost before and after (the plans' `cost.total`), and the charges
    (by price) that moved."""

    before: dict
    after: dict
    items: list[CostItemChange]


@dataclass(frozen=True)
class PlanDiff:
    added: list[dict]
    removed: list[dict]
    changed: list[tuple[dict, list[PropertyChange]]]
    outputs: list[PropertyChange]
    advisories_added: list[dict] = field(default_factory=list)
    advisories_removed: list[dict] = field(default_factory=list)
    cost: CostChange | None = None

    @property
    def has_changes(self) -> bool:
        return bool(
            self.added
            or self.removed
            or self.changed
            or self.outputs
            or self.advisories_added
            or self.advisories_removed
            or self.cost
        )


def _identity(value: Any) -> tuple[str, Any]:
    """What makes two JSON leaves equal: `true` is not `1` (Python's True == 1 is)."""
    kind = "number" if isinstance(value, int | float) and not isinstance(value, bool) else None
    return kind or type(value).__name__, value


def diff_values(before: Any, after: Any) -> list[PropertyChange]:
    old, new = dict(flatten(before)), dict(flatten(after))
    missing = object()
    return [
        PropertyChange(path, old.get(path, missing), new.get(path, missing))
        for path in sorted(old.keys() | new.keys())
        if _identity(old.get(path, missing)) != _identity(new.get(path, missing))
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
        advisories_added=[a for a in _advisories(head) if a not in _advisories(base)],
        advisories_removed=[a for a in _advisories(base) if a not in _advisories(head)],
        cost=diff_costs(base.get("cost"), head.get("cost")),
    )


def _total(cost: dict) -> tuple[Any, bool, int]:
    total = cost["total"]
    return total["monthly_usd"], bool(total.get("up_to")), len(total.get("unpriced", []))


def _by_price(cost: dict) -> dict[str, tuple[str, float | None]]:
    """Monthly amount per price (items sharing one, like two M10 clusters, add up)."""
    amounts: dict[str, tuple[str, float | None]] = {}
    for item in cost["items"]:
        label, amount = amounts.get(item["price"], (item["item"], 0.0))
        monthly = item["monthly_usd"]
        total = None if amount is None or monthly is None else round(amount + monthly, 2)
        amounts[item["price"]] = (label, total)
    return amounts


def diff_costs(base: dict | None, head: dict | None) -> CostChange | None:
    """A change in the fixed monthly cost: its total (amount, upper bound or not, unpriced
    items) differs. A plan without a cost (written before costs were recorded) is no change:
    the first run after an upgrade must not flag every pull request."""
    if not base or not head:
        return None
    if _total(base) == _total(head) and _by_price(base) == _by_price(head):
        return None
    before, after = _by_price(base), _by_price(head)
    items = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        label = (new or old or ("", None))[0]
        items.append(CostItemChange(
            label, old[1] if old else None, new[1] if new else None,
            added=old is None, removed=new is None,
        ))  # fmt: skip
    return CostChange(before=base["total"], after=head["total"], items=items)


def _advisories(plan: dict) -> list[dict]:
    """A plan's advisories; plans written before they were recorded have none."""
    return list(plan.get("advisories", []))


def _show(value: Any) -> str:
    if not isinstance(value, str | int | float | bool | type(None) | list | dict):
        return "(absent)"
    return printable(json.dumps(value, sort_keys=True))


def _change(change: PropertyChange) -> str:
    return f"{printable(change.path)}: {_show(change.before)} => {_show(change.after)}"


def _resource(sign: str, resource: dict) -> str:
    return f"{sign} {printable(resource['type'])}  {printable(resource['name'])}"


def render_diff(diff: PlanDiff) -> str:
    """The diff as text. Every field from a plan file is escaped (cli.printable): a head plan
    comes from a fork's code, and must not inject terminal sequences or CI log commands."""
    lines = []
    for resource in diff.added:
        lines.append(_resource("+", resource))
    for resource in diff.removed:
        lines.append(_resource("-", resource))
    for resource, changes in diff.changed:
        lines.append(_resource("~", resource))
        lines += [f"      {_change(c)}" for c in changes]
    for sign, advisories in (("+", diff.advisories_added), ("-", diff.advisories_removed)):
        lines += [
            f"{sign} advisory " + ": ".join(printable(a[field]) for field in _ADVISORY_FIELDS)
            for a in advisories
        ]
    if diff.cost:
        lines += _render_cost(diff.cost)
    if diff.outputs:
        lines.append("Outputs:")
        lines += [f"    ~ {_change(c)}" for c in diff.outputs]
    lines.append(
        f"Plan diff: {len(diff.added)} to add, {len(diff.changed)} to change, "
        f"{len(diff.removed)} to remove" + ("" if diff.has_changes else " (no changes)")
    )
    return "\n".join(lines) + "\n"


def _amount(value: Any) -> str:
    return "not priced" if value is None else f"${value:,.2f}"


def _cost_total(total: dict) -> str:
    text = ("up to " if total.get("up_to") else "") + _amount(total["monthly_usd"])
    unpriced = len(total.get("unpriced", []))
    return text + (f" + {unpriced} unpriced" if unpriced else "")


def _render_cost(change: CostChange) -> list[str]:
    lines = [
        f"~ fixed monthly cost: {_cost_total(change.before)} => {_cost_total(change.after)}"
    ]
    for item in change.items:
        label = printable(item.item)
        if item.added:
            lines.append(f"      + {label}: {_amount(item.after)}")
        elif item.removed:
            lines.append(f"      - {label}: {_amount(item.before)}")
        else:
            lines.append(f"      ~ {label}: {_amount(item.before)} => {_amount(item.after)}")
    return lines


_RESOURCE_FIELDS = {"urn": str, "type": str, "name": str, "inputs": dict}
_ADVISORY_FIELDS = ("rule", "key", "message")


def _malformed(path: str, problem: str) -> cli.CliError:
    return cli.CliError(
        f"{path}: {problem}",
        "pass plans written by `python -m components.offline.preview STACK --json`",
    )


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON value")


def _depth(value: Any) -> int:
    """How deeply `value` nests, counted without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _load(path: str) -> dict:
    """A plan file, its shape checked so a wrong file is named instead of crashing."""
    try:
        # NaN and Infinity are Python's extension, not JSON (RFC 8259 section 6).
        document = json.loads(read_text(Path(path)), parse_constant=_not_json)
    except json.JSONDecodeError as error:
        raise _malformed(path, f"is not JSON (line {error.lineno}: {error.msg})") from None
    except ValueError as error:
        raise _malformed(path, f"is not JSON ({error})") from None
    except RecursionError:
        raise _malformed(path, f"nests deeper than {MAX_DEPTH} levels") from None
    if _depth(document) > MAX_DEPTH:
        raise _malformed(path, f"nests deeper than {MAX_DEPTH} levels")
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise _malformed(path, "is not a plan (no resources list)")
    for index, resource in enumerate(document["resources"]):
        for name, kind in _RESOURCE_FIELDS.items():
            if not isinstance(resource, dict) or not isinstance(resource.get(name), kind):
                raise _malformed(
                    path, f"resources[{index}].{name} is missing or not a {kind.__name__}"
                )
    urns = [resource["urn"] for resource in document["resources"]]
    repeated = sorted({urn for urn in urns if urns.count(urn) > 1})
    if repeated:
        raise _malformed(path, f"lists resource {printable(repeated[0])} more than once")
    if not isinstance(document.get("outputs", {}), dict):
        raise _malformed(path, "outputs is not a mapping")
    advisories = document.get("advisories", [])
    if not isinstance(advisories, list) or not all(
        isinstance(a, dict) and all(isinstance(a.get(k), str) for k in _ADVISORY_FIELDS)
        for a in advisories
    ):
        raise _malformed(path, "advisories is not a list of {rule, key, message}")
    if "cost" in document and not _cost_shaped(document["cost"]):
        raise _malformed(path, "cost is not a cost estimate (total, items with price and amount)")
    return document


def _number_or_none(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _cost_shaped(cost: Any) -> bool:
    """The fields the diff reads of a plan's `cost` (components/costs CostEstimate.to_dict)."""
    if not isinstance(cost, dict) or not isinstance(cost.get("total"), dict):
        return False
    total, items = cost["total"], cost.get("items")
    return (
        _number_or_none(total.get("monthly_usd"))
        and total.get("monthly_usd") is not None
        and isinstance(total.get("unpriced", []), list)
        and isinstance(items, list)
        and all(
            isinstance(item, dict)
            and isinstance(item.get("price"), str)
            and isinstance(item.get("item"), str)
            and _number_or_none(item.get("monthly_usd"))
            for item in items
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.ArgumentParser(prog="python -m components.offline.plan_diff", description=__doc__)
    parser.add_argument("base", help="plan JSON of the base (e.g. main)")
    parser.add_argument("head", help="plan JSON of the change")
    options = parser.parse_args(argv)
    diff = diff_plans(_load(options.base), _load(options.head))
    sys.stdout.write(render_diff(diff))
    return EXIT_CHANGES if diff.has_changes else EXIT_NO_CHANGES


if __name__ == "__main__":
    sys.exit(cli.run_command(main))
