"""Tags: the caller's, plus one naming the Pulumi project and stack, on every taggable
resource, so a bill or an inventory leads back to the stack that owns the resource."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from .guardrails import deploy_limits, rules

DEFAULT_TAG_KEYS = ("pulumi:project", "pulumi:stack")
# The default tags and the `Name` tag some resources carry.
RESERVED_TAGS = len(DEFAULT_TAG_KEYS) + 1


def default_tags() -> dict[str, str]:
    """The program's project and stack."""
    return dict(zip(DEFAULT_TAG_KEYS, (pulumi.get_project(), pulumi.get_stack()), strict=True))


def validate_tags(tags: Mapping[str, str] | None) -> None:
    """Refuse tags that AWS or Atlas would refuse, before anything is registered."""
    rules.raise_on_errors(deploy_limits.tags(dict(tags or {}), reserved=RESERVED_TAGS))


def resource_tags(tags: Mapping[str, str] | None, name: str | None = None) -> dict[str, str]:
    """A resource's tags: the defaults, the caller's (which win), and `Name` when given."""
    merged = {**default_tags(), **dict(tags or {})}
    if name is not None:
        merged["Name"] = name
    return merged
