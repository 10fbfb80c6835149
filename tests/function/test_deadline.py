"""The per-invocation deadline in-process: the budget, and that the driver honours it."""

from __future__ import annotations

import time

import pytest
from atlas_lambda.deadline import (
    DeadlineExceeded,
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


def test_budget_is_remaining_time_minus_margin() -> None:
    budget = database_budget_seconds(FakeContext(10_000), safety_margin_ms=500)
    assert 9.0 < budget <= 9.5


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
