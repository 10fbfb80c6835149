"""One shape check for every component's args, read from its Args TypedDict.

Used from Python, a component would otherwise fail deep inside (KeyError, TypeError, an
SDK assertion) or accept a wrong value silently (`"yes"` is truthy). This check runs first
in each constructor, before anything is registered, and names the arg as the component
spells it. Value rules (ranges, formats) stay with each component.

Types: bare `str`/`int`/`bool` are plain only (an Output's value is not known until deploy,
and these feed checks and resource names now); `bool` is not an `int`; a float is not an
`int` either (the component package turns the engine's whole floats into ints before the
constructor runs, so nothing legitimate sends one). `pulumi.Input[X]` takes an Output, an
awaitable or X. Sequences are lists or tuples (a str is not a list of str); mappings map str
to their value type.
"""

from __future__ import annotations

import collections.abc as abc
import difflib
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

import pulumi

from .errors import ConfigError
from .guardrails import deploy_limits, rules

FormatRule = Callable[[str, str], list[rules.Finding]]
# Cheap format rules on plain strings, shared with the stack config; an Output is checked by
# the provider at deploy.
FORMATS: dict[str, FormatRule] = {
    "cluster_name": deploy_limits.atlas_cluster_name,
    "project_name": deploy_limits.atlas_project_name,
    "project_id": deploy_limits.atlas_id,
    "org_id": deploy_limits.atlas_id,
    "role_arn": deploy_limits.iam_role_arn,
}

_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def _hints(args_type: type) -> dict[str, Any]:
    """The TypedDict's fields with NotRequired stripped. `pulumi.Input` names `Output[T]`
    as a string, hence the names it needs to resolve."""
    hints = typing.get_type_hints(
        args_type, localns={"Output": pulumi.Output, "T": Any}, include_extras=True
    )
    return {
        key: typing.get_args(hint)[0] if typing.get_origin(hint) is typing.NotRequired else hint
        for key, hint in hints.items()
    }


def _is_input(hint: Any) -> bool:
    """`pulumi.Input[X]`: a Union that admits an Output."""
    return typing.get_origin(hint) is typing.Union and any(
        typing.get_origin(arg) is pulumi.Output or arg is pulumi.Output
        for arg in typing.get_args(hint)
    )


def _plain_part(hint: Any) -> Any:
    """X of `pulumi.Input[X]`."""
    return typing.get_args(hint)[0]


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is typing.Literal:
        return "one of: " + ", ".join(str(value) for value in typing.get_args(hint))
    if _is_input(hint):
        return f"{_describe(_plain_part(hint))} (or an Output)"
    origin = typing.get_origin(hint)
    if origin is abc.Sequence:
        item = typing.get_args(hint)[0]
        if typing.get_origin(item) is typing.Literal:  # never pluralise a value: "dbAdmins"
            return f"a list, each {_describe(item)}"
        return f"a list of {_describe(item)}s".replace("a ", "", 1)
    if origin is abc.Mapping:
        return f"a mapping of strings to {_describe(typing.get_args(hint)[1])}s".replace(
            "to a ", "to ", 1
        )
    return _TYPE_NAMES.get(hint, f"a {getattr(hint, '__name__', hint)}")


def _problem(value: Any, hint: Any) -> str | None:
    """Why `value` does not fit `hint`, or None when it does."""
    if _is_input(hint):
        if isinstance(value, pulumi.Output) or inspect.isawaitable(value):
            return None
        return _problem(value, _plain_part(hint))
    if isinstance(value, pulumi.Output):
        return "must be a plain value, not an Output"
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        allowed = typing.get_args(hint)
        # `True == 1`: compare types too, so a bool never passes for an integer choice.
        if any(value == choice and type(value) is type(choice) for choice in allowed):
            return None
        return f"{value!r} is not supported"
    if origin is abc.Sequence:
        if not isinstance(value, (list, tuple)):
            return f"must be a list, not {type(value).__name__}"
        item = typing.get_args(hint)[0]
        for index, entry in enumerate(value):
            problem = _problem(entry, item)
            if problem:
                return f"entry {index}: {problem}"
        return None
    if origin is abc.Mapping:
        if not isinstance(value, Mapping):
            return f"must be a mapping, not {type(value).__name__}"
        item = typing.get_args(hint)[1]
        for name, entry in value.items():
            if not isinstance(name, str):
                return f"names must be strings, not {name!r}"
            problem = _problem(entry, item)
            if problem:
                return f"{name}: {problem}"
        return None
    if hint is int and isinstance(value, bool):
        return f"must be an integer, not {value!r}"
    if isinstance(hint, type) and not isinstance(value, hint):
        return f"must be {_describe(hint)}, not {type(value).__name__} {value!r}"
    return None


def check_args(args: object, args_type: type, component: str, *, formats: bool = True) -> None:
    """Refuse args that do not fit `args_type` (a TypedDict): not a mapping, an unknown key
    (naming the nearest known one), a missing required key, a value of the wrong type, a
    plain id or name in the wrong format (FORMATS)."""
    if not isinstance(args, Mapping):
        raise ConfigError("args", f"must be a dict of {args_type.__name__}", component)
    hints = _hints(args_type)
    for key in args:
        if key not in hints:
            near = difflib.get_close_matches(str(key), list(hints), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ConfigError(str(key), f"is not an arg of {component}{hint}", sorted(hints))
    for key in sorted(args_type.__required_keys__):  # type: ignore[attr-defined]
        if key not in args or args[key] is None:
            raise ConfigError(key, f"is required by {component}", _describe(hints[key]))
    for key, value in args.items():
        # None is not "unset": components test `key in args`; leave the key out instead.
        problem = "is None; leave the key out instead" if value is None else None
        problem = problem or _problem(value, hints[key])
        if problem:
            raise ConfigError(key, problem, _describe(hints[key]))
    rules.raise_on_errors(
        finding
        for key, rule in FORMATS.items()
        if formats and isinstance(args.get(key), str)
        for finding in rule(args[key], key)
    )
