"""The Atlas Admin API v2 spec (as terraform-provider-mongodbatlas vendors it) as the contract
of every Atlas request the program causes.

The pinned copy, `atlas_admin_api_v2.json`, holds only what the program's requests use; its
`source` names the repository, path, commit and spec version it was cut from, and
`pin_atlas_spec.py` cuts it again. This module validates a request body (and the path
parameters) against it, with OpenAPI 3.0's reading of JSON Schema:

- `pattern` is an ECMA-262 expression and is not anchored (a search); Java/PCRE property
  classes `\\p{L}`, `\\p{N}` are expanded as in aws_models;
- `format`: int32 is a range, email an address (RFC 5322 dot-atom local part and a DNS
  domain), date-time RFC 3339;
- `discriminator` picks the alternative from the value's property (or the only one pinned);
  `oneOf` without one passes when one pinned alternative passes (the spec's alternatives
  overlap, e.g. M10 is in the AWS, Azure and GCP size enums);
- a property the pinned schema does not list is reported: either the program sends what the
  spec does not know, or the pin misses it.

One pinned pattern is wrong in the spec itself and is replaced here, named in SPEC_DEFECTS
with the evidence; everything else is checked as published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from .aws_models import OPAQUE, Violation, java_pattern

PINNED = Path(__file__).with_name("atlas_admin_api_v2.json")
INT32 = (-(2**31), 2**31 - 1)
# RFC 5322 dot-atom local part, and a domain of DNS labels with a top-level name.
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


# (operation, property path) -> (why, the schema checked instead).
SPEC_DEFECTS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("createGroupPeer", "routeTableCidrBlock"): (
        "AwsNetworkPeeringConnectionSettings.routeTableCidrBlock is described as CIDR "
        "notation of the VPC, and the provider's docs/resources/network_peering.md sets "
        '"172.31.0.0/16" and "192.168.0.0/24"; the spec gives it the bare-address pattern of '
        "NetworkPermissionEntry.ipAddress, which no CIDR matches. Checked instead: that "
        "address pattern followed by a /0-/32 prefix.",
        {
            "type": "string",
            "pattern": r"^((25[0-5]|(2[0-4]|1\d|[1-9]|)\d)\.){3}(25[0-5]|(2[0-4]|1\d|[1-9]|)\d)"
            r"/([0-9]|[12][0-9]|3[0-2])$",
        },
    ),
}


@cache
def pinned() -> dict[str, Any]:
    return json.loads(PINNED.read_text())


def source() -> str:
    """The pin's origin, for messages: repository, path, commit and spec version."""
    info = pinned()["source"]
    return (
        f"{info['repository']} {info['path']} @ {info['commit'][:12]} ({info['describe']}), "
        f"OpenAPI {info['openapi']}, Atlas Admin API {info['info.version']}"
    )


def check(
    operation: str, body: Any, parameters: Mapping[str, Any] | None = None
) -> list[Violation]:
    """Every way `body` (and the path `parameters`) leave the operation's pinned request."""
    spec = pinned()["operations"][operation]
    label = f"Atlas {operation} ({spec['method']} {spec['path']})"
    defects = {path: schema for (op, path), (_, schema) in SPEC_DEFECTS.items() if op == operation}
    checker = _Checker(label, defects)
    found: list[Violation] = []
    for name, value in (parameters or {}).items():
        found += checker.check(spec["parameters"][name], value, f"<path {name}>")
    return found + checker.check(spec["schema"], body, "")


