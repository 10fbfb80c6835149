"""Stored data other clients wrote, and replies a correct server would not send, under the real
runtime client (issue 17, hostile findings: each of these answered 500 "internal error").

Data the driver can represent is answered: a date past year 9999 (as Extended JSON's
``$numberLong`` form) and bytes that are not UTF-8 (each bad byte as U+FFFD). A reply the
function cannot use (truncated BSON, a find reply without its cursor, garbage in the
MONGODB-AWS conversation) answers 502 with a stable body, and one log line names the cause:
no traceback, no credential. The same environment answers 200 once the server behaves.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterator
from typing import Any

import bson
import pytest

from tests.function.backends import IDENTITY_A
from tests.function.conftest import StartEnvironment
from tests.harness.aws_auth import AwsAuthVerifier
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.runtime_api import InvocationResult
from tests.harness.tampering import TamperingWireServer

NAMESPACE = "atlas_lambda.items"  # handler.FALLBACK_DATABASE + COLLECTION_NAME
PLACEHOLDER = b"PLACEHOLDER"
NOT_UTF8 = b"caf\xe9-\xff\xfe-bad"  # as many bytes as PLACEHOLDER: the BSON stays well formed
UNREADABLE = {"error": {"status": 502, "message": "database sent a reply the function cannot read"}}
BAD_AUTH = {"error": {"status": 502, "message": "database sent an invalid authentication reply"}}


@pytest.fixture
def server() -> Iterator[TamperingWireServer]:
    started = TamperingWireServer(auth=AwsAuthVerifier([IDENTITY_A])).start()
    yield started
    started.stop()
    assert not started.errors, "\n".join(started.errors)


@pytest.fixture
def env(server: TamperingWireServer, start_environment: StartEnvironment) -> LambdaEnvironment:
    return start_environment(server.uri, IDENTITY_A.environ())


def answer(result: InvocationResult) -> tuple[int, Any]:
    assert result.kind == "response", result.raw[:500]
    return result.payload["statusCode"], json.loads(result.payload["body"])


def stored(server: TamperingWireServer, **fields: Any) -> str:
    """Store an item as another client would (no validation by the function); its id."""
    item_id = bson.ObjectId()
    server.store.insert(NAMESPACE, [{"_id": item_id, "quantity": 1, **fields}])
    return str(item_id)


def get(env: LambdaEnvironment, path: str) -> tuple[int, Any]:
    return answer(env.invoke(http_event("GET", path)))


def assert_logged_without_traceback(env: LambdaEnvironment, *needles: str) -> None:
    log = env.log()
    for needle in needles:
        assert needle in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "internal error" not in log
    assert IDENTITY_A.secret_access_key not in log
    assert IDENTITY_A.session_token not in log


# --- data the driver can represent is answered -------------------------------------------


def test_a_date_past_year_9999_is_answered(server: TamperingWireServer, env: LambdaEnvironment):
    # JavaScript's largest Date (8.64e15 ms, year 275760), a common "never" sentinel.
    millis = 8_640_000_000_000_000
    item_id = stored(server, name=bson.DatetimeMS(millis))
    status, item = get(env, f"/items/{item_id}")
    assert status == 200
    assert item["name"] == {"$date": {"$numberLong": str(millis)}}
    status, listed = get(env, "/items")
    assert status == 200 and listed["items"][0]["name"] == item["name"]


def test_a_date_in_range_is_still_a_date(server: TamperingWireServer, env: LambdaEnvironment):
    item_id = stored(server, name=bson.DatetimeMS(0))
    assert get(env, f"/items/{item_id}") == (
        200, {"id": item_id, "name": {"$date": "1970-01-01T00:00:00Z"}, "quantity": 1}
    )  # fmt: skip


def test_bytes_that_are_not_utf8_become_replacement_characters(
    server: TamperingWireServer, env: LambdaEnvironment
) -> None:
    """The server does not validate UTF-8: another client's bytes come back as they are."""
    item_id = stored(server, name=PLACEHOLDER.decode())
    server.tamper("find", lambda reply: bson.encode(reply).replace(PLACEHOLDER, NOT_UTF8))
    status, item = get(env, f"/items/{item_id}")
    assert status == 200
    assert item["name"] == "caf\ufffd-\ufffd\ufffd-bad"
    assert NOT_UTF8.decode("utf-8", "replace") == item["name"]
    status, listed = get(env, "/items")
    assert status == 200 and listed["items"][0]["name"] == item["name"]


# --- replies the function cannot use: 502, the cause in one log line ----------------------


