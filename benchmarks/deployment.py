"""What every section runs against: a test replica set requiring MONGODB-AWS, and the
Lambda environments (awslambdaric processes) pointed at it.

Atlas clusters are 3-member replica sets and the function authenticates with MONGODB-AWS,
so the benchmarks do the same: each environment monitors every member, and every new pooled
connection runs the SigV4 conversation (on Atlas: one STS call).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from tests.harness.aws_auth import AwsAuthVerifier
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.measure import MEASUREMENT_IDENTITY, LoadBalancedMongos
from tests.harness.wire_server import ReplicaSet

from .streaming_server import StreamingReplicaSet

REPO = Path(__file__).resolve().parents[1]
FUNCTION_ROOT = REPO / "function"
"""The function as it ships (handler + atlas_lambda), imported by the runtime client."""
SHIMS = REPO / "tests" / "function" / "shims"
"""Test shims; per_invocation.py is the client-per-invocation anti-pattern."""
LAMBDA_CODE = Path(__file__).resolve().parent / "lambda_code"
"""Reference handlers and the in-process probe, run inside Lambda environments."""


@contextmanager
def replica_set(
    members: int, *, streaming: bool = True, load_balanced: bool = False
) -> Iterator[ReplicaSet]:
    """A started replica set requiring MONGODB-AWS; stopped (and checked) on exit.

    ``streaming`` servers answer the streaming hello as MongoDB 4.4+ does (Atlas does):
    a client that may stream, will. ``load_balanced``: instead, one mongos behind a load
    balancer (Atlas's shard-optimized private string), where nothing is monitored.
    """
    verifier = AwsAuthVerifier([MEASUREMENT_IDENTITY])
    kind = LoadBalancedMongos if load_balanced else StreamingReplicaSet if streaming else ReplicaSet
    deployment = kind(members, auth=verifier)
    deployment.start()
    try:
        yield deployment
    finally:
        deployment.stop()
    errors = [error for member in deployment.members for error in member.errors]
    if errors:
        raise RuntimeError("test server errors:\n" + "\n".join(errors))


def function_environ(deployment: ReplicaSet, uri_options: str = "") -> dict[str, str]:
    """The function's environment: MONGODB_URI (plus options) and the role's credentials."""
    return {"MONGODB_URI": deployment.uri + uri_options, **MEASUREMENT_IDENTITY.environ()}


def lambda_environment(
    environ: Mapping[str, str],
    *,
    handler: str = "handler.handler",
    code_root: Path = FUNCTION_ROOT,
    extra_paths: Iterable[Path] = (),
    extra_environ: Mapping[str, str] | None = None,
    init_type: str = "on-demand",
) -> LambdaEnvironment:
    """An execution environment, not started yet (the caller decides when, and times it)."""
    return LambdaEnvironment(
        code_root,
        {**environ, **(extra_environ or {})},
        handler=handler,
        extra_paths=list(extra_paths),
        function_name=f"bench-{uuid.uuid4().hex[:8]}",
        init_type=init_type,
    )


def authentications(deployment: ReplicaSet) -> int:
    """SASL conversations the servers verified: on Atlas, one STS call each."""
    verifier = deployment.auth
    return len(verifier.attempts()) if verifier is not None else 0
