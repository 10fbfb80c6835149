"""MONGODB-AWS end to end, under the real runtime client (test server only).

The test server plays Atlas's side of the SASL conversation and checks each SigV4 signature
with botocore and the credentials it knows, session token included. Rotation is done in
the live process through the ``platform_hooks`` shim, as the platform would.
"""

from __future__ import annotations

import json

from tests.function.backends import IDENTITY_A, IDENTITY_B, WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.aws_auth import AwsIdentity
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.wire_server import POOL

HOOKED = "platform_hooks.handler"  # see tests/function/shims/platform_hooks.py
SET_ENVIRON = "__test_set_environ__"
CLIENTS = "__test_clients__"


def health(env: LambdaEnvironment) -> tuple[int, str]:
    result = env.invoke(http_event("GET", "/items"), 2000)
    assert result.kind == "response", result.raw[:500]
    body = json.loads(result.payload["body"])
    return result.payload["statusCode"], body.get("error", {}).get("message", "")


def rotate(env: LambdaEnvironment, identity: AwsIdentity) -> None:
    result = env.invoke({SET_ENVIRON: identity.environ()})
    assert result.kind == "response", result.raw[:500]


def clients(env: LambdaEnvironment) -> tuple[bool, int]:
    """(a client is cached now, clients the process has built so far)."""
    result = env.invoke({CLIENTS: True})
    assert result.kind == "response", result.raw[:500]
    return result.payload["cached"], result.payload["created"]


def test_signature_and_session_token_are_verified(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ)
    assert health(env)[0] == 200
    attempts = wire_backend.verifier.attempts()
    assert len(attempts) == 1  # one pooled connection, authenticated once
    assert attempts[0].ok and attempts[0].reason == "signature verified"
    assert attempts[0].access_key_id == IDENTITY_A.access_key_id
    assert attempts[0].session_token == IDENTITY_A.session_token
    pooled = [r for r in wire_backend.server.connections() if r.kind == POOL]
    assert [r.authenticated_as for r in pooled] == [IDENTITY_A.access_key_id]


def test_wrong_secret_is_refused_with_503(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    forged = AwsIdentity(IDENTITY_A.access_key_id, "not-the-secret", IDENTITY_A.session_token)
    env = start_environment(wire_backend.uri, forged.environ())
    assert health(env) == (503, "database authentication failed")
    last = wire_backend.verifier.attempts()[-1]
    assert (last.ok, last.reason) == (False, "signature does not match")


def test_wrong_session_token_is_refused_with_503(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    forged = AwsIdentity(IDENTITY_A.access_key_id, IDENTITY_A.secret_access_key, "stolen")
    env = start_environment(wire_backend.uri, forged.environ())
    assert health(env) == (503, "database authentication failed")
    last = wire_backend.verifier.attempts()[-1]
    assert (last.ok, last.reason) == (False, "session token does not match the access key")


def test_rotated_credentials_sign_the_next_new_connection(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ, handler=HOOKED)
    assert health(env)[0] == 200
    assert clients(env) == (True, 1)

    rotate(env, IDENTITY_B)
    wire_backend.verifier.allow(IDENTITY_B)
    wire_backend.verifier.revoke(IDENTITY_A.access_key_id)  # old credentials now fail
    assert wire_backend.server.hang_up(POOL) == 1  # force a new pooled connection

    assert health(env)[0] == 200
    last = wire_backend.verifier.attempts()[-1]
    assert last.ok
    assert (last.access_key_id, last.session_token) == (
        IDENTITY_B.access_key_id,
        IDENTITY_B.session_token,
    )
    # Credentials are re-read per connection: the same client carried on.
    assert clients(env) == (True, 1)


def test_authentication_failure_discards_the_client(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(wire_backend.uri, wire_backend.environ, handler=HOOKED)
    assert health(env)[0] == 200
    assert clients(env) == (True, 1)
    wire_backend.verifier.revoke(IDENTITY_A.access_key_id)
    wire_backend.server.hang_up(POOL)

    assert health(env) == (503, "database authentication failed")
    assert clients(env) == (False, 1)  # discarded: the next invocation builds a new one

    rotate(env, IDENTITY_B)
    wire_backend.verifier.allow(IDENTITY_B)
    assert health(env)[0] == 200
    assert clients(env) == (True, 2)
    # The discarded client was closed: one monitor and one pooled connection remain open.
    stats = wire_backend.server.stats()
    assert (stats.open_monitor, stats.open_pool) == (1, 1)
