"""What a preview would create: resources with their inputs, and the stack outputs.

Values are rendered from the wire form the SDK sends to the engine, so secrets and
unknowns are recognised exactly as the real engine recognises them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pulumi.runtime import rpc

from ..costs import CostEstimate, estimate

SECRET = "[secret]"
UNKNOWN = "(known after deploy)"


def render_value(value: Any, root: Path | None = None) -> Any:
    """Wire value → plain JSON-able value: secrets masked, unknowns marked, archives named."""
    if isinstance(value, str):
        return UNKNOWN if value == rpc.UNKNOWN else value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct numbers are doubles
    if isinstance(value, list):
        return [render_value(item, root) for item in value]
    if not isinstance(value, dict):
        return value
    signature = value.get(rpc._special_sig_key)
    if signature == rpc._special_secret_sig:
        return SECRET
    if signature in (rpc._special_archive_sig, rpc._special_asset_sig):
        return _describe_asset(value, root)
    if signature == rpc._special_resource_sig:
        return value.get("urn", "")
    return {key: render_value(item, root) for key, item in sorted(value.items())}


def _describe_asset(value: dict, root: Path | None) -> str:
    kind = "archive" if value[rpc._special_sig_key] == rpc._special_archive_sig else "asset"
    if "path" in value:
        path = Path(value["path"])
        if root is not None and path.is_absolute() and path.is_relative_to(root):
            path = path.relative_to(root)
        return f"{kind}: {path.as_posix()}"
    if "assets" in value:
        return f"{kind}: {len(value['assets'])} entries"
    if "uri" in value:
        return f"{kind}: {value['uri']}"
    return f"{kind}: inline text"


@dataclass(frozen=True)
class PlannedResource:
    """One resource the program registered."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    ignore_changes: tuple[str, ...] = ()
    """Property paths the engine keeps from the previous inputs (the ignoreChanges option)."""
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Per input, the URNs its value came from: what the policy pack traces an access-list
    entry to (an Elastic IP, a peered VPC). Not part of the plan's JSON."""


@dataclass
class Plan:
    """Everything one run of the program declared."""

    project: str
    stack: str
    resources: list[PlannedResource] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    advisories: list[dict[str, str]] = field(default_factory=list)
    """Advisory findings (budget, memory, ...) as {rule, key, message}: the plan carries
    them so a plan diff in CI shows a new one."""

    def by_type(self, type_token: str) -> list[PlannedResource]:
        return [resource for resource in self.resources if resource.type == type_token]

    def one(self, type_token: str) -> PlannedResource:
        """The single resource of a type; a second one is a wiring error worth failing on."""
        matches = self.by_type(type_token)
        if len(matches) != 1:
            raise LookupError(f"expected one {type_token}, found {len(matches)}")
        return matches[0]

    def to_json(self) -> str:
        """Stable JSON: resources by URN, keys sorted, so two plans diff line by line."""
        document = {
            "project": self.project,
            "stack": self.stack,
            "resources": [
                {k: v for k, v in asdict(r).items() if k != "property_dependencies"}
                for r in sorted(self.resources, key=lambda r: r.urn)
            ],
            "outputs": self.outputs,
            "advisories": sorted(
                self.advisories, key=lambda a: (a["rule"], a["key"], a["message"])
            ),
            "summary": self.summary(),
            "cost": self.cost().to_dict(),
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"

    def cost(self) -> CostEstimate:
        """The fixed monthly cost of what the plan creates (components/costs): computed from
        the resources, so it changes exactly when they do and a plan diff shows it."""
        return estimate(self.resources, self.outputs)

    def summary(self) -> dict[str, int]:
        custom = sum(1 for resource in self.resources if resource.custom)
        return {"resources": custom, "components": len(self.resources) - custom}
