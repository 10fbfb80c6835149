"""Spelling: Python args are snake_case, config keys and schema properties camelCase."""

from __future__ import annotations


def camel_case(name: str) -> str:
    """`vpc_id` → `vpcId`: the schema's (and config's) spelling of a Python name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_case(name: str) -> str:
    """`reservedConcurrency` → `reserved_concurrency`."""
    return "".join(f"_{char.lower()}" if char.isupper() else char for char in name)
