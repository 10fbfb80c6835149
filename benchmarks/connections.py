"""Section 1: connections opened vs invocations, and N environments at once, vs the model.

One execution environment (awslambdaric process) runs the sample workload (write, list,
ping) against a 3-member replica set that supports streaming monitoring, as Atlas does;
after 1, 10, 100, 1000 invocations the servers' accepted connections are read once they
settle. Variants, each in its own environment and replica set:

* ``reused`` — this library: one lazily created client per environment;
* ``per_invocation`` — the anti-pattern: a new client in every invocation (the test shim
  tests/function/shims/per_invocation.py, the sample handler otherwise unchanged);
* ``stream`` — the library's client with ``serverMonitoringMode=stream`` in the URI (the
  URI wins over the library's polling default);
* ``stream_fallback`` — the same client against the plain test server, whose hello has no
  topologyVersion: the control that shows why a streaming-capable server is needed at all;
* ``load_balanced`` — this library through a sharded cluster's shard-optimized private
  string: one mongos behind a load balancer (hello with serviceId, loadBalanced=true),
  where PyMongo monitors nothing.

The connection-budget model (components/guardrails/budget.py) predicts each curve: per environment,
one monitor per member plus one pooled connection; a client per invocation is a new
environment's worth per invocation; streaming adds PyMongo's round-trip-time monitor, one
more connection per member; load-balanced, only the pooled connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from components.guardrails.budget import connections_per_environment, connections_per_node
from tests.harness.measure import (
    ConnectionMeasurement,
    measure_connections,
    settled_stats,
    workload,
)
from tests.harness.runtime_api import InvocationResult
from tests.harness.wire_server import ConnectionStats

from .checks import Check, exact
from .deployment import (
    FUNCTION_ROOT,
    SHIMS,
    authentications,
    function_environ,
    lambda_environment,
    replica_set,
)
from .settings import Settings
from .stats import Sample

SECTION = "connections"
RTT_MONITOR_CONNECTIONS_PER_SERVER = 1
"""Streaming only: PyMongo's _RttMonitor pings each server over a connection of its own."""
INVOCATION_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Variant:
    """One way of holding a client, and what the budget model predicts for it."""

    key: str
    label: str
    handler: str
    uri_options: str
    streaming_server: bool
    predict: Callable[[int, int], int]
    """(invocations, members) -> connections the servers accept in total."""
    load_balanced: bool = False
    """One mongos behind a load balancer instead of the replica set."""


def _reused(invocations: int, members: int) -> int:
    return connections_per_environment(members)


def _per_invocation(invocations: int, members: int) -> int:
    return invocations * connections_per_environment(members)


def _load_balanced(invocations: int, members: int) -> int:
    return connections_per_environment(members, load_balanced=True)


def _streaming(invocations: int, members: int) -> int:
    return connections_per_environment(members) + members * RTT_MONITOR_CONNECTIONS_PER_SERVER


VARIANTS = (
    Variant("reused", "this library (lazy client, reused)", "handler.handler", "", True, _reused),
    Variant(
        "per_invocation",
        "client per invocation (anti-pattern)",
        "per_invocation.handler",
        "",
        True,
        _per_invocation,
    ),
    Variant(
        "stream",
        "reused, serverMonitoringMode=stream",
        "handler.handler",
        "&serverMonitoringMode=stream",
        True,
        _streaming,
    ),
    Variant(
        "stream_fallback",
        "reused, stream, server without streaming hello (control)",
        "handler.handler",
        "&serverMonitoringMode=stream",
        False,
        _reused,
    ),
    Variant(
        "load_balanced",
        "reused, load-balanced (shard-optimized string)",
        "handler.handler",
        "",
        False,
        _load_balanced,
        load_balanced=True,
    ),
)
CURVES = ("reused", "per_invocation", "stream")


@dataclass(frozen=True)
class Point:
    """The servers' counts after ``invocations`` invocations of one environment."""

    invocations: int
    per_server: tuple[ConnectionStats, ...]
    authentications: int
    failed: int

    @property
    def accepted(self) -> int:
        return sum(s.accepted for s in self.per_server)

    @property
    def open(self) -> int:
        return sum(s.open for s in self.per_server)

    @property
    def accepted_pool(self) -> int:
        return sum(s.accepted_pool for s in self.per_server)

    @property
    def accepted_monitor(self) -> int:
        return sum(s.accepted_monitor for s in self.per_server)


