"""Faults between and during invocations, under the real runtime client (test server only).

A real MongoDB cannot be restarted, frozen out or silenced on demand, so these run against
the wire-protocol test server alone.
"""

from __future__ import annotations

import json
import time

from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.runtime_api import InvocationResult
from tests.harness.wire_server import POOL

SHORT_IDLE_MS = 1000  # stands in for maxIdleTimeMS=60000, for test speed
FROZEN_SECONDS = 1.5  # longer than SHORT_IDLE_MS
DEADLINE_MS = 2000


def status(result: InvocationResult) -> int:
    assert result.kind == "response", result.raw[:500]
    return result.payload["statusCode"]


def message(result: InvocationResult) -> str:
    return json.loads(result.payload["body"])["error"]["message"]


def create_item(env: LambdaEnvironment) -> str:
    result = env.invoke(http_event("POST", "/items", json_body={"name": "a", "quantity": 1}))
    assert status(result) == 201
    return json.loads(result.payload["body"])["id"]


def test_server_restart_between_invocations_fails_no_invocation(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ)
    item_id = create_item(env)
    server = wire_backend.server
    for restart in range(3):
        accepted_before = server.stats().accepted
        server.restart()
        results = [
            env.invoke(http_event("GET", f"/items/{item_id}")),
            env.invoke(http_event("POST", "/items", json_body={"name": "b", "quantity": 2})),
            env.invoke(http_event("GET", "/health")),
        ]
        assert [status(r) for r in results] == [200, 201, 200], f"after restart {restart}"
        # The restart really cut the connections: the client had to open new ones.
        assert server.stats().accepted > accepted_before
        assert server.stats().open == 2


def test_frozen_longer_than_max_idle_next_invocation_uses_a_fresh_connection(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    uri = f"{wire_backend.uri}&maxIdleTimeMS={SHORT_IDLE_MS}"
    env = start_environment(uri, wire_backend.environ)
    item_id = create_item(env)
    server = wire_backend.server
    # While frozen, the NLB forgets the pooled connection: it stays open but goes nowhere.
    assert server.black_hole(POOL) == 1
    stale = next(r for r in server.connections() if r.kind == POOL)

    env.freeze()
    time.sleep(FROZEN_SECONDS)
    env.thaw()

    result = env.invoke(http_event("GET", f"/items/{item_id}"), DEADLINE_MS)
    assert status(result) == 200
    pooled = [r for r in server.connections() if r.kind == POOL]
    assert len(pooled) == 2  # a fresh connection was opened...
    assert next(r for r in pooled if r.id == stale.id).commands == stale.commands  # ...and
    # nothing was sent on the stale one: it was discarded at checkout, unused.


def test_without_max_idle_the_stale_connection_is_reused_and_hangs(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    """Control for the test above: the fault is real, and maxIdleTimeMS is what avoids it."""
    uri = f"{wire_backend.uri}&maxIdleTimeMS=600000"
    env = start_environment(uri, wire_backend.environ)
    item_id = create_item(env)
    server = wire_backend.server
    server.black_hole(POOL)
    stale = next(r for r in server.connections() if r.kind == POOL)

    env.freeze()
    time.sleep(FROZEN_SECONDS)
    env.thaw()

    result = env.invoke(http_event("GET", f"/items/{item_id}"), DEADLINE_MS)
    assert status(result) == 503
    assert result.before_deadline
    assert next(r for r in server.connections() if r.id == stale.id).commands > stale.commands


def test_server_stops_answering_mid_invocation_gives_503_before_the_deadline(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ)
    item_id = create_item(env)
    server = wire_backend.server
    server.go_silent(from_command="find")  # the read arrives, and nothing ever comes back

    result = env.invoke(http_event("GET", f"/items/{item_id}"), DEADLINE_MS)
    assert status(result) == 503
    assert "deadline" in message(result)
    assert result.before_deadline  # Lambda would not have cut it off

    server.resume()
    recovered = env.invoke(http_event("GET", f"/items/{item_id}"), DEADLINE_MS)
    assert status(recovered) == 200
    assert json.loads(recovered.payload["body"])["id"] == item_id
    assert server.stats().accepted_monitor == 1  # same client throughout


def test_server_down_gives_503_and_the_client_survives(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ)
    assert status(env.invoke(http_event("GET", "/health"))) == 200
    wire_backend.server.stop()

    result = env.invoke(http_event("GET", "/health"), DEADLINE_MS)
    assert status(result) == 503
    assert result.before_deadline

    wire_backend.server.start()
    assert status(env.invoke(http_event("GET", "/health"), DEADLINE_MS)) == 200
