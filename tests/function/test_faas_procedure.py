"""The MongoDB drivers' FaaS procedure, under the real runtime client (test server only).

mongodb/specifications ``source/faas-automated-testing/faas-automated-testing.md``: the
function creates one MongoClient, listens for ServerHeartbeatStarted/Failed,
CommandSucceeded/Failed and ConnectionCreated/Closed, writes on the primary, reports heartbeat
and command counts and open connections, and asserts no heartbeat is ``awaited`` (no
streaming in FaaS, DRIVERS-2578); CI "invokes the Lambda function cold and frozen, initiates
a primary failover of the cluster in Atlas, calls the frozen lambda function again".
pymongo's ``test/lambda/mongodb/app.py`` is that function for PyMongo.

Here the function is the sample handler as it ships, inside ``faas_probe`` (those listeners,
registered before the handler's lazy client exists), in one environment under awslambdaric,
against a 3-member replica set of wire-protocol test servers requiring MONGODB-AWS. The
servers answer hello as MongoDB 4.4+ (and Atlas) do, with ``topologyVersion``, and hold
awaitable hellos, so a client that may stream, will: the control test shows it. Phases:

1. cold: the first invocations of a new environment;
2. frozen: SIGSTOP, SIGCONT, invoke (Lambda freezes an idle environment);
3. failover by stepdown, while frozen: the primary steps down and another member is
   elected; the old primary answers the next write with NotWritablePrimary (10107);
4. failover by restart, while frozen: every member restarts (every socket closes) and the
   third member comes back as primary;
5. frozen again.

Checked in every phase: every invocation answers 2xx; no awaited heartbeat (client events)
and no awaitable hello (server side); each member holds at most one monitor connection and
at most the budget model's per-node figure; no connection is opened after a phase's first
invocation; one client for the whole run. The counts the procedure reports are recorded
per phase (``record_property``, and printed with ``-s``).

``heartbeatFrequencyMS=60000`` (set in the URI, which wins over the function's defaults):
no scheduled heartbeat falls inside the run, so the failover reaches the driver through the
operation, as when a write races Atlas's heartbeat, and every count is the same on every
run. Everything else is the function's own configuration.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from components.guardrails.budget import connections_per_node
from tests.function.backends import IDENTITY_A
from tests.harness.aws_auth import AwsAuthVerifier
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.measure import settled_stats
from tests.harness.wire_server import NOT_WRITABLE_PRIMARY, ConnectionStats, ReplicaSet

PROBES = Path(__file__).resolve().parents[1] / "harness" / "probes"
COUNTS = "__probe_counts__"  # faas_probe.COUNTS (the probe runs in the environment only)
MEMBERS = 3
FROZEN_SECONDS = 0.5
NO_SCHEDULED_HEARTBEAT = "&heartbeatFrequencyMS=60000"
MODES = {
    # The function's own options: it sets serverMonitoringMode=poll itself.
    "function-options": NO_SCHEDULED_HEARTBEAT,
    # PyMongo's default mode, which polls only because it detects Lambda (pool_options.py
    # _is_faas: AWS_LAMBDA_RUNTIME_API, set here by the harness as by Lambda).
    "pymongo-auto": NO_SCHEDULED_HEARTBEAT + "&serverMonitoringMode=auto",
}
PER_NODE = connections_per_node("primary")  # the budget model's worst node: 1 monitor + 1 op
WAIT_SECONDS = 10.0  # bound on waiting for the server to see something


@dataclass
class Phase:
    """One phase of the procedure: what the function answered and what was counted."""

    name: str
    statuses: list[int] = field(default_factory=list)
    driver: dict[str, Any] = field(default_factory=dict)  # listener counts in this phase
    failed_codes: dict[str, int] = field(default_factory=dict)
    client_id: int | None = None
    clients_created: int = 0
    accepted_before: tuple[int, ...] = ()
    accepted_after_first: tuple[int, ...] = ()
    server: tuple[ConnectionStats, ...] = ()  # settled, at the end of the phase
    hellos: tuple[int, ...] = ()
    awaitable_hellos: tuple[int, ...] = ()
    not_writable_primary: tuple[int, ...] = ()

    @property
    def accepted(self) -> tuple[int, ...]:
        return tuple(s.accepted for s in self.server)

    @property
    def open(self) -> tuple[int, ...]:
        return tuple(s.open for s in self.server)

    def row(self) -> dict[str, Any]:
        """The procedure's report for this phase (the spec's counts, client and server)."""
        return {
            "phase": self.name,
            "statuses": self.statuses,
            "heartbeats": self.driver.get("heartbeats_started", 0),
            "heartbeats_failed": self.driver.get("heartbeats_failed", 0),
            "awaited_heartbeats": self.driver.get("awaited_heartbeats", 0),
            "commands": self.driver.get("commands_succeeded", 0)
            + self.driver.get("commands_failed", 0),
            "commands_failed": self.failed_codes,
            "pool_connections_created": self.driver.get("connections_created", 0),
            "pool_connections_closed": self.driver.get("connections_closed", 0),
            "pools_cleared": self.driver.get("pools_cleared", 0),
            "server_open_per_member": self.open,
            "server_accepted_per_member": self.accepted,
            "server_hellos_per_member": self.hellos,
            "server_awaitable_hellos": sum(self.awaitable_hellos),
            "server_not_writable_primary_per_member": self.not_writable_primary,
        }


def probe_counts(env: LambdaEnvironment) -> dict[str, Any]:
    result = env.invoke({COUNTS: True})
    assert result.kind == "response", result.raw[:500]
    return result.payload


def status(result: Any) -> int:
    assert result.kind == "response", result.raw[:500]
    return int(result.payload["statusCode"])


def difference(after: dict[str, Any], before: dict[str, Any]) -> dict[str, int]:
    """The listener counts added between two reports (identities and maps left out)."""
    return {
        key: value - before.get(key, 0)
        for key, value in after.items()
        if key not in ("client_id", "clients_created")
        and isinstance(value, int)
        and value != before.get(key, 0)
    }


class Procedure:
    """Runs the phases against one environment and one replica set, recording each."""

    def __init__(self, env: LambdaEnvironment, deployment: ReplicaSet) -> None:
        self.env = env
        self.deployment = deployment
        self.phases: list[Phase] = []
        self.item_id: str | None = None

    def events(self) -> list[dict[str, Any]]:
        """A write first (on the primary, as the spec asks), then reads and a ping."""
        events = [http_event("POST", "/items", json_body={"name": "faas", "quantity": 1})]
        if self.item_id is not None:
            events.append(http_event("GET", f"/items/{self.item_id}"))
        events += [http_event("GET", "/items", query={"limit": "5"}), http_event("GET", "/health")]
        return events

    def run(self, name: str, between: Callable[[], None] | None = None) -> Phase:
        phase = Phase(name)
        driver_before = probe_counts(self.env)
        codes_before = driver_before["failed_codes"]
        phase.accepted_before = tuple(s.accepted for s in settled_stats(self.deployment))
        refused_before = [m.error_replies[NOT_WRITABLE_PRIMARY] for m in self.deployment.members]
        if between is not None:
            between()
        events = self.events()
        first = self.env.invoke(events[0])
        phase.statuses.append(status(first))
        if self.item_id is None and status(first) == 201:
            self.item_id = json.loads(first.payload["body"])["id"]
        phase.accepted_after_first = tuple(s.accepted for s in settled_stats(self.deployment))
        phase.statuses += [status(self.env.invoke(event)) for event in events[1:]]
        phase.server = settled_stats(self.deployment)
        driver_after = probe_counts(self.env)
        phase.driver = difference(driver_after, driver_before)
        phase.failed_codes = {
            code: count - codes_before.get(code, 0)
            for code, count in driver_after["failed_codes"].items()
            if count - codes_before.get(code, 0)
        }
        phase.client_id = driver_after["client_id"]
        phase.clients_created = driver_after["clients_created"]
        members = self.deployment.members
        phase.hellos = tuple(m.hellos()[0] for m in members)
        phase.awaitable_hellos = tuple(m.hellos()[1] for m in members)
        phase.not_writable_primary = tuple(
            m.error_replies[NOT_WRITABLE_PRIMARY] - before
            for m, before in zip(members, refused_before, strict=True)
        )
        self.phases.append(phase)
        return phase

    def frozen(self, change: Callable[[], None] | None = None) -> Callable[[], None]:
        """Freeze the environment, change the deployment meanwhile, thaw."""

        def between() -> None:
            self.env.freeze()
            try:
                if change is not None:
                    change()
                time.sleep(FROZEN_SECONDS)
            finally:
                self.env.thaw()

        return between


@pytest.fixture
def deployment() -> Iterator[ReplicaSet]:
    replica_set = ReplicaSet(
        MEMBERS, auth=AwsAuthVerifier([IDENTITY_A]), topology_version=True
    ).start()
    yield replica_set
    replica_set.stop()
    errors = [error for member in replica_set.members for error in member.errors]
    assert not errors, "test server errors:\n" + "\n".join(errors)


@pytest.fixture
def environments(code_root: Path) -> Iterator[Callable[[str], LambdaEnvironment]]:
    started: list[LambdaEnvironment] = []

    def start(uri: str) -> LambdaEnvironment:
        env = LambdaEnvironment(
            code_root,
            {"MONGODB_URI": uri, **IDENTITY_A.environ()},
            handler="faas_probe.handler",
            extra_paths=[PROBES],
            function_name=f"faas-{uuid.uuid4().hex[:8]}",
        )
        started.append(env)
        return env.start()

    yield start
    for env in started:
        env.close()


@pytest.mark.parametrize("mode", list(MODES))
def test_cold_frozen_failover_frozen(
    deployment: ReplicaSet,
    environments: Callable[[str], LambdaEnvironment],
    record_property: Callable[[str, object], None],
    mode: str,
) -> None:
    env = environments(deployment.uri + MODES[mode])
    procedure = Procedure(env, deployment)
    cold = procedure.run("cold")
    frozen = procedure.run("frozen", procedure.frozen())
    stepdown = procedure.run("failover: stepdown", procedure.frozen(lambda: deployment.failover(1)))
    restart = procedure.run(
        "failover: restart", procedure.frozen(lambda: deployment.restart(elect=2))
    )
    frozen_again = procedure.run("frozen again", procedure.frozen())
    phases = procedure.phases

    report = [phase.row() for phase in phases]
    record_property("faas_procedure", report)
    print(f"\nFaaS procedure ({mode}):")
    for row in report:
        print("  " + json.dumps(row))

    for phase in phases:
        # Every invocation answered 2xx, failovers included.
        assert all(200 <= s < 300 for s in phase.statuses), (phase.name, phase.statuses)
        # No streaming: no heartbeat awaited (client events), no awaitable hello (server).
        assert phase.driver.get("awaited_heartbeats", 0) == 0, phase.name
        assert sum(phase.awaitable_hellos) == 0, phase.name
        # One polling monitor per member; no member above the budget model's per-node figure.
        assert [s.open_monitor for s in phase.server] == [1] * MEMBERS, phase.row()
        assert all(n <= PER_NODE for n in phase.open), phase.row()
        # Connections stop growing: none opened after the phase's first invocation.
        assert phase.accepted == phase.accepted_after_first, phase.row()
        # One client for the whole run.
        assert (phase.client_id, phase.clients_created) == (cold.client_id, 1), phase.row()
    assert cold.client_id is not None

    # Cold: nothing before the first invocation (connect=False), then each member's monitor
    # and the one pooled connection on the primary: the budget model per node.
    assert cold.accepted_before == (0,) * MEMBERS
    assert cold.open == (2, 1, 1)
    # Frozen: the same connections serve; nothing new, nothing failed.
    assert frozen.accepted == cold.accepted
    assert frozen.driver.get("commands_failed", 0) == 0
    # Stepdown: the old primary refused exactly one write (10107, seen by the driver), the
    # retry went to the new primary over one new pooled connection; a 4.2+ server's "not
    # primary" error does not clear the old primary's pool (its idle connection stays open,
    # within the per-node figure, until maxIdleTimeMS).
    assert stepdown.not_writable_primary == (1, 0, 0)
    assert stepdown.failed_codes == {str(NOT_WRITABLE_PRIMARY): 1}
    assert stepdown.driver.get("pools_cleared", 0) == 0
    assert [a - b for a, b in zip(stepdown.accepted, frozen.accepted, strict=True)] == [0, 1, 0]
    assert stepdown.open == (2, 2, 1)
    # Restart: every socket closed; every member was reconnected (its monitor, and at most
    # one pooled connection), the new primary holds its monitor and the pooled connection.
    # The driver's view was still "member 1 is primary": finding that connection dead at
    # checkout, it may open a new one there and have its write refused (10107) before the
    # retry reaches member 2; that idle connection stays, within the per-node figure.
    reconnected = [a - b for a, b in zip(restart.accepted, stepdown.accepted, strict=True)]
    assert all(1 <= n <= PER_NODE for n in reconnected), reconnected
    assert restart.open[2] == PER_NODE
    assert sum(restart.not_writable_primary) <= 1
    # Frozen again: nothing new, nothing closed, nothing failed.
    assert frozen_again.accepted == restart.accepted
    assert frozen_again.open == restart.open
    assert frozen_again.driver.get("commands_failed", 0) == 0


def test_control_a_streaming_client_is_seen(
    deployment: ReplicaSet,
    environments: Callable[[str], LambdaEnvironment],
) -> None:
    """The checks above can fail: forced to stream, the same function against the same
    servers sends awaitable hellos, its listener sees awaited heartbeats, and every member
    carries a second monitor connection (the round-trip-time monitor)."""
    env = environments(deployment.uri + NO_SCHEDULED_HEARTBEAT + "&serverMonitoringMode=stream")
    assert status(env.invoke(http_event("GET", "/health"))) == 200
    give_up = time.monotonic() + WAIT_SECONDS
    while sum(m.hellos()[1] for m in deployment.members) < MEMBERS:
        assert time.monotonic() < give_up, "no awaitable hello from a streaming client"
        time.sleep(0.05)
    assert probe_counts(env).get("awaited_heartbeats", 0) >= 1
    assert [s.open_monitor for s in settled_stats(deployment)] == [2] * MEMBERS


def test_harness_a_held_hello_is_answered_when_the_primary_changes() -> None:
    """The servers' side of streaming (harness self-test, in-process client): an awaitable
    hello is held, then answered as soon as a failover changes the topology, so a streaming
    client learns the new primary without a scheduled heartbeat or an operation."""
    from pymongo import MongoClient

    replica_set = ReplicaSet(MEMBERS, topology_version=True).start()
    client: MongoClient[dict[str, Any]] = MongoClient(
        replica_set.uri + NO_SCHEDULED_HEARTBEAT + "&serverMonitoringMode=stream"
    )
    try:
        client.admin.command("ping")
        give_up = time.monotonic() + WAIT_SECONDS
        while sum(m.hellos()[1] for m in replica_set.members) < MEMBERS:
            assert time.monotonic() < give_up, "no awaitable hello"
            time.sleep(0.05)
        replica_set.failover(1)
        new_primary = ("127.0.0.1", replica_set.members[1].port)
        while client.primary != new_primary:
            assert time.monotonic() < give_up, f"still {client.primary}"
            time.sleep(0.05)
        assert [m.error_replies[NOT_WRITABLE_PRIMARY] for m in replica_set.members] == [0, 0, 0]
    finally:
        client.close()
        replica_set.stop()
    assert not [error for member in replica_set.members for error in member.errors]
