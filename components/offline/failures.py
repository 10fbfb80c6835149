"""A failed offline run ends in one error that names the input at fault, and nothing else.

When a value is refused inside an `apply` (build_lambda_uri refusing a URI with a
password), the SDK fails every Output computed from it, and each resource registration
that awaits one wraps the error again ("While processing input: ...", `from` the one
before; pulumi/runtime/rpc.py serialize_properties, pulumi/runtime/resource.py
do_register). What reaches the caller is whichever dependent failed first (an alarm's
`function_name`), and every failed future nobody awaited logs "Future exception was never
retrieved" with the whole chain when it is collected: about 20,000 lines for one
MongoLambda. `clear_error` unwraps the chain; `FalloutHandler` keeps the futures quiet.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import pulumi

from ..cli import EXIT_ERROR, CliError, redact
from ..errors import ConfigError

_INPUT_WRAPPER = re.compile(r"While processing input: '([^']*)'")
_UNRETRIEVED = "exception was never retrieved"  # asyncio: "Future ..." and "Task ..."


class OfflineRunError(CliError):
    """The run cannot finish (an Output from outside it, a program that never ends): what
    happened and what to do, both in the message, since a library caller sees only that."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem, hint, EXIT_ERROR)

    def __str__(self) -> str:
        return f"{self.problem}; {self.hint}"


def _is_wrapper(error: BaseException) -> bool:
    """One of the SDK's "While processing ..." errors, raised `from` the real one."""
    return (
        type(error) in (ValueError, AssertionError)
        and error.__cause__ is not None
        and str(error).startswith(("While processing resource: ", "While processing input: "))
    )


def _cause(error: BaseException) -> BaseException | None:
    """What `error` was raised from. When the failed RPC the SDK awaits last is also the one
    it kept as unhandled, `wait_for_rpcs` re-raises it `from` itself (pulumi/runtime/stack.py,
    `raise exn from cause`), replacing its cause with itself; the original is its context."""
    return error.__context__ if error.__cause__ is error else error.__cause__


def _unwrap(error: BaseException) -> tuple[BaseException, list[BaseException]]:
    """The error the program raised, and the SDK's wrappers around it, outermost first."""
    wrappers: list[BaseException] = []
    seen = {id(error)}
    while _is_wrapper(error) and (cause := _cause(error)) is not None and id(cause) not in seen:
        wrappers.append(error)
        error = cause
        seen.add(id(error))
    return error, wrappers


def _registration(wrappers: list[BaseException]) -> tuple[str, Mapping[str, Any]] | None:
    """Name and inputs of the resource whose registration failed: locals of the SDK's
    `do_register`, in whose frame the innermost wrapper was raised. (A wrapper that every
    dependent awaited carries the traceback of the last one instead.)"""
    for wrapper in reversed(wrappers):
        traceback = wrapper.__traceback__
        while traceback is not None:
            local = traceback.tb_frame.f_locals
            name, props = local.get("name"), local.get("props")
            if isinstance(name, str) and isinstance(props, Mapping):
                return name, props
            traceback = traceback.tb_next
    return None


def _path_to(value: Any, failure: BaseException, path: str = "") -> str | None:
    """Where in an input tree sits the Output that failed with `failure`."""
    if isinstance(value, pulumi.Output):
        data = value._data  # the SDK's future of the Output's value
        failed = data.done() and not data.cancelled() and data.exception() is failure
        return path if failed else None
    if isinstance(value, Mapping):
        children = [(f"{path}.{key}" if path else str(key), value[key]) for key in value]
    elif isinstance(value, list | tuple):
        children = [(f"{path}[{index}]", item) for index, item in enumerate(value)]
    else:
        return None
    for child_path, child in children:
        found = _path_to(child, failure, child_path)
        if found is not None:
            return found
    return None


def _failing_input(root: BaseException, wrappers: list[BaseException]) -> str:
    """`environment.variables.MONGODB_URI of app-function`, or as near as can be told."""
    found = _registration(wrappers)
    if found is not None:
        name, props = found
        path = _path_to(props, root)
        if path:
            return f"{path} of {name}"
    inputs = [m[1] for m in (_INPUT_WRAPPER.match(str(w)) for w in reversed(wrappers)) if m]
    key = inputs[0] if inputs else "an input"
    return f"{key} of {found[0]}" if found else key


def clear_error(error: BaseException) -> BaseException:
    """The error to raise for a failed run: the program's own, not the SDK's wrappers.

    A ConfigError raised inside an apply is returned as it is. Any other ValueError from
    an apply becomes a ConfigError naming the input it was computing; its text is redacted,
    since a wrapper may have quoted the value (a URI with its password). Anything else is
    the program's own error, unwrapped.
    """
    root, wrappers = _unwrap(error)
    if not wrappers or isinstance(root, ConfigError):
        return root
    if isinstance(root, ValueError):
        return ConfigError(_failing_input(root, wrappers), redact(str(root)))
    return root


class FalloutHandler:
    """A run's loop exception handler: after a failure, the futures that failed with it
    and were never awaited are its fallout, already reported once; they stay quiet.

    Until the outcome is known they are held; a successful run hands them (and anything
    else) to asyncio's default handler, as before. The handler stays on the closed loop,
    so futures collected after the run (kept alive by the raised error) stay quiet too.
    """

    def __init__(self) -> None:
        self.failed: bool | None = None
        self.held: list[dict[str, Any]] = []

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not str(context.get("message", "")).endswith(_UNRETRIEVED):
            loop.default_exception_handler(context)
        elif self.failed is None:
            self.held.append(context)
        elif not self.failed:
            loop.default_exception_handler(context)

    def settle(self, loop: asyncio.AbstractEventLoop, *, failed: bool) -> None:
        self.failed = failed
        held, self.held = self.held, []
        if not failed:
            for context in held:
                loop.default_exception_handler(context)
