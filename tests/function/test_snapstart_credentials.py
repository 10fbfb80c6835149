"""SnapStart credentials: a restored environment signs MONGODB-AWS with the credentials of
its restore, not its snapshot's (real runtime client, test server only).

A SnapStart function has no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN; Lambda
sets AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN and the SDKs
fetch the role's credentials from that endpoint ("Activating and managing Lambda SnapStart",
"Using SnapStart with AWS SDKs"). pymongo (synchronous/auth_aws.py) turns caching on and
asks pymongo-auth-aws (auth.py ``aws_temp_credentials``), which returns its cached
credentials if it has any that do not expire within 60 s, else asks boto3's credential chain
(environment keys first, then, here, botocore's ContainerProvider) and caches what it got
when it is refreshable, which container credentials are. The harness serves that endpoint
(tests/harness/container_credentials.py) and holds the restore (``hold_restore``) so the
credentials can be rotated between snapshot and restore; the wire server verifies every
SigV4 signature against the keys it currently accepts, so the key a connection signed with
is seen server-side.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.function.backends import IDENTITY_A, IDENTITY_B
from tests.harness.aws_auth import AuthAttempt, AwsAuthVerifier
from tests.harness.container_credentials import ContainerCredentialsEndpoint
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.wire_server import POOL, WireServer

PROBES = Path(__file__).resolve().parents[1] / "harness" / "probes"
HANDLER = "snapstart_credentials_probe.handler"
REPORT = "__probe_report__"  # snapstart_credentials_probe.REPORT (runs in the environment)
PRIME = {"PRIME_AT_INIT": "1"}
KEEP_CACHED = {"PRIME_AT_INIT": "1", "KEEP_CACHED_CREDENTIALS": "1"}
WAIT_SECONDS = 10.0


class SnapStartSetup:
    """A wire server requiring MONGODB-AWS, the credentials endpoint serving IDENTITY_A,
    and a SnapStart environment whose restore waits for the test."""

    def __init__(self, code_root: Path) -> None:
        self.code_root = code_root
        self.verifier = AwsAuthVerifier([IDENTITY_A])
        self.server = WireServer(auth=self.verifier).start()
        self.endpoint = ContainerCredentialsEndpoint(IDENTITY_A).start()
        self.envs: list[LambdaEnvironment] = []

    def launch(self, probe_environ: Mapping[str, str] | None = None) -> LambdaEnvironment:
        env = LambdaEnvironment(
            self.code_root,
            {"MONGODB_URI": self.server.uri, **self.endpoint.environ(), **(probe_environ or {})},
            handler=HANDLER,
            extra_paths=[PROBES],
            function_name=f"snapstart-{uuid.uuid4().hex[:8]}",
            init_type="snap-start",
            hold_restore=True,
        )
        self.envs.append(env)
        return env.launch()

    def rotate(self) -> None:
        """The role's credentials change: the endpoint hands out B, A is no longer valid."""
        self.endpoint.serve(IDENTITY_B)
        self.verifier.allow(IDENTITY_B)
        self.verifier.revoke(IDENTITY_A.access_key_id)

    def open_connections(self) -> int:
        """Open connections once the server has seen every close the client made."""
        give_up = time.monotonic() + WAIT_SECONDS
        while self.server.stats().open and time.monotonic() < give_up:
            time.sleep(0.05)
        return self.server.stats().open

    def close(self) -> None:
        for env in self.envs:
            env.close()
        self.endpoint.stop()
        self.server.stop()
        assert not self.server.errors, "test server errors:\n" + "\n".join(self.server.errors)


@pytest.fixture
def setup(code_root: Path) -> Iterator[SnapStartSetup]:
    chosen = SnapStartSetup(code_root)
    yield chosen
    chosen.close()


def invoke_items(env: LambdaEnvironment) -> tuple[int, str]:
    """(status, error message or "") of GET /items."""
    result = env.invoke(http_event("GET", "/items"), 3000)
    assert result.kind == "response", result.raw[:500]
    body = json.loads(result.payload["body"])
    return result.payload["statusCode"], body.get("error", {}).get("message", "")


def report(env: LambdaEnvironment) -> dict[str, Any]:
    result = env.invoke({REPORT: True})
    assert result.kind == "response", result.raw[:500]
    return result.payload


def keys(attempts: list[AuthAttempt]) -> list[tuple[str | None, bool]]:
    return [(a.access_key_id, a.ok) for a in attempts]


