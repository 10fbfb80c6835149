"""Every invocation answers before its deadline with the safety margin intact, when no server
can take the operations (issue 17, hostile finding: with a black-holed database and a timeout
of 2-3.5 s, every other invocation answered at 0 ms left or past the deadline).

PyMongo's server selection checks its deadline only every half second, so a selection that
finds no server gave up as much as half a second after the invocation's database budget,
the whole default margin. The driver's deadline now ends that step (and 50 ms of scheduling
slack) before the margin (atlas_lambda/deadline.py ``database_budget_ms``).

Correctness counts, not timings: for each invocation, the time left when the runtime API got
the response (the deadline it sent the runtime client vs the moment the response arrived) and
the time left the handler itself logged with its failure line are both at least the margin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from atlas_lambda.deadline import DEFAULT_SAFETY_MARGIN_MS

from tests.function.backends import IDENTITY_A
from tests.function.conftest import StartEnvironment
from tests.harness.aws_auth import AwsAuthVerifier
from tests.harness.black_hole import BlackHole
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.runtime_api import InvocationResult
from tests.harness.wire_server import ReplicaSet, WireServer

TIMEOUTS_MS = (2000, 2500, 3000, 3500)
INVOCATIONS_PER_TIMEOUT = 3
JSON_LOGS = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}
NO_ANSWER = "database did not answer before the deadline"


def logged_remaining_ms(env: LambdaEnvironment) -> dict[str, int]:
    """requestId -> remaining_ms of the handler's failure lines (JSON log format)."""
    found = {}
    for line in env.log(tail_bytes=10**7).splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "remaining_ms" in record:
            found[record["requestId"]] = record["remaining_ms"]
    return found


def invoke_across_timeouts(env: LambdaEnvironment, path: str = "/health") -> list[InvocationResult]:
    return [
        env.invoke(http_event("GET", path), timeout_ms)
        for timeout_ms in TIMEOUTS_MS
        for _ in range(INVOCATIONS_PER_TIMEOUT)
    ]


def short_of_margin(
    env: LambdaEnvironment, results: list[InvocationResult], message: str | None = NO_ANSWER
) -> list[Any]:
    """The invocations that answered with less than the margin left, by either measure;
    each must be a 503 (with ``message``, unless None)."""
    logged = logged_remaining_ms(env)
    short = []
    for result in results:
        assert result.kind == "response", result.raw[:300]
        body = json.loads(result.payload["body"])
        assert result.payload["statusCode"] == 503, body
        assert message is None or body["error"]["message"] == message, body
        at_api = result.deadline_ms - result.finished_ms
        in_handler = logged[result.request_id]
        if min(at_api, in_handler) < DEFAULT_SAFETY_MARGIN_MS:
            short.append({"left at the API": at_api, "left in the handler": in_handler})
    return short


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole().start()
    yield hole
    hole.stop()


def test_black_holed_database_every_invocation_keeps_its_margin(
    black_hole: BlackHole, start_environment: StartEnvironment
) -> None:
    env = start_environment(black_hole.uri(), {**IDENTITY_A.environ(), **JSON_LOGS})
    results = invoke_across_timeouts(env)
    assert short_of_margin(env, results) == []
    assert black_hole.accepted >= 1  # the client did reach it: this is not a refusal


def test_silent_server_every_invocation_keeps_its_margin(
    start_environment: StartEnvironment,
) -> None:
    """The same through the wire server: requests are read, never answered."""
    server = WireServer(auth=AwsAuthVerifier([IDENTITY_A])).start()
    try:
        server.go_silent()
        env = start_environment(server.uri, {**IDENTITY_A.environ(), **JSON_LOGS})
        results = invoke_across_timeouts(env, "/items")
        assert short_of_margin(env, results) == []
    finally:
        server.resume()
        server.stop()


def test_an_election_without_a_primary_keeps_the_margin_and_recovers(
    start_environment: StartEnvironment,
) -> None:
    """The client believes in a primary that has stepped down: its find is refused
    (NotPrimaryNoSecondaryOk), and the retry waits in server selection for a primary that
    never comes; later invocations know only secondaries."""
    replica_set = ReplicaSet(3, auth=AwsAuthVerifier([IDENTITY_A])).start()
    try:
        env = start_environment(replica_set.uri, {**IDENTITY_A.environ(), **JSON_LOGS})
        assert env.invoke(http_event("GET", "/health")).payload["statusCode"] == 200
        replica_set.step_down()  # no primary until the next election

        results = invoke_across_timeouts(env, "/items")
        # The first answers with the refusal the retry could not get past ("database
        # unavailable"), the others that no primary answered before the deadline.
        assert short_of_margin(env, results, message=None) == []

        replica_set.elect(1)
        recovered = env.invoke(http_event("GET", "/health"), 5000)
        assert recovered.payload["statusCode"] == 200
    finally:
        replica_set.stop()


def test_a_short_timeout_black_holed_answers_before_the_deadline(
    black_hole: BlackHole, start_environment: StartEnvironment
) -> None:
    """Without a selection step kept back (deadline.py says so), a late selection may take
    part of the margin: a cold client's one selection ends a step after it began, in time."""
    env = start_environment(black_hole.uri(), IDENTITY_A.environ())
    for _ in range(3):
        result = env.invoke(http_event("GET", "/health"), 1000)
        assert result.payload["statusCode"] == 503
        assert result.deadline_ms - result.finished_ms > 0
