"""Bound every database call of an invocation by the time Lambda has left for it.

Lambda stops an invocation at its timeout, mid-call if need be; the caller then sees a
platform error instead of the function's answer. Running the invocation's database calls
under ``pymongo.timeout`` (client-side operation timeout) with the remaining time minus a
safety margin makes the driver give up first, leaving the margin to build a 503.

The driver does not give up exactly on time in one place: server selection. When no server
can take an operation (a client that has not found one yet, a database that does not answer,
an election, the retry after a failed attempt), PyMongo waits for the topology to change in
steps of half a second and looks at its deadline only between steps
(pymongo/synchronous/topology.py ``_select_servers_loop``), so it gives up up to a step
late: with the deadline at the margin, about every other invocation against a black-holed
database answered with nothing left of the margin, or past Lambda's deadline. The deadline
given to the driver therefore ends that step (and a little scheduling slack) before the margin.
"""

from __future__ import annotations

from typing import Protocol

import pymongo
from pymongo import common

DEFAULT_SAFETY_MARGIN_MS = 500
"""Time kept back from the database: enough to log, serialize a response and return it."""

SELECTION_STEP_MS = int(common.MIN_HEARTBEAT_INTERVAL * 1000)
"""How late PyMongo's server selection may give up (500 ms): it waits up to this long at a
time for the topology to change, and checks its deadline only between waits."""

SCHEDULING_SLACK_MS = 50
"""The waiting thread runs a little after its wait ends, more so on a busy machine."""

SELECTION_RESERVE_MS = SELECTION_STEP_MS + SCHEDULING_SLACK_MS
"""Kept back from the driver's deadline so that a late selection still ends by the margin."""

MIN_DATABASE_BUDGET_MS = SELECTION_STEP_MS
"""What the database gets at least, when the margin allows: a new connection with TLS and
MONGODB-AWS takes a few round trips, and a cold one imports the AWS signing code."""


class LambdaContextLike(Protocol):
    """The one method of the Lambda context object this module needs."""

    def get_remaining_time_in_millis(self) -> int: ...


class DeadlineExceeded(Exception):
    """No time is left for the database in this invocation."""


def database_budget_ms(remaining_ms: int, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS) -> int:
    """The driver's deadline, in ms from now, for an invocation with ``remaining_ms`` left.

    It ends SELECTION_RESERVE_MS before the safety margin, so that even a server selection
    that gives up a step late leaves the margin whole. Where that would leave the database
    less than MIN_DATABASE_BUDGET_MS (a function timeout under about 1.6 s with the default
    margin), the database gets that minimum or all the time before the margin if less, as
    it did before the reserve: then a selection that gives up late can take up to a step
    from the margin. Not positive: no time for the database at all.
    """
    before_margin = remaining_ms - safety_margin_ms
    return max(before_margin - SELECTION_RESERVE_MS, min(MIN_DATABASE_BUDGET_MS, before_margin))


def database_budget_seconds(
    context: LambdaContextLike, safety_margin_ms: int = DEFAULT_SAFETY_MARGIN_MS
) -> float:
    """Seconds the database may take in this invocation; raise if there are none."""
    remaining_ms = context.get_remaining_time_in_millis()
    budget_ms = database_budget_ms(remaining_ms, safety_margin_ms)
    if budget_ms <= 0:
        raise DeadlineExceeded(
            f"no time left for the database: {remaining_ms} ms remaining, {safety_margin_ms} ms"
            " kept as safety margin"
        )
    return budget_ms / 1000


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
    """Run the block under ``pymongo.timeout`` ending before ``safety_margin_ms`` does
    (``database_budget_ms``: a late server selection included).

    Yields the budget in seconds. Raises DeadlineExceeded when none is left. Database calls
    past it raise a PyMongoError whose ``timeout`` attribute is True.
    """
    return InvocationDeadline(database_budget_seconds(context, safety_margin_ms))
