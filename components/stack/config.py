"""Stack configuration: the `config:` block of Pulumi.yaml is the one schema.

`pulumi config` documents itself from that block; this module reads the same block to
type-check values, apply defaults and refuse keys nobody declared, so a typo such as
`atlas-lambda:memroySize` fails the preview instead of silently using the default.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from ..cli import register_secret
from ..errors import ConfigError
from ..guardrails import deploy_limits
from ..guardrails.network_paths import NETWORK_PATHS, RETIRED_KEYS
from ..locations import project_dir
from ..names import snake_case
from ..pattern.args import AtlasLambdaArgs
from ..pattern.settings import MAPPING_KEYS, PROJECT
from .schema import ConfigKey, declared_keys

PROJECT_FILE = project_dir() / "Pulumi.yaml"
INTEGER = re.compile(r"-?[0-9]+", re.ASCII)  # Unicode digits (`١٢`) are not config integers
# Keys whose value reaches resource inputs as a secret Output when set with --secret.
SECRET_CAPABLE = ("orgId", "projectId", "environment")
# Without decryption, only opaque ids can still be previewed (as masked values).
OPAQUE_OFFLINE = ("orgId", "projectId")

_project_file: ContextVar[Path] = ContextVar("project_file", default=PROJECT_FILE)


@contextmanager
def run_context(project_file: Path) -> Iterator[None]:
    """Within: `load_args` reads the config schema of `project_file`."""
    token = _project_file.set(project_file)
    try:
        yield
    finally:
        _project_file.reset(token)


def _parse(key: ConfigKey, raw: Any) -> Any:
    """Coerce one value (the CLI hands strings; arrays arrive as JSON) to its declared type."""
    expected = {
        "string": "a string",
        "integer": "an integer",
        "boolean": "true or false",
        "array": "a list of strings",
    }[key.type]
    if raw == UNDECRYPTED_SECRET and key.name not in OPAQUE_OFFLINE:
        raise ConfigError(
            f"{PROJECT}:{key.name}",
            "is a secure value, which cannot be decrypted offline",
            "a plain value for the offline preview, or run `pulumi preview`",
        )
    if key.type == "string":
        if not _structured(raw):
            return str(raw)
        raise ConfigError(f"{PROJECT}:{key.name}", f"{raw!r} is a list or mapping", expected)
    if key.type == "integer":
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and INTEGER.fullmatch(raw.strip()):
            try:
                return int(raw)
            except ValueError:  # over Python's 4,300 digits: a number no key accepts
                raise ConfigError(
                    f"{PROJECT}:{key.name}",
                    f"is an integer of {len(raw.strip().lstrip('-'))} digits",
                    f"{expected} in the range the key documents",
                ) from None
    elif key.type == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
    elif key.type == "array":
        value = _json(raw) if isinstance(raw, str) else raw
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
    raise ConfigError(f"{PROJECT}:{key.name}", f"{raw!r} is not {expected}", expected)


def _structured(raw: Any) -> bool:
    """A YAML list or mapping: the Pulumi CLI (and the offline engine) hand one to the
    program as its JSON text, which no string key of this project accepts."""
    if isinstance(raw, list | dict):
        return True
    if not isinstance(raw, str) or raw[:1] not in ("[", "{"):
        return False
    return isinstance(_json(raw), list | dict)


def _json(text: str) -> Any:
    """The JSON value of `text`, or None when it is none: a syntax error, nesting deeper
    than the parser's recursion (RecursionError), or a number Python will not convert."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None


def project_values(
    raw: Mapping[str, Any], schema: Mapping[str, ConfigKey] | None = None
) -> dict[str, Any]:
    """Typed values for every declared key, defaults filled in; unknown keys refused.

    `raw` maps full keys (`atlas-lambda:tier`, `aws:region`) to values; keys of other
    namespaces belong to providers and are left to them, unless the namespace is a near
    miss of this project's (`atlas_lambda:tier`), which nothing would read.
    """
    schema = schema if schema is not None else declared_keys()
    prefix = f"{PROJECT}:"
    for full in sorted(raw):
        _refuse_unknown_key(full, schema)
    values = {}
    for name, key in schema.items():
        full = prefix + name
        values[name] = _parse(key, raw[full]) if full in raw else key.default
    return values


# Edits (OSA distance, `-`/`_` and case ignored) that still make a namespace this project's
# misspelt: `atlas-lamdba` is 1, `altas-lamda` 2; `aws-lambda` is 3, `mongodbatlas` 10.
NAMESPACE_TYPO_EDITS = 2


def _refuse_unknown_key(full: str, schema: Mapping[str, ConfigKey]) -> None:
    """A key of this project that is not declared, or one whose namespace is a near miss
    of this project's: either would be ignored and the preview would show the defaults."""
    namespace, sep, name = full.partition(":")
    if not sep or (namespace == PROJECT and name in schema):
        return
    if namespace == PROJECT and name in RETIRED_KEYS:
        raise ConfigError(full, RETIRED_KEYS[name], sorted(NETWORK_PATHS))
    if namespace == PROJECT:
        problem = "is not a config key of this project"
    elif _edit_distance(_folded(namespace), _folded(PROJECT)) <= NAMESPACE_TYPO_EDITS:
        problem = (
            f"is in namespace {namespace!r}, not this project's {PROJECT!r}, so nothing "
            "would read it"
        )
    else:
        return  # a provider's (aws, mongodbatlas, pulumi) or another package's
    meant = _meant_key(name, schema)
    if meant is not None or namespace != PROJECT:
        problem += f"; did you mean {PROJECT}:{meant or name}?"
    raise ConfigError(full, problem, sorted(schema))


