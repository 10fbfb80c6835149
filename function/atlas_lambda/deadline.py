"""Bound every database call of an invocation by the time Lambda has left for it.

Lambda stops an invocation at its timeout, mid-call if need be; the caller then sees a
platform error instead of the function's answer. Running the invocation's database calls
under ``pymongo.timeout`` (client-side operation timeout) with the remaining time minus a
safety margin makes the driver give up first, leaving the margin to build a 503.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def invocation_deadline(
    context: LambdaContextLike, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS
) -> Iterator[float]:
    """Run the block under ``pymongo.timeout`` ending ``safety_margin_ms`` before Lambda's.

    Yields the budget in seconds. Database calls past it raise a PyMongoError whose
    ``timeout`` attribute is True.
    """
    seconds = database_budget_seconds(context, safety_margin_ms)
    with pymongo.timeout(seconds):
        yield seconds
