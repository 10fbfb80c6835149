"""The pack's config, checked against each policy's declared schema before any policy runs.

The Pulumi CLI validates a policy pack config file against the JSON schema each policy
declares (`PolicyConfigSchema`, pulumi-policy). The offline run must too: `bool("false")`
is True, so an unchecked string would quietly turn a guardrail off. Anything not declared
is refused (fail closed), as is a value of the wrong type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel, Policy

from .toolkit import CliError, files

ENFORCEMENT_KEY = "enforcementLevel"
LEVELS = tuple(level.value for level in EnforcementLevel)
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
}


def _type_ok(value: Any, schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    if kind is None:
        return True
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    if not isinstance(value, _JSON_TYPES.get(kind, (object,))):
        return False
    if kind == "array" and "items" in schema:
        return all(_type_ok(item, schema["items"]) for item in value)
    return "enum" not in schema or value in schema["enum"]


def _describe(schema: Mapping[str, Any]) -> str:
    if schema.get("type") == "array":
        return f"an array of {schema.get('items', {}).get('type', 'any')} values"
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    return f"a JSON {schema.get('type')}"


def _refuse(where: str, problem: str, hint: str) -> CliError:
    return CliError(f"{where}: {problem}", hint)


def validate(
    document: Any, policies: Sequence[Policy], source: str = "pack config"
) -> tuple[dict[str, dict[str, Any]], dict[str, EnforcementLevel]]:
    """Settings per policy (defaults filled in) and enforcement level overrides."""
    by_name = {policy.name: policy for policy in policies}
    if not isinstance(document, dict):
        raise _refuse(source, "is not a JSON object", 'write {"<policy>": {"<setting>": value}}')
    settings: dict[str, dict[str, Any]] = {}
    levels: dict[str, EnforcementLevel] = {}
    for name, entry in document.items():
        if name == "all":
            if entry not in LEVELS:
                raise _refuse(f"{source}: all", f"{entry!r} is not a level", ", ".join(LEVELS))
            levels.update({policy: EnforcementLevel(entry) for policy in by_name})
            continue
        policy = by_name.get(name)
        if policy is None:
            raise _refuse(source, f"{name!r} is not a policy of this pack", ", ".join(by_name))
        if isinstance(entry, str):
            entry = {ENFORCEMENT_KEY: entry}
        if not isinstance(entry, dict):
            raise _refuse(f"{source}: {name}", "is not an object or a level", ", ".join(LEVELS))
        properties = dict(policy.config_schema.properties) if policy.config_schema else {}
        values = {key: spec["default"] for key, spec in properties.items() if "default" in spec}
        for key, value in entry.items():
            where = f"{source}: {name}.{key}"
            if key == ENFORCEMENT_KEY:
                if value not in LEVELS:
                    raise _refuse(where, f"{value!r} is not a level", ", ".join(LEVELS))
                levels[name] = EnforcementLevel(value)
            elif key not in properties:
                allowed = ", ".join([ENFORCEMENT_KEY, *properties])
                raise _refuse(where, "is not a setting of this policy", f"use one of: {allowed}")
            elif not _type_ok(value, properties[key]):
                raise _refuse(
                    where,
                    f"{json.dumps(value)} is not {_describe(properties[key])}",
                    f"write {name}.{key} as {_describe(properties[key])} (JSON, unquoted)",
                )
            else:
                values[key] = value
        settings[name] = values
    return settings, levels


# Longer integers are refused as read: Python converts at most 4,300 digits (a ValueError,
# exit 70, before) and no setting takes one a hundredth that long.
MAX_NUMBER_CHARS = 40


def _parsers(source: str) -> dict[str, Any]:
    """json.loads hooks that refuse what Pulumi's own reader refuses or reads differently:
    a key given twice (Python keeps the last silently), NaN and Infinity (not JSON), a
    number too long to convert."""

    def pairs(entries: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in entries:
            if key in seen:
                raise _refuse(source, f"{key!r} is given twice", f"keep one {key!r} entry")
            seen[key] = value
        return seen

    def number(text: str) -> int:
        if len(text) > MAX_NUMBER_CHARS:
            raise _refuse(
                source, f"holds a number of {len(text.lstrip('-'))} digits",
                f"write numbers of at most {MAX_NUMBER_CHARS} digits",
            )  # fmt: skip
        return int(text)

    def constant(name: str) -> Any:
        raise _refuse(source, f"{name} is not a JSON value", "write a number, or leave it out")

    return {"object_pairs_hook": pairs, "parse_int": number, "parse_constant": constant}


def load(path: Path, policies: Sequence[Policy]) -> tuple[dict, dict[str, EnforcementLevel]]:
    """Read and validate a pack config JSON file: a regular file of at most
    files.MAX_CONFIG_BYTES (a device or a FIFO never ends), no deeper than the parser goes."""
    text = files.read_text(path, files.MAX_CONFIG_BYTES)
    try:
        document = json.loads(text, **_parsers(str(path)))
    except json.JSONDecodeError as error:
        raise _refuse(
            str(path), f"is not JSON (line {error.lineno}: {error.msg})", "fix the JSON syntax"
        ) from None
    except RecursionError:
        raise _refuse(
            str(path), "values nest deeper than the JSON reader goes",
            'flatten it: {"<policy>": {"<setting>": value}} nests two levels',
        ) from None  # fmt: skip
    return validate(document, policies, source=str(path))
