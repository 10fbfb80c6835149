"""Measure the connections N Lambda environments hold on each server of a deployment.

This is the measured side of the connection budget: start a replica set of test servers,
start N execution environments (processes under awslambdaric) running the sample handler,
invoke each a number of times, let connection counts settle, and report per server what is
open and what was ever accepted. A budget model is right if its per-environment figure
times N matches ``open`` on every server.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.harness.aws_auth import AwsAuthVerifier, AwsIdentity
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.wire_server import (
    ConnectionStats,
    LoadBalancedMongos,
    ReplicaSet,
    settled_stats,
)

MEASUREMENT_IDENTITY = AwsIdentity(
    "AKIAMEASUREMENT00001", "measurement-secret", "measurement-session-token"
)


@dataclass(frozen=True)
class ConnectionMeasurement:
    """Connections held by ``environments`` environments, per server (primary first)."""

    environments: int
    monitored_servers: int
    invocations_per_environment: int
    failed_invocations: int
    per_server: tuple[ConnectionStats, ...]

    @property
    def primary(self) -> ConnectionStats:
        return self.per_server[0]

    @property
    def open_total(self) -> int:
        return sum(s.open for s in self.per_server)

    @property
    def accepted_total(self) -> int:
        return sum(s.accepted for s in self.per_server)

    def open_per_server(self) -> list[int]:
        return [s.open for s in self.per_server]


def workload(invocations: int) -> list[dict]:
    """A plain handler's mix: write, read by id-less list, ping (all on the primary)."""
    cycle = [
        http_event("POST", "/items", json_body={"name": "measured", "quantity": 1}),
        http_event("GET", "/items", query={"limit": "5"}),
        http_event("GET", "/health"),
    ]
    return [cycle[i % len(cycle)] for i in range(invocations)]


def measure_connections(
    code_root: Path,
    *,
    environments: int,
    monitored_servers: int = 1,
    invocations_per_environment: int = 30,
    extra_environ: Mapping[str, str] | None = None,
    load_balanced: bool = False,
) -> ConnectionMeasurement:
    """Run the measurement; every process and server is stopped before returning.

    `load_balanced`: one mongos behind a load balancer instead of a replica set
    (`monitored_servers` is then 0: pymongo monitors nothing in that mode)."""
    verifier = AwsAuthVerifier([MEASUREMENT_IDENTITY])
    deployment = LoadBalancedMongos if load_balanced else ReplicaSet
    replica_set = deployment(monitored_servers, auth=verifier).start()
    environ = {
        "MONGODB_URI": replica_set.uri,
        **MEASUREMENT_IDENTITY.environ(),
        **(extra_environ or {}),
    }
    lambdas = [
        LambdaEnvironment(code_root, environ, function_name=f"measure-{uuid.uuid4().hex[:8]}")
        for _ in range(environments)
    ]
    try:
        for env in lambdas:
            env.launch()
        for env in lambdas:
            env.wait_ready()
        failed = 0
        for env in lambdas:
            for result in env.invoke_many(workload(invocations_per_environment)):
                status = result.payload.get("statusCode") if result.kind == "response" else None
                failed += not (isinstance(status, int) and status < 300)
        per_server = settled_stats(replica_set)
    finally:
        for env in lambdas:
            env.close()
        replica_set.stop()
    return ConnectionMeasurement(
        environments=environments,
        monitored_servers=monitored_servers,
        invocations_per_environment=invocations_per_environment,
        failed_invocations=failed,
        per_server=per_server,
    )
