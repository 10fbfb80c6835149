"""Bound every database call of an invocation by the time Lambda has left for it.

Lambda stops an invocation at its timeout, mid-call if need be; the caller then sees a
platform error instead of the function's answer. Running the invocation's database calls
under ``pymongo.timeout`` (client-side operation timeout) with the remaining time minus a
safety margin makes the driver give up first, leaving the margin to build a 503.
"""

from __future__ import annotations

from typing import Protocol

import pymongo

DEFAULT_SAFETY_MARGIN_MS = 500
"""Time kept back from the database: enough to log, serialize a response and return it."""


class LambdaContextLike(Protocol):
    """The one method of the Lambda context object this module needs."""

    def get_remaining_time_in_millis(self) -> int: ...


class DeadlineExceeded(Exception):
    """No time is left for the database in this invocation."""


def database_budget_seconds(
    context: LambdaContextLike, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS
) -> float:
    """Seconds the database may take in this invocation; raise if there are none."""
    remaining_ms = context.get_remaining_time_in_millis() - safety_margin_ms
    if remaining_ms <= 0:
        raise DeadlineExceeded(
            f"no time left for the database: {context.get_remaining_time_in_millis()} ms"
            f" remaining, {safety_margin_ms} ms kept as safety margin"
        )
    return remaining_ms / 1000


class InvocationDeadline:
    """``pymongo.timeout(seconds)`` as a context manager that yields ``seconds``.

    A plain class rather than a ``@contextmanager`` generator: it runs in every invocation,
    and the generator machinery (creating, starting and finishing a generator) was a
    measurable part of the warm path's few microseconds of overhead.
    """

    __slots__ = ("_timeout", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timeout = pymongo.timeout(seconds)

    def __enter__(self) -> float:
        self._timeout.__enter__()
        return self.seconds

    def __exit__(self, *exc_info: object) -> None:
        self._timeout.__exit__(*exc_info)


def invocation_deadline(
    context: LambdaContextLike, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS
) -> InvocationDeadline:
    """Run the block under ``pymongo.timeout`` ending ``safety_margin_ms`` before Lambda's.

    Yields the budget in seconds. Raises DeadlineExceeded when none is left. Database calls
    past it raise a PyMongoError whose ``timeout`` attribute is True.
    """
    return InvocationDeadline(database_budget_seconds(context, safety_margin_ms))