def snapshot_then_restore_rotated(
    setup: SnapStartSetup, env: LambdaEnvironment
) -> tuple[int, int, int]:
    """Snapshot, rotate, restore. Returns (auth attempts, endpoint fetches, open
    connections) at the snapshot point."""
    env.snapshot()  # init done, before-snapshot hooks run, process frozen
    at_snapshot = (
        len(setup.verifier.attempts()),
        len(setup.endpoint.requests()),
        setup.open_connections(),
    )
    setup.rotate()
    setup.server.hang_up()  # a restored environment has none of the snapshot's sockets
    env.restore()  # thawed, after-restore hooks run, polling for work
    return at_snapshot


def test_restore_signs_with_the_credentials_served_after_it(
    setup: SnapStartSetup, record_property: Callable[[str, object], None]
) -> None:
    """The function as it ships: init takes nothing into the snapshot (no credential
    fetched, no connection), and the first invocation after the restore signs with B."""
    env = setup.launch()
    at_snapshot = snapshot_then_restore_rotated(setup, env)
    assert at_snapshot == (0, 0, 0)

    assert invoke_items(env)[0] == 200
    attempts = setup.verifier.attempts()
    fetched = setup.endpoint.requests()
    record_property("auth_attempts_after_restore", keys(attempts))
    record_property("credential_fetches_after_restore", [r.served for r in fetched])
    assert keys(attempts) == [(IDENTITY_B.access_key_id, True)]
    assert attempts[0].session_token == IDENTITY_B.session_token
    assert [(r.authorized, r.served) for r in fetched] == [(True, IDENTITY_B.access_key_id)]
    pooled = [r for r in setup.server.connections() if r.kind == POOL]
    assert [r.authenticated_as for r in pooled] == [IDENTITY_B.access_key_id]
    assert report(env) == {
        "clients_created": 1,
        "restores": 1,
        "cached_access_key": IDENTITY_B.access_key_id,  # cached: it came from the endpoint
        "static_keys": False,
    }


def test_credentials_primed_into_the_snapshot_are_dropped_by_the_hooks(
    setup: SnapStartSetup, record_property: Callable[[str, object], None]
) -> None:
    """Init pings the database (priming): A is fetched, cached and used before the snapshot.
    The before-snapshot hook closes the client and drops the cached credentials, so the
    snapshot holds neither, and the restored environment fetches and signs with B."""
    env = setup.launch(PRIME)
    at_snapshot = snapshot_then_restore_rotated(setup, env)
    attempts_before, fetches_before, open_at_snapshot = at_snapshot
    assert keys(setup.verifier.attempts()) == [(IDENTITY_A.access_key_id, True)]
    assert (attempts_before, fetches_before, open_at_snapshot) == (1, 1, 0)

    assert invoke_items(env)[0] == 200
    after = setup.verifier.attempts()[attempts_before:]
    fetched = setup.endpoint.requests()[fetches_before:]
    record_property("auth_attempts_after_restore", keys(after))
    assert keys(after) == [(IDENTITY_B.access_key_id, True)]
    assert [r.served for r in fetched] == [IDENTITY_B.access_key_id]
    assert report(env)["cached_access_key"] == IDENTITY_B.access_key_id


def test_control_without_the_credential_reset_the_snapshot_s_key_is_used(
    setup: SnapStartSetup, record_property: Callable[[str, object], None]
) -> None:
    """The test above can fail: with the hooks' credential reset disabled (the client is
    still closed), the restored environment signs its new connection with A from
    pymongo-auth-aws's cache, without asking the endpoint, and is refused. pymongo drops
    the cache on that failure and the function discards its client, so the next invocation
    fetches B and succeeds."""
    env = setup.launch(KEEP_CACHED)
    attempts_before, fetches_before, open_at_snapshot = snapshot_then_restore_rotated(setup, env)
    assert (attempts_before, fetches_before, open_at_snapshot) == (1, 1, 0)
    assert report(env)["cached_access_key"] == IDENTITY_A.access_key_id  # survived the restore

    assert invoke_items(env) == (503, "database authentication failed")
    assert keys(setup.verifier.attempts()[attempts_before:]) == [(IDENTITY_A.access_key_id, False)]
    assert setup.endpoint.requests()[fetches_before:] == []

    assert invoke_items(env)[0] == 200
    after = setup.verifier.attempts()[attempts_before:]
    record_property("auth_attempts_after_restore", keys(after))
    assert keys(after) == [(IDENTITY_A.access_key_id, False), (IDENTITY_B.access_key_id, True)]
    assert [r.served for r in setup.endpoint.requests()[fetches_before:]] == [
        IDENTITY_B.access_key_id
    ]
