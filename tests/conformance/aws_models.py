"""botocore's service models as the contract of every AWS request the program causes.

The models ship with botocore (`botocore/data/<service>/<api-version>/service-2.json`, gzipped
in recent releases; read with botocore's own `Loader`, which finds either). Each shape
carries the constraints the service enforces: `min`/`max` (string length, list and map
size, integer range), `pattern`, `enum`, and a structure's `required` members.

Patterns are Java regular expressions, applied by the services to the whole value (the AWS
API references print them as the value's pattern; an unanchored search would let
`[\\w+=,.@-]+` accept any name with one word character). Java's Unicode classes `\\p{L}`,
`\\p{N}`, `\\p{Z}` (the tag patterns) have no equivalent in Python's `re`; they are expanded
to the code point ranges of those categories from `unicodedata`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import Loader

from components.offline.plan import SECRET, UNKNOWN

# What the checks cannot judge: values known only after deploy, and secrets.
OPAQUE = (UNKNOWN, SECRET)


@dataclass(frozen=True)
class Violation:
    """One request member outside its published model."""

    source: str
    """Where the rule comes from: `lambda CreateFunction` or `Atlas createGroupCluster`."""
    path: str
    """The member, e.g. `VpcConfig.SubnetIds`."""
    problem: str

    def __str__(self) -> str:
        return f"{self.source}: {self.path}: {self.problem}"


@cache
def service_model(service: str) -> dict[str, Any]:
    """The newest API version botocore ships for `service`."""
    return Loader().load_service_model(service, "service-2")


def model_file(service: str) -> str:
    """The model's path inside botocore, to name the source in messages and docstrings."""
    model = service_model(service)
    version = model["metadata"]["apiVersion"]
    data = Path(botocore.__file__).parent / "data" / service / version
    found = sorted(data.glob("service-2.json*"))
    name = found[0].name if found else "service-2.json"
    return f"botocore/data/{service}/{version}/{name} (botocore {botocore.__version__})"


def input_shape(service: str, operation: str) -> str:
    return service_model(service)["operations"][operation]["input"]["shape"]


def shape(service: str, name: str) -> dict[str, Any]:
    return service_model(service)["shapes"][name]


def member_shape(service: str, operation: str, *path: str) -> dict[str, Any]:
    """The shape of a member of an operation's input, e.g. ("VpcConfig", "SubnetIds")."""
    current = shape(service, input_shape(service, operation))
    for part in path:
        if current["type"] == "list":
            current = shape(service, current["member"]["shape"])
        current = shape(service, current["members"][part]["shape"])
    return current


# --- Java regular expressions -------------------------------------------------------------


@cache
def _categories() -> dict[str, str]:
    """Character-class bodies of Java's `\\p{L}`, `\\p{N}` and `\\p{Z}`: every code point
    whose Unicode category starts with that letter, as ranges (one pass over Unicode)."""
    spans: dict[str, list[list[int]]] = {"L": [], "N": [], "Z": []}
    for code in range(sys.maxunicode + 1):
        found = spans.get(unicodedata.category(chr(code))[0])
        if found is None:
            continue
        if found and found[-1][1] == code - 1:
            found[-1][1] = code
        else:
            found.append([code, code])
    return {
        letter: "".join(
            _escape(low) if low == high else f"{_escape(low)}-{_escape(high)}"
            for low, high in ranges
        )
        for letter, ranges in spans.items()
    }


def _escape(code: int) -> str:
    return f"\\U{code:08x}"


_PROPERTY = re.compile(r"\\p\{(L|N|Z)\}")


@cache
def java_pattern(pattern: str) -> re.Pattern[str]:
    """Java's `\\p{L}` (and N, Z) as explicit ranges; inside a class they join its body,
    outside one they become a class of their own."""
    out, in_class, index = [], False, 0
    while index < len(pattern):
        char = pattern[index]
        match = _PROPERTY.match(pattern, index)
        if match:
            body = _categories()[match[1]]
            out.append(body if in_class else f"[{body}]")
            index = match.end()
            continue
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return re.compile("".join(out), re.ASCII)