def _meant_key(name: str, schema: Mapping[str, ConfigKey]) -> str | None:
    """The declared key `name` most likely stands for: the same but for case, else the
    closest by difflib's ratio (`memroySize` -> memorySize), if any is close."""
    by_folded = {key.lower(): key for key in schema}
    close = difflib.get_close_matches(name.lower(), by_folded, n=1)
    return by_folded.get(name.lower()) or (by_folded[close[0]] if close else None)


def _folded(namespace: str) -> str:
    return namespace.lower().replace("-", "").replace("_", "")


def _edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of adjacent characters (`lamdba`),
    each one edit (optimal string alignment)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            edits = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                edits = min(edits, before[j - 2] + 1)
            current.append(edits)
        before, previous = previous, current
    return previous[-1]


def parse_pairs(name: str, entries: list[str]) -> dict[str, str]:
    """`KEY=VALUE` entries (Pulumi config has no map type) to a dict."""
    pairs = {}
    for entry in entries:
        key, sep, value = entry.partition("=")
        if not sep or not key:
            raise ConfigError(
                f"{PROJECT}:{name}", f"entry {key[:40]!r}... is not KEY=VALUE", "KEY=VALUE"
            )
        if key in pairs:
            raise ConfigError(f"{PROJECT}:{name}.{key}", "is set twice", "each key once")
        pairs[key] = value
    return pairs


# What the offline engine passes for a `secure:` value it cannot decrypt.
UNDECRYPTED_SECRET = "(secure value, not decrypted offline)"


def _secret_atlas_id(name: str, value: str) -> Any:
    """An Atlas id set with `pulumi config set --secret`: checked without echoing it, and
    handed on as a secret Output so it stays encrypted in state."""
    if not value:
        return value
    if value != UNDECRYPTED_SECRET and not deploy_limits.ATLAS_ID.fullmatch(value):
        raise ConfigError(f"{PROJECT}:{name}", "is not an Atlas id", "24 hex characters")
    import pulumi

    return pulumi.Output.secret(value)


def _refuse_unkeepable_secrets(secret_keys: frozenset[str]) -> None:
    """Fail closed: a --secret value that would reach a resource input in plain text (a
    name, a size) is refused rather than written to state unencrypted."""
    for full in sorted(secret_keys):
        namespace, _, name = full.partition(":")
        if namespace == PROJECT and name not in SECRET_CAPABLE:
            raise ConfigError(
                full,
                "is set with --secret, but its value must appear in plain text in resource "
                "inputs (Atlas and AWS show it)",
                f"set it without --secret; --secret is kept for: {', '.join(SECRET_CAPABLE)}",
            )


def pattern_args(
    values: Mapping[str, Any], aws_region: str | None, secret_keys: frozenset[str] = frozenset()
) -> AtlasLambdaArgs:
    """Typed config values as AtlasLambda's args: snake_case names, `KEY=VALUE` lists as
    mappings, --secret ids as secret Outputs."""
    if aws_region == UNDECRYPTED_SECRET:
        raise ConfigError(
            "aws:region",
            "is a secure value, which cannot be decrypted offline",
            "a plain region for the offline preview, or run `pulumi preview`",
        )
    _refuse_unkeepable_secrets(secret_keys)
    args: dict[str, Any] = {snake_case(name): value for name, value in values.items()}
    for name in MAPPING_KEYS:
        args[name] = parse_pairs(name, values[name])
    for name in OPAQUE_OFFLINE:
        if f"{PROJECT}:{name}" in secret_keys:
            args[snake_case(name)] = _secret_atlas_id(name, values[name])
    if f"{PROJECT}:environment" in secret_keys:
        args["secret_environment"] = True
    if aws_region:
        args["aws_region"] = aws_region
    return args  # type: ignore[return-value]


def load_args() -> AtlasLambdaArgs:
    """Read the running stack's config (CLI or mock engine) as AtlasLambda's args."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    raw = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = frozenset(k for k in raw if runtime_config.is_config_secret(k))
    for key in secret_keys:
        _register_secret_value(str(raw[key]))
    values = project_values(raw, declared_keys(_project_file.get()))
    return pattern_args(values, pulumi.Config("aws").get("region"), secret_keys)


def _register_secret_value(value: str) -> None:
    """Keep a secret out of every message: the value, and each KEY=VALUE entry's value when
    it is a list (environment)."""
    if value == UNDECRYPTED_SECRET:
        return
    register_secret(value)
    entries = _json(value)
    for entry in entries if isinstance(entries, list) else []:
        register_secret(entry)
        register_secret(str(entry).partition("=")[2])
