"""The per-invocation deadline in-process: the budget, and that the driver honours it."""

from __future__ import annotations

import time

import pytest
from atlas_lambda.deadline import (
    MIN_DATABASE_BUDGET_MS,
    SELECTION_RESERVE_MS,
    DeadlineExceeded,
    database_budget_ms,
    database_budget_seconds,
    invocation_deadline,
)
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from tests.harness.wire_server import WireServer


class FakeContext:
    """A Lambda context whose deadline is ``remaining_ms`` from its creation."""

    def __init__(self, remaining_ms: int) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def test_budget_is_remaining_time_minus_margin_and_a_late_selection() -> None:
    budget = database_budget_seconds(FakeContext(10_000), safety_margin_ms=500)
    assert 8.9 < budget <= 10.0 - 0.5 - SELECTION_RESERVE_MS / 1000


@pytest.mark.parametrize("remaining_ms", [0, 200, 500])
def test_no_budget_left_raises_before_any_database_call(remaining_ms: int) -> None:
    with pytest.raises(DeadlineExceeded, match="no time left"):
        database_budget_seconds(FakeContext(remaining_ms), safety_margin_ms=500)


def test_database_call_gives_up_at_the_deadline() -> None:
    """A server that never answers turns into a timeout error, not a hang past Lambda's."""
    server = WireServer().start()
    client: MongoClient = MongoClient(server.uri, serverSelectionTimeoutMS=30_000)
    try:
        client.admin.command("ping")  # connected and healthy
        server.go_silent()
        context = FakeContext(1_200)
        with pytest.raises(PyMongoError) as raised, invocation_deadline(context, 500):
            client.admin.command("ping")
        assert raised.value.timeout
        assert context.get_remaining_time_in_millis() > 0  # gave up before Lambda would
    finally:
        server.resume()
        client.close()
        server.stop()


@pytest.mark.parametrize("margin_ms", [250, 500, 1000])
def test_a_late_selection_leaves_the_margin_whole(margin_ms: int) -> None:
    """The driver may give up a selection step after its deadline (plus scheduling slack):
    that keeps the whole margin wherever the database still gets its minimum; below that
    the budget never reaches into the margin itself. It grows with the time left."""
    previous = 0
    for remaining_ms in range(margin_ms + 1, 900_001):
        budget = database_budget_ms(remaining_ms, margin_ms)
        assert 0 < budget <= remaining_ms - margin_ms, remaining_ms
        assert budget >= previous, remaining_ms
        if remaining_ms - margin_ms <= MIN_DATABASE_BUDGET_MS:  # a short function: as before
            assert budget == remaining_ms - margin_ms
        if remaining_ms - margin_ms >= MIN_DATABASE_BUDGET_MS + SELECTION_RESERVE_MS:
            assert budget >= MIN_DATABASE_BUDGET_MS
            assert budget + SELECTION_RESERVE_MS <= remaining_ms - margin_ms, remaining_ms
        previous = budget