@dataclass(frozen=True)
class Curve:
    """One variant's points, for every run (runs[i][j] = run i, checkpoint j)."""

    variant: Variant
    members: int
    runs: tuple[tuple[Point, ...], ...]

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(p.invocations for p in self.runs[0])

    def sample(self, index: int, figure: Callable[[Point], float]) -> Sample:
        return Sample.of(figure(run[index]) for run in self.runs)

    def predicted(self, invocations: int) -> int:
        return self.variant.predict(invocations, self.members)


@dataclass(frozen=True)
class ConnectionsResult:
    curves: dict[str, Curve]
    environments: tuple[ConnectionMeasurement, ...]
    members: int

    def per_node_model(self, environments: int) -> list[int]:
        roles = ["primary"] + ["secondary"] * (self.members - 1)
        return [environments * connections_per_node(role) for role in roles]

    def checks(self) -> list[Check]:
        found: list[Check] = []
        for curve in self.curves.values():
            key = curve.variant.key
            failed = sum(p.failed for run in curve.runs for p in run)
            found.append(exact(SECTION, f"{key}: failed invocations", failed, 0))
            for index, n in enumerate(curve.points):
                counts = sorted({run[index].accepted for run in curve.runs})
                measured = counts[0] if len(counts) == 1 else counts
                found.append(
                    exact(SECTION, f"{key}: connections after {n} = model", measured,
                          curve.predicted(n))
                )  # fmt: skip
            if key == "per_invocation":
                pools = [(run[i].invocations, run[i].accepted_pool) for run in curve.runs
                         for i in range(len(run))]  # fmt: skip
                found.append(
                    exact(SECTION, "per_invocation: one new pooled connection per invocation",
                          all(n == pool for n, pool in pools), True)
                )  # fmt: skip
            else:
                last = [run[-1] for run in curve.runs]
                found.append(
                    exact(SECTION, f"{key}: all still open at the end (no reconnect)",
                          all(p.open == p.accepted for p in last), True)
                )  # fmt: skip
        if self.environments:
            n = self.environments[0].environments
            layouts = sorted({tuple(m.open_per_server()) for m in self.environments})
            measured_layout = list(layouts[0]) if len(layouts) == 1 else [list(x) for x in layouts]
            found.append(exact(SECTION, f"{n} environments: failed invocations",
                               sum(m.failed_invocations for m in self.environments), 0))
            found.append(
                exact(SECTION, f"{n} environments: open per node (primary first) = model",
                      measured_layout, self.per_node_model(n))
            )  # fmt: skip
        return found


def _ok(result: InvocationResult) -> bool:
    if result.kind != "response":
        return False
    status = result.payload.get("statusCode") if isinstance(result.payload, dict) else None
    return isinstance(status, int) and status < 300


def run_curve(variant: Variant, settings: Settings) -> tuple[Point, ...]:
    """One environment, invoked up to the last checkpoint; counts read at each checkpoint."""
    points: list[Point] = []
    with replica_set(
        settings.members, streaming=variant.streaming_server, load_balanced=variant.load_balanced
    ) as deployment:
        env = lambda_environment(
            function_environ(deployment, variant.uri_options),
            handler=variant.handler,
            extra_paths=[SHIMS],
        )
        try:
            env.start()
            events = workload(max(settings.connection_points))
            done = failed = 0
            for checkpoint in settings.connection_points:
                for event in events[done:checkpoint]:
                    failed += not _ok(env.invoke(event, INVOCATION_TIMEOUT_MS))
                done = checkpoint
                points.append(
                    Point(checkpoint, settled_stats(deployment), authentications(deployment),
                          failed)
                )  # fmt: skip
        finally:
            env.close()
    return tuple(points)


def run(settings: Settings, progress: Callable[[str], None]) -> ConnectionsResult:
    curves: dict[str, Curve] = {}
    for variant in VARIANTS:
        runs = []
        for index in range(settings.connection_runs):
            progress(f"connections: {variant.key}, run {index + 1}/{settings.connection_runs}")
            runs.append(run_curve(variant, settings))
        curves[variant.key] = Curve(variant, settings.members, tuple(runs))
    environments = []
    for index in range(settings.environment_runs):
        progress(
            f"connections: {settings.environments} environments at once, "
            f"run {index + 1}/{settings.environment_runs}"
        )
        environments.append(
            measure_connections(
                FUNCTION_ROOT,
                environments=settings.environments,
                monitored_servers=settings.members,
                invocations_per_environment=3,
            )
        )
    return ConnectionsResult(curves, tuple(environments), settings.members)