# --- checking a request against a shape -----------------------------------------------------


def check(service: str, operation: str, request: Mapping[str, Any]) -> list[Violation]:
    """Every way `request` (API member names, plain values) leaves the operation's input
    shape: unknown members, missing required ones, and each member's constraints."""
    source = f"botocore {service} {operation}"
    return _check(service, input_shape(service, operation), request, "", source)


def _check(service: str, name: str, value: Any, path: str, source: str) -> list[Violation]:
    if value is None or (isinstance(value, str) and value in OPAQUE):
        return []
    spec = shape(service, name)
    kind = spec["type"]
    where = path or "(request)"

    def bad(problem: str) -> list[Violation]:
        return [Violation(source, where, f"{problem} (shape {name})")]

    if kind == "structure":
        if not isinstance(value, Mapping):
            return bad(f"{value!r} is not a structure")
        found: list[Violation] = []
        members = spec.get("members", {})
        for key in spec.get("required", []):
            if key not in value:
                found += [Violation(source, _join(path, key), f"is required (shape {name})")]
        for key, item in value.items():
            if key not in members:
                found += [Violation(source, _join(path, key), f"is not a member of {name}")]
                continue
            found += _check(service, members[key]["shape"], item, _join(path, key), source)
        return found
    if kind == "list":
        if not isinstance(value, list | tuple):
            return bad(f"{value!r} is not a list")
        found = _size(len(value), spec, "items", where, source, name)
        for index, item in enumerate(value):
            found += _check(service, spec["member"]["shape"], item, f"{path}[{index}]", source)
        return found
    if kind == "map":
        if not isinstance(value, Mapping):
            return bad(f"{value!r} is not a map")
        found = _size(len(value), spec, "entries", where, source, name)
        for key, item in value.items():
            found += _check(service, spec["key"]["shape"], key, f"{path}.<key {key!r}>", source)
            found += _check(service, spec["value"]["shape"], item, f"{path}[{key!r}]", source)
        return found
    if kind == "string":
        if not isinstance(value, str):
            return bad(f"{value!r} is not a string")
        found = _size(len(value), spec, "characters", where, source, name)
        if "enum" in spec and value not in spec["enum"]:
            found += bad(f"{value!r} is not one of {_enum(spec['enum'])}")
        pattern = spec.get("pattern")
        if pattern is not None and not java_pattern(pattern).fullmatch(value):
            found += bad(f"{_show(value)} does not match the pattern {pattern!r}")
        return found
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            return bad(f"{value!r} is not an integer")
        found = []
        if kind == "integer" and not -(2**31) <= value < 2**31:
            found += bad(f"{value} is outside a 32-bit integer")
        return found + _range(value, spec, where, source, name)
    if kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return bad(f"{value!r} is not a number")
        return _range(value, spec, where, source, name)
    if kind == "boolean":
        return [] if isinstance(value, bool) else bad(f"{value!r} is not a boolean")
    if kind == "blob":
        return []  # the code archive: packaging checks its size limits
    return bad(f"unchecked shape type {kind}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _size(
    size: int, spec: Mapping[str, Any], unit: str, where: str, source: str, name: str
) -> list[Violation]:
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and size < low) or (high is not None and size > high):
        bounds = f"{low if low is not None else 0}-{high if high is not None else '…'}"
        return [Violation(source, where, f"{size} {unit}, outside {bounds} (shape {name})")]
    return []


def _range(
    value: float, spec: Mapping[str, Any], where: str, source: str, name: str
) -> list[Violation]:
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{low if low is not None else '…'}-{high if high is not None else '…'}"
        return [Violation(source, where, f"{value} is outside {bounds} (shape {name})")]
    return []


def _enum(values: list[str]) -> str:
    return ", ".join(values) if len(values) <= 12 else ", ".join(values[:12]) + ", …"


def _show(value: str) -> str:
    return repr(value) if len(value) <= 80 else repr(value[:77] + "...")
