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


# Nesting deeper than this is refused: PyYAML composes and constructs recursively, so a
# file of `[[[[...` ends in RecursionError; Pulumi's stack and project files nest a few levels.
MAX_DEPTH = 64


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping, anchors and aliases, and
    nesting deeper than MAX_DEPTH.

    Aliases first: each one is the whole anchored node again, so 572 bytes of nine aliases
    of nine aliases... expand to billions of nodes when constructed (a "billion laughs"),
    and the preview never answers. Pulumi's own stack files never need them (`pulumi config
    set` writes none), so an anchor or alias is refused, naming where it is."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"an alias (*{event.anchor}) is not supported", event.start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, f"an anchor (&{event.anchor}) is not supported", event.start_mark
            )
        if self._depth >= MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"values nest deeper than {MAX_DEPTH} levels", event.start_mark
            )
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


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

# Longer integers are refused as they are read: Python converts at most 4,300 digits
# (sys.get_int_max_str_digits) and no setting takes a number a hundredth that long.
MAX_NUMBER_CHARS = 40


def _integer(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    if len(node.value) > MAX_NUMBER_CHARS:
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {len(node.value)} characters is too long", node.start_mark
        )
    return loader.construct_yaml_int(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _integer)


# A config file (Pulumi.yaml, a stack file, a pack config) larger than this is refused:
# they are kilobytes, PyYAML needs about a minute for 10 MB, and no value that large fits
# anywhere it goes (a Lambda's whole environment is 4 KB).
MAX_CONFIG_BYTES = 1024 * 1024


def read_bounded(path: Path, limit: int = MAX_CONFIG_BYTES) -> bytes:
    """At most `limit` bytes of a regular file: a device (/dev/zero) or a FIFO is refused
    before it is opened (reading one never ends, opening a FIFO waits for a writer)."""
    if path.exists() and not path.is_dir() and not path.is_file():
        raise CliError(
            f"{path.name}: is not a regular file (a device, FIFO or socket)",
            f"point at a regular file, not {path}",
        )
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise CliError(
            f"{path.name}: is larger than {limit // 1024} KB",
            f"{path.name} holds configuration: keep it small (large data belongs elsewhere)",
        )
    return data


def read_text(path: Path, limit: int | None = None) -> str:
    """The file's text, which must be UTF-8 (as Pulumi reads it); with `limit`, a regular
    file of at most that many bytes (`read_bounded`)."""
    data = path.read_bytes() if limit is None else read_bounded(path, limit)
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
    text = read_text(path, MAX_CONFIG_BYTES)
    try:
        document = yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        hint = (
            f"keep one of the two entries in {path.name}"
            if problem.startswith("duplicate key")
            else f"write the value out in full in {path.name} (Pulumi's files need no "
            "anchors or aliases)"
            if problem.startswith(("an alias", "an anchor"))
            else f"flatten the value in {path.name}: at most {MAX_DEPTH} levels of nesting"
            if problem.startswith("values nest deeper")
            else f"write a number of at most {MAX_NUMBER_CHARS} digits in {path.name}"
            if problem.startswith("a number of")
            else f"fix the YAML syntax of {path.name}"
        )  # fmt: skip
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
    root = yaml.compose(read_text(path, MAX_CONFIG_BYTES), Loader=_StrictLoader)
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
