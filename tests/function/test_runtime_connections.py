"""Connections under the real runtime client: one client per environment, and what it costs.

Each test runs the function in its own process under awslambdaric, imported once and
invoked many times, as on Lambda, and counts connections on the server side.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from components.guardrails.budget import connections_per_environment, connections_per_node
from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event
from tests.harness.measure import measure_connections, workload
from tests.harness.runtime_api import InvocationResult
from tests.harness.wire_server import ConnectionStats

INVOCATIONS = 1000
REAL_SERVER_SLACK = 50
"""On a real (possibly shared) server other clients also connect; per-invocation is ~1000."""

def assert_all_succeeded(results: list[InvocationResult]) -> None:
    failed = [
        r for r in results if r.kind != "response" or not 200 <= r.payload["statusCode"] < 300
    ]
    assert not failed, f"{len(failed)} of {len(results)} failed, first: {failed[0].raw[:300]!r}"


@pytest.mark.parametrize("init_type", ["on-demand", "snap-start"])
def test_no_socket_before_the_first_invocation(
    wire_backend: WireServerBackend, start_environment: StartEnvironment, init_type: str
) -> None:
    """Importing the handler opens nothing, so a SnapStart snapshot holds no socket."""
    env = start_environment(wire_backend.uri, wire_backend.environ, init_type=init_type)
    assert env.api.restore_calls == (1 if init_type == "snap-start" else 0)
    assert wire_backend.server.stats().accepted == 0

    assert_all_succeeded([env.invoke(http_event("GET", "/health"))])
    stats = wire_backend.server.stats()
    assert (stats.accepted_monitor, stats.accepted_pool) == (1, 1)


def test_thousand_invocations_create_one_client(
    backend: WireServerBackend, start_environment: StartEnvironment, record_property: Callable
) -> None:
    before = backend.connections_created()
    env = start_environment(backend.uri, backend.environ)
    assert_all_succeeded(env.invoke_many(workload(INVOCATIONS)))
    after = backend.connections_created()
    if before is None or after is None:
        pytest.skip("the server does not report connection counts to this user")
    record_property("connections_created_for_1000_invocations", after - before)

    if isinstance(backend, WireServerBackend):
        stats = backend.server.stats()
        # One client: its one polling monitor plus its one pooled connection, both kept.
        assert stats == ConnectionStats(
            accepted=2, open=2, accepted_monitor=1, open_monitor=1, accepted_pool=1, open_pool=1
        )
        # Every connection came from the runtime client's process in FaaS mode, with our
        # driver info: the counts above are those of a Lambda environment.
        for record in backend.server.connections():
            assert record.handshake is not None
            assert record.handshake["env"]["name"] == "aws.lambda"
            assert record.handshake["driver"]["name"].endswith("|atlas-lambda")
    else:
        assert after - before <= REAL_SERVER_SLACK


def test_per_invocation_client_costs_a_connection_per_invocation(
    wire_backend: WireServerBackend,
    start_environment: StartEnvironment,
    record_property: Callable,
) -> None:
    """The same workload, same run: reused client vs a new client in every invocation."""
    reused = start_environment(wire_backend.uri, wire_backend.environ)
    assert_all_succeeded(reused.invoke_many(workload(INVOCATIONS)))
    reused_stats = wire_backend.server.stats()

    other = WireServerBackend()
    try:
        naive = start_environment(other.uri, other.environ, handler="per_invocation.handler")
        assert_all_succeeded(naive.invoke_many(workload(INVOCATIONS)))
        naive_stats = other.server.stats()
        naive_auths = len(other.verifier.attempts())
    finally:
        other.close()

    record_property("reused_client_connections_accepted", reused_stats.accepted)
    record_property("per_invocation_client_connections_accepted", naive_stats.accepted)
    reused_auths = len(wire_backend.verifier.attempts())
    print(
        f"\n{INVOCATIONS} invocations: reused client {reused_stats}, {reused_auths} auth;"
        f" per-invocation {naive_stats}, {naive_auths} auth"
    )
    assert reused_stats.accepted == 2
    assert naive_stats.accepted_pool == INVOCATIONS  # a new pooled connection every time
    assert naive_stats.accepted_monitor == INVOCATIONS  # and a new monitor with it
    assert (reused_stats.accepted_monitor, reused_stats.accepted_pool) == (1, 1)
    # Each new pooled connection authenticates: on Atlas, one STS call (600/s per account).
    assert (reused_auths, naive_auths) == (1, INVOCATIONS)


def test_connections_scale_with_environments(code_root: Path, record_property: Callable) -> None:
    """N environments hold N times one environment's connections, as the budget model says.

    Three-member replica set: every environment monitors all three members (one polling
    connection each) and runs its operations on the primary.
    """
    members = 3
    one = measure_connections(code_root, environments=1, monitored_servers=members)
    three = measure_connections(code_root, environments=3, monitored_servers=members)
    for measured in (one, three):
        record_property(
            f"open_per_server_{measured.environments}_environments", measured.open_per_server()
        )
        assert measured.failed_invocations == 0
        assert measured.accepted_total == measured.open_total  # nothing reconnected

    # The connection-budget model the preview enforces must match what was measured.
    per_node = [connections_per_node(role) for role in ("primary", "secondary", "secondary")]
    assert one.open_total == connections_per_environment(members)
    assert one.open_per_server() == per_node
    assert three.open_per_server() == [3 * n for n in per_node]