def truncated(reply: dict[str, Any]) -> bytes:
    """The reply's BSON cut short, its length prefix fixed up: the frame is consistent, the
    document ends mid-element."""
    raw = bson.encode(reply)[:-9]
    return struct.pack("<i", len(raw)) + raw[4:]


def truncated_frame(reply: dict[str, Any]) -> bytes:
    """The reply's BSON cut short without fixing its length: trailing bytes are missing."""
    return bson.encode(reply)[:-7]


REPLY_FAULTS: dict[str, tuple[str, Callable[[dict[str, Any]], Any], str]] = {
    "truncated BSON": ("find", truncated, "invalid BSON"),
    "truncated frame": ("find", truncated_frame, "wire protocol violation"),
    "no cursor": ("find", lambda reply: {"ok": 1}, "KeyError 'cursor'"),
    "cursor of the wrong type": ("find", lambda reply: {"ok": 1, "cursor": 5}, "TypeError"),
    "no firstBatch": ("find", lambda reply: {"ok": 1, "cursor": {"id": 0}}, "'firstBatch'"),
    "a batch of numbers": (
        "find",
        lambda reply: {"ok": 1, "cursor": {"id": 0, "ns": NAMESPACE, "firstBatch": [5]}},
        "an item is not a document with an _id",
    ),
    "error reply without errmsg": ("ping", lambda reply: {"ok": 0}, "KeyError 'errmsg'"),
}


@pytest.mark.parametrize("fault", sorted(REPLY_FAULTS))
def test_an_unreadable_reply_answers_502_and_logs_its_cause(
    fault: str, server: TamperingWireServer, env: LambdaEnvironment
) -> None:
    command, rewrite, cause = REPLY_FAULTS[fault]
    item_id = stored(server, name="fine")
    path = "/health" if command == "ping" else f"/items/{item_id}"
    assert get(env, path)[0] == 200
    server.tamper(command, rewrite)

    assert get(env, path) == (502, UNREADABLE)
    if command == "find":
        assert get(env, "/items") == (502, UNREADABLE)
    assert_logged_without_traceback(env, f"{UNREADABLE['error']['message']}: ", cause)

    server.untamper()
    assert get(env, path)[0] == 200  # the same client goes on


def sasl_payload(payload: bytes) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda reply: {**reply, "payload": bson.Binary(payload)}


SASL_FAULTS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "random bytes": (sasl_payload(b"\x13\x37garbage" * 5), "invalid BSON"),
    "BSON without the nonce": (sasl_payload(bson.encode({"x": 1})), "KeyError 's'"),
    "no payload": (lambda r: {k: v for k, v in r.items() if k != "payload"}, "'payload'"),
    "a short nonce": (
        sasl_payload(bson.encode({"s": bson.Binary(b"abc"), "h": "sts.amazonaws.com"})),
        "invalid nonce",
    ),
    "truncated frame": (truncated_frame, "wire protocol violation"),
}


@pytest.mark.parametrize("fault", sorted(SASL_FAULTS))
def test_a_garbage_sasl_reply_answers_502_and_logs_its_cause(
    fault: str, server: TamperingWireServer, env: LambdaEnvironment
) -> None:
    rewrite, cause = SASL_FAULTS[fault]
    server.tamper("saslStart", rewrite)

    assert get(env, "/health") == (502, BAD_AUTH)
    assert_logged_without_traceback(env, f"{BAD_AUTH['error']['message']}: ", cause)

    server.untamper()
    assert get(env, "/health")[0] == 200
    assert server.stats().accepted_monitor == 1  # one client throughout


def test_a_bug_in_the_function_is_still_an_internal_error(monkeypatch, caplog) -> None:
    """The same exception types from the function's own code are not blamed on the database."""
    import handler

    def broken(event: object, context: object) -> dict[str, Any]:
        return {}["missing"]

    monkeypatch.setattr(handler, "handle", broken)
    response = handler.handler({}, None)
    assert response["statusCode"] == 500
    assert json.loads(response["body"])["error"]["message"] == "internal error"
    assert "Traceback" in caplog.text  # the operator gets the traceback for a real bug


def test_the_uri_can_restore_strict_decoding() -> None:
    """The decoding defaults are defaults: an option in MONGODB_URI wins, as for the others."""
    from atlas_lambda.client import client_options

    uri = "mongodb://127.0.0.1:9/?unicode_decode_error_handler=strict"
    options = client_options(uri)
    assert "unicode_decode_error_handler" not in options
    assert options["datetime_conversion"] == "DATETIME_AUTO"
