"""Failure catalog, the Lambda handler: issue 10, class 7 ("the handler classifies honestly").

The function runs under the real runtime client (awslambdaric) against the wire-protocol
test server (tests/harness/wire_server.py); each case asserts the HTTP status, the message
the caller sees and, for a misconfiguration, that the reason is in the function's log.
"""
# ruff: noqa: F811

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import Binary, Decimal128, Int64, ObjectId, json_util
from bson.binary import UuidRepresentation
from pymongo.errors import OperationFailure

from tests.function.backends import IDENTITY_A, WireServerBackend

# The Lambda fixtures live in tests/function/conftest.py; importing them here is how a module
# outside that folder uses them (F401/F811 are pytest's fixture-by-name mechanism).
from tests.function.conftest import (  # noqa: F401
    StartEnvironment,
    code_root,
    start_environment,
    wire_backend,
)
from tests.harness.events import http_event
from tests.harness.runtime_api import InvocationResult

NAMESPACE = "atlas_lambda.items"  # handler.FALLBACK_DATABASE . COLLECTION_NAME


def answer(result: InvocationResult) -> tuple[int, dict[str, Any]]:
    assert result.kind == "response", result.raw[:500]
    return result.payload["statusCode"], json.loads(result.payload["body"])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_integer_past_the_digit_limit_is_a_400(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    """CPython refuses int() of more than sys.get_int_max_str_digits() (4300) digits with a
    ValueError that is not a JSONDecodeError: the client's input, not a function fault."""
    env = start_environment(wire_backend.uri, wire_backend.environ)
    body = '{"name": "a", "quantity": ' + "7" * 5000 + "}"
    status, payload = answer(env.invoke(http_event("POST", "/items", body=body)))
    assert status == 400
    assert payload["error"]["message"] == "malformed JSON body: a number has more than 4300 digits"
    assert wire_backend.server.store.count(NAMESPACE) == 0


def test_documents_from_other_clients_are_relaxed_extended_json(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    """BSON types JSON lacks (bson/json_util.py `default`, RELAXED_JSON_OPTIONS)."""
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    tag = uuid.UUID("12345678-1234-5678-1234-567812345678")
    documents = [
        {"_id": ObjectId(), "name": when, "quantity": Decimal128("1.5")},
        {"_id": ObjectId(), "name": Binary(b"\x00\x01\x02", 5), "quantity": Int64(7)},
        {"_id": ObjectId(), "name": Binary.from_uuid(tag, UuidRepresentation.STANDARD),
         "quantity": 3},
    ]  # fmt: skip
    wire_backend.server.store.insert(NAMESPACE, documents)
    env = start_environment(wire_backend.uri, wire_backend.environ)

    status, payload = answer(env.invoke(http_event("GET", "/items")))
    assert status == 200, payload
    by_id = {item["id"]: item for item in payload["items"]}
    first = by_id[str(documents[0]["_id"])]
    assert first["name"] == {"$date": "2024-01-02T03:04:05Z"}
    assert first["quantity"] == {"$numberDecimal": "1.5"}
    second = by_id[str(documents[1]["_id"])]
    assert second["name"] == {"$binary": {"base64": "AAEC", "subType": "05"}}
    assert second["quantity"] == 7  # relaxed: an Int64 is a plain JSON number
    third = by_id[str(documents[2]["_id"])]
    expected = json.loads(json_util.dumps(documents[2]["name"],
                                          json_options=json_util.RELAXED_JSON_OPTIONS))  # fmt: skip
    assert third["name"] == expected

    status, payload = answer(env.invoke(http_event("GET", f"/items/{documents[0]['_id']}")))
    assert status == 200 and payload["name"] == {"$date": "2024-01-02T03:04:05Z"}


@pytest.mark.parametrize(
    ("uri_template", "environ", "reason"),
    [
        # pymongo/uri_parser: a plain ValueError, formerly an "internal error".
        ("mongodb://127.0.0.1:99999/{options}", {}, "Port must be an integer between 0 and 65535"),
        # pymongo/database.py _check_name: InvalidName, formerly a 503 "unavailable".
        ("{uri}", {"MONGODB_DATABASE": "bad db"}, "database names cannot contain"),
    ],
)
def test_misconfiguration_is_a_500_with_the_reason_in_the_log(
    wire_backend: WireServerBackend,
    start_environment: StartEnvironment,
    uri_template: str,
    environ: dict[str, str],
    reason: str,
) -> None:
    uri = uri_template.format(
        uri=wire_backend.uri, options="?authMechanism=MONGODB-AWS&authSource=%24external"
    )
    env = start_environment(uri, {**wire_backend.environ, **environ})
    status, payload = answer(env.invoke(http_event("GET", "/items"), 3000))
    assert status == 500
    assert payload["error"]["message"] == "function misconfigured; see the function's logs"
    log = env.log()
    assert "function misconfigured" in log and reason in log, log[-2000:]


def test_missing_aws_credentials_are_named(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    """No AWS_* keys: boto3 finds nothing (files and metadata service are off in the
    harness), pymongo-auth-aws raises, and the caller and the log are told so."""
    env = start_environment(wire_backend.uri, {})
    status, payload = answer(env.invoke(http_event("GET", "/health"), 3000))
    assert status == 500
    assert "no AWS credentials" in payload["error"]["message"]
    log = env.log()
    assert "no AWS credentials for MONGODB-AWS" in log and "AWS_ACCESS_KEY_ID" in log
    assert IDENTITY_A.secret_access_key not in log


def test_refused_connection_fails_fast(start_environment: StartEnvironment) -> None:
    """Nothing listens on the port: 503 in about REFUSED_PROBE_SECONDS, not after the
    server-selection timeout (5 s) or the invocation deadline (here 4.5 s usable)."""
    port = closed_port()
    uri = f"mongodb://127.0.0.1:{port}/?authMechanism=MONGODB-AWS&authSource=%24external"
    env = start_environment(uri, IDENTITY_A.environ())
    for _ in range(2):  # cold, then with the refusal already known
        started = time.monotonic()
        status, payload = answer(env.invoke(http_event("GET", "/health"), 5000))
        elapsed = time.monotonic() - started
        assert status == 503
        assert payload["error"]["message"] == "database refused the connection"
        assert elapsed < 2.5, elapsed
    assert f"connection refused by 127.0.0.1:{port}" in env.log()


@pytest.mark.parametrize(("code", "name"), [(13, "Unauthorized"), (73, "InvalidNamespace")])
def test_server_codes_that_mean_misconfiguration(monkeypatch, caplog, code, name) -> None:
    """In-process: the test server does not send these codes. Codes from the server's
    error_codes.yml (mongodb/mongo src/mongo/base/error_codes.yml)."""
    import handler

    def refuse(event: object, context: object) -> dict[str, Any]:
        raise OperationFailure(f"{name} by the server", code=code)

    monkeypatch.setattr(handler, "handle", refuse)
    response = handler.handler({}, None)
    assert response["statusCode"] == 500
    assert f"{name} ({code})" in caplog.text