class _Checker:
    def __init__(self, label: str, defects: Mapping[str, Mapping[str, Any]]) -> None:
        self.label = label
        self.defects = defects

    def bad(self, path: str, problem: str) -> list[Violation]:
        return [Violation(self.label, path or "(body)", problem)]

    def check(self, schema: Mapping[str, Any], value: Any, path: str) -> list[Violation]:
        if value is None or (isinstance(value, str) and value in OPAQUE):
            return []
        schema = self.defects.get(path, schema)
        schema, name = _resolve(schema)
        if "discriminator" in schema:
            return self._discriminated(schema, value, path, name)
        if "oneOf" in schema:
            return self._one_of(schema["oneOf"], value, path, name)
        if "allOf" in schema or "properties" in schema or schema.get("type") == "object":
            return self._object(schema, value, path, name)
        return self._scalar(schema, value, path, name)

    def _discriminated(
        self, schema: Mapping[str, Any], value: Any, path: str, name: str
    ) -> list[Violation]:
        prop = schema["discriminator"]["propertyName"]
        mapping = schema["discriminator"]["mapping"]
        key = value.get(prop) if isinstance(value, Mapping) else None
        if key is None and len(mapping) == 1:
            key = next(iter(mapping))
        if key not in mapping:
            return self.bad(
                _join(path, prop),
                f"{key!r} selects no pinned alternative of {name} ({', '.join(mapping)})",
            )
        return self._object(_resolve({"$ref": mapping[key]})[0], value, path, mapping[key])

    def _one_of(
        self, alternatives: list[Mapping[str, Any]], value: Any, path: str, name: str
    ) -> list[Violation]:
        results = [self.check(alternative, value, path) for alternative in alternatives]
        if any(not found for found in results):
            return []
        return min(results, key=len)

    def _object(
        self, schema: Mapping[str, Any], value: Any, path: str, name: str
    ) -> list[Violation]:
        if not isinstance(value, Mapping):
            return self.bad(path, f"{value!r} is not an object ({name})")
        properties, required = _flatten(schema)
        found: list[Violation] = []
        for key in required:
            if key not in value:
                found += self.bad(_join(path, key), f"is required ({name})")
        for key, item in value.items():
            if key not in properties:
                found += self.bad(_join(path, key), f"is not a property of pinned {name}")
                continue
            found += self.check(properties[key], item, _join(path, key))
        return found

    def _scalar(
        self, schema: Mapping[str, Any], value: Any, path: str, name: str
    ) -> list[Violation]:
        kind = schema.get("type")
        where = f" ({name})" if name else ""
        if kind == "array":
            if not isinstance(value, list | tuple):
                return self.bad(path, f"{value!r} is not an array{where}")
            found = []
            low, high = schema.get("minItems"), schema.get("maxItems")
            if (low is not None and len(value) < low) or (high is not None and len(value) > high):
                found += self.bad(path, f"{len(value)} items, outside {low}-{high}{where}")
            for index, item in enumerate(value):
                found += self.check(schema["items"], item, f"{path}[{index}]")
            return found
        if kind == "string":
            if not isinstance(value, str):
                return self.bad(path, f"{value!r} is not a string{where}")
            return self._string(schema, value, path, where)
        if kind in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return self.bad(path, f"{value!r} is not a number{where}")
            if kind == "integer" and value != int(value):
                return self.bad(path, f"{value!r} is not an integer{where}")
            low, high = schema.get("minimum"), schema.get("maximum")
            if schema.get("format") == "int32":
                low = INT32[0] if low is None else max(low, INT32[0])
                high = INT32[1] if high is None else min(high, INT32[1])
            if (low is not None and value < low) or (high is not None and value > high):
                return self.bad(path, f"{value} is outside {low}-{high}{where}")
            return []
        if kind == "boolean":
            return [] if isinstance(value, bool) else self.bad(path, f"{value!r} is not a boolean")
        return self.bad(path, f"unchecked schema {dict(schema)!r}")

    def _string(
        self, schema: Mapping[str, Any], value: str, path: str, where: str
    ) -> list[Violation]:
        found = []
        low, high = schema.get("minLength"), schema.get("maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            found += self.bad(
                path, f"{len(value)} characters, outside {low or 0}-{high or '…'}{where}"
            )
        if "enum" in schema and value not in schema["enum"]:
            found += self.bad(path, f"{value!r} is not one of {', '.join(schema['enum'])}{where}")
        pattern = schema.get("pattern")
        if pattern is not None and not java_pattern(pattern).search(value):
            found += self.bad(path, f"{value[:80]!r} does not match {pattern!r}{where}")
        fmt = schema.get("format")
        if fmt == "email" and not EMAIL.fullmatch(value):
            found += self.bad(path, f"{value[:80]!r} is not an email address{where}")
        if fmt == "date-time":
            try:
                datetime.fromisoformat(value)
            except ValueError:
                found += self.bad(path, f"{value[:80]!r} is not an RFC 3339 date-time{where}")
        return found


def _resolve(schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """A `$ref` to its pinned schema, with the schema's name (else the schema itself)."""
    ref = schema.get("$ref")
    if ref is None:
        return schema, ""
    name = ref.rsplit("/", 1)[-1]
    return pinned()["schemas"][name], name


def _flatten(schema: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Properties and required names of a schema and its allOf parts (a parent's own
    discriminator is not followed from its child: that would loop)."""
    properties = dict(schema.get("properties", {}))
    required = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        resolved, _ = _resolve(part)
        more, needed = _flatten(resolved)
        properties.update(more)
        required += needed
    return properties, required


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
