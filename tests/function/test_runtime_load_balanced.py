"""The function under the real runtime client in both modes a sharded cluster can use.

* monitored: the legacy private string (+ srvMaxHosts): pymongo monitors each mongos over a
  polling connection of its own and runs operations on a pooled one;
* load-balanced: Atlas's shard-optimized string, whose SRV record may set loadBalanced=true.
  pymongo then starts no monitor (pymongo/synchronous/server.py `Server.open`) and requires
  `serviceId` in every handshake reply (pymongo/synchronous/pool.py), so an environment
  holds only its pooled connection.

The counts must match the connection-budget model (components/guardrails/budget.py) in each mode.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.guardrails.budget import connections_per_environment
from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.function.test_runtime_connections import assert_all_succeeded
from tests.harness.events import http_event
from tests.harness.measure import measure_connections, workload
from tests.harness.wire_server import ConnectionStats

INVOCATIONS = 300
MODES = {"monitored": False, "load-balanced": True}


@pytest.fixture(params=list(MODES))
def mode_backend(request: pytest.FixtureRequest):
    backend = WireServerBackend(load_balanced=MODES[request.param])
    yield backend
    backend.close()


def test_invocations_reuse_one_client_in_both_modes(
    mode_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    load_balanced = mode_backend.load_balanced
    env = start_environment(mode_backend.uri, mode_backend.environ)
    assert mode_backend.server.stats().accepted == 0  # nothing before the first invocation
    assert_all_succeeded(env.invoke_many(workload(INVOCATIONS)))

    stats = mode_backend.server.stats()
    expected = connections_per_environment(1, load_balanced=load_balanced)
    monitors = 0 if load_balanced else 1
    assert stats == ConnectionStats(
        accepted=expected, open=expected,
        accepted_monitor=monitors, open_monitor=monitors, accepted_pool=1, open_pool=1,
    )  # fmt: skip
    [pooled] = [r for r in mode_backend.server.connections() if r.kind == "pool"]
    assert pooled.authenticated_as is not None  # MONGODB-AWS on the one pooled connection
    assert len(mode_backend.verifier.attempts()) == 1


def test_load_balanced_mode_refuses_a_server_without_service_id(
    start_environment: StartEnvironment,
) -> None:
    """The control: the test server's serviceId is what pymongo's load-balanced mode checks,
    so the mode above is really in use (a plain hello makes the invocation fail)."""
    backend = WireServerBackend()
    try:
        uri = backend.uri + "&loadBalanced=true&serverSelectionTimeoutMS=1000"
        env = start_environment(uri, backend.environ)
        [result] = env.invoke_many([http_event("GET", "/health")])
        # pymongo raises ConfigurationError ("the server does not support this mode"),
        # which the handler reports as a misconfigured function.
        assert result.kind == "response" and result.payload["statusCode"] == 500
        assert "misconfigured" in result.payload["body"]
    finally:
        backend.close()


def test_environments_hold_the_modelled_connections_load_balanced(code_root: Path) -> None:
    """N environments behind the load balancer: N x (concurrent ops), no monitors."""
    measured = measure_connections(code_root, environments=3, monitored_servers=0,
                                   load_balanced=True)  # fmt: skip
    assert measured.failed_invocations == 0
    [server] = measured.per_server
    assert server.open == 3 * connections_per_environment(0, load_balanced=True)
    assert (server.accepted_monitor, server.accepted_pool) == (0, 3)
    assert measured.accepted_total == measured.open_total
