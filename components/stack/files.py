"""Reading the YAML files a user edits (Pulumi.yaml, Pulumi.<stack>.yaml) strictly.

PyYAML keeps the last of two equal keys and happily reads a list where a mapping belongs;
Pulumi's own loader is stricter. Every problem becomes a CliError naming the file (and
the key or line), so no command shows a traceback for a file a user broke.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

import yaml

from ..cli import CliError

# An Emacs/Vim-style declaration such as `# -*- coding: latin-1 -*-` in the first two lines.
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_UTF8 = ("utf-8", "utf8", "utf_8", "utf-8-sig")
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    explicit: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<:` merges may be overridden by explicit keys, as YAML allows
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"a {type(key).__name__} cannot be a key", key_node.start_mark
            )
        if key in explicit:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        explicit.add(key)
    loader.flatten_mapping(node)
    return {
        loader.construct_object(key_node, deep=True): loader.construct_object(value, deep=True)
        for key_node, value in node.value
    }


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_text(path: Path) -> str:
    """The file's text, which must be UTF-8 (as Pulumi reads it)."""
    data = path.read_bytes()
    # UTF-32 first: its little-endian mark begins with UTF-16's.
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise CliError(f"{path.name}: is {name}, not UTF-8", f"save {path.name} as UTF-8")
    head = b"\n".join(data.splitlines()[:2])
    declared = _CODING.search(head)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _UTF8:
        raise CliError(
            f"{path.name}: declares encoding {declared.group(1).decode('ascii', 'replace')!r}",
            f"save {path.name} as UTF-8 and remove the coding declaration",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CliError(
            f"{path.name}: is not UTF-8 text (byte {error.start}, line {line})",
            f"save {path.name} as UTF-8",
        ) from None


def load_mapping(path: Path) -> dict[Any, Any]:
    """The YAML mapping in `path`; an empty file is an empty mapping."""
    text = read_text(path)
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        hint = (
            f"keep one of the two entries in {path.name}"
            if problem.startswith("duplicate key")
            else f"fix the YAML syntax of {path.name}"
        )
        raise CliError(f"{path.name}: invalid YAML{where}: {problem}", hint) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise CliError(
            f"{path.name}: is a YAML {type(document).__name__}, not a mapping",
            f"{path.name} must be a mapping of keys to values (key: value)",
        )
    return document


def scalar_texts(path: Path, field: str) -> dict[str, str]:
    """The source text of each scalar value directly under `field` (a mapping), as written.

    The Pulumi CLI reads a stack file's config value into a Go string first (`unmarshalValue`
    in pulumi/pulumi sdk/go/common/resource/config/value.go: "First, try to unmarshal as a
    string"), so a scalar keeps its text: `yes`, `on`, `0x10` and `True` reach the program
    as those strings, not as YAML 1.1 booleans or numbers. Call after `load_mapping`, which
    has already reported any syntax error.
    """
    root = yaml.compose(read_text(path), Loader=_StrictLoader)
    texts: dict[str, str] = {}
    if not isinstance(root, yaml.MappingNode):
        return texts
    for key_node, value_node in root.value:
        if key_node.value != field or not isinstance(value_node, yaml.MappingNode):
            continue
        for name, value in value_node.value:
            if isinstance(value, yaml.ScalarNode):
                texts[name.value] = "" if value.tag == "tag:yaml.org,2002:null" else value.value
    return texts


def mapping_field(path: Path, document: dict[Any, Any], field: str) -> dict[Any, Any]:
    """`document[field]` that must be a mapping when present."""
    value = document.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CliError(
            f"{path.name}: {field} is a {type(value).__name__}, not a mapping",
            f"write {field}: as a mapping of keys to values in {path.name}",
        )
    return value
