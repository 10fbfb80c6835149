"""The sample handler's HTTP behaviour under the real runtime client.

Runs on the wire-protocol test server, and on a real MongoDB when MONGODB_URI is set. One
environment per module and backend: these are many cheap invocations of one process.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.runtime_api import InvocationResult

MAX_BODY = 16 * 1024  # atlas_lambda.http.DEFAULT_MAX_BODY_BYTES
MISSING_ID = "0123456789abcdef01234567"


@pytest.fixture(scope="module")
def env(module_backend: Any, start_module_environment: StartEnvironment) -> LambdaEnvironment:
    return start_module_environment(module_backend.uri, module_backend.environ)


def response(result: InvocationResult) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, decoded JSON body, headers) of a well-formed handler response."""
    assert result.kind == "response", f"runtime reported an error: {result.raw[:500]!r}"
    payload = result.payload
    assert isinstance(payload, dict)
    assert set(payload) == {"statusCode", "headers", "body", "isBase64Encoded"}
    assert isinstance(payload["statusCode"], int) and 200 <= payload["statusCode"] <= 599
    assert payload["headers"]["content-type"] == "application/json"
    assert payload["isBase64Encoded"] is False
    body = json.loads(payload["body"])
    assert isinstance(body, dict)
    if payload["statusCode"] >= 400:
        assert body["error"]["status"] == payload["statusCode"]
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return payload["statusCode"], body, payload["headers"]


def call(env: LambdaEnvironment, event: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    return response(env.invoke(event))


# --- the routes --------------------------------------------------------------------------


def test_health(env: LambdaEnvironment) -> None:
    assert call(env, http_event("GET", "/health"))[:2] == (200, {"status": "ok"})


def test_create_read_and_list_items(env: LambdaEnvironment) -> None:
    status, created, headers = call(
        env, http_event("POST", "/items", json_body={"name": "widget", "quantity": 3})
    )
    assert status == 201
    assert headers["location"] == f"/items/{created['id']}"

    status, item, _ = call(env, http_event("GET", f"/items/{created['id']}"))
    assert (status, item) == (200, {"id": created["id"], "name": "widget", "quantity": 3})

    for n in range(3):
        call(env, http_event("POST", "/items", json_body={"name": f"n{n}", "quantity": n}))
    status, listed, _ = call(env, http_event("GET", "/items", query={"limit": "2"}))
    assert status == 200 and listed["limit"] == 2
    assert [i["name"] for i in listed["items"]] == ["n2", "n1"]  # newest first, bounded


def test_base64_body_is_accepted(env: LambdaEnvironment) -> None:
    event = http_event("POST", "/items", json_body={"name": "b64", "quantity": 1}, base64_body=True)
    assert call(env, event)[0] == 201


def test_missing_item_is_404(env: LambdaEnvironment) -> None:
    status, body, _ = call(env, http_event("GET", f"/items/{MISSING_ID}"))
    assert status == 404 and MISSING_ID in body["error"]["message"]


# --- every bad input gets its 4xx, naming the problem --------------------------------------


def _post(body: str | bytes, *, base64_body: bool = False) -> dict[str, Any]:
    return http_event("POST", "/items", body=body, base64_body=base64_body)


def _item(**fields: Any) -> dict[str, Any]:
    return http_event("POST", "/items", json_body=fields)


BAD_INPUT = [
    ("malformed JSON", _post("{not json"), 400, "malformed JSON"),
    ("JSON not an object", _post("[1, 2]"), 400, "must be a JSON object"),
    ("empty body", _post(""), 400, "empty"),
    ("missing name", _item(quantity=1), 400, "missing field 'name'"),
    ("missing quantity", _item(name="a"), 400, "missing field 'quantity'"),
    ("name not a string", _item(name=5, quantity=1), 400, "field 'name'"),
    ("name empty", _item(name="", quantity=1), 400, "field 'name'"),
    ("name too long", _item(name="x" * 201, quantity=1), 400, "field 'name'"),
    ("name a lone surrogate", _post('{"name": "\\ud800", "quantity": 1}'), 400, "Unicode"),
    ("quantity a string", _item(name="a", quantity="3"), 400, "'quantity' must be an integer"),
    ("quantity a bool", _item(name="a", quantity=True), 400, "'quantity' must be an integer"),
    ("quantity a float", _item(name="a", quantity=1.5), 400, "'quantity' must be an integer"),
    ("quantity negative", _item(name="a", quantity=-1), 400, "'quantity' must be between"),
    ("quantity too large", _item(name="a", quantity=10**7), 400, "'quantity' must be between"),
    ("unexpected field", _item(name="a", quantity=1, color="red"), 400, "unexpected field"),
    ("oversized body", _post("x" * (MAX_BODY + 1)), 413, "exceeds"),
    ("oversized base64 body", _post(b"x" * (MAX_BODY + 1), base64_body=True), 413, "exceeds"),
    ("invalid base64", {**_post("@@@"), "isBase64Encoded": True}, 400, "base64"),
    ("invalid UTF-8", _post(b"\xff\xfe", base64_body=True), 400, "UTF-8"),
    ("invalid id", http_event("GET", "/items/nope"), 400, "invalid item id"),
    ("non-hex id", http_event("GET", "/items/" + "z" * 24), 400, "invalid item id"),
    ("limit zero", http_event("GET", "/items", query={"limit": "0"}), 400, "'limit'"),
    ("limit too large", http_event("GET", "/items", query={"limit": "101"}), 400, "'limit'"),
    ("limit not a number", http_event("GET", "/items", query={"limit": "ten"}), 400, "'limit'"),
    ("limit negative", http_event("GET", "/items", query={"limit": "-1"}), 400, "'limit'"),
    ("unknown route", http_event("GET", "/nope"), 404, "no route"),
    ("unknown nested route", http_event("GET", "/items/a/b"), 404, "no route"),
    ("unknown method", http_event("DELETE", "/items"), 405, "not allowed"),
    ("wrong method on health", http_event("POST", "/health"), 405, "not allowed"),
    ("event not an object", ["not", "an", "event"], 400, "not an HTTP request"),
    ("event empty", {}, 400, "not an HTTP request"),
    (
        "event of format 1.0",
        {**http_event("GET", "/health"), "version": "1.0"},
        400,
        "not an HTTP request",
    ),
    (
        "query not strings",
        {**http_event("GET", "/items"), "queryStringParameters": {"a": 1}},
        400,
        "queryStringParameters",
    ),
]


@pytest.mark.parametrize(
    ("event", "expected_status", "problem"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_gets_its_4xx(
    env: LambdaEnvironment, event: Any, expected_status: int, problem: str
) -> None:
    status, body, headers = call(env, event)
    assert status == expected_status
    assert problem in body["error"]["message"]
    if status == 405:
        assert headers["allow"]


def test_no_time_left_gives_503_without_calling_the_database(env: LambdaEnvironment) -> None:
    status, body, _ = response(env.invoke(http_event("GET", "/health"), timeout_ms=300))
    assert status == 503 and "deadline" in body["error"]["message"]


# --- properties ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]) | st.text(max_size=8)
paths = (
    st.sampled_from(["/health", "/items", "/items/", "/"])
    | st.builds(lambda tail: "/items/" + tail, st.text(max_size=30))
    | st.text(max_size=30)
)
item_ids = st.from_regex(r"\A[0-9a-f]{24}\Z") | st.text(max_size=30)
routes = st.sampled_from([("GET", "/health"), ("GET", "/items"), ("POST", "/items")]) | (
    st.tuples(st.just("GET"), st.builds(lambda i: "/items/" + i, item_ids))
)
bodies = st.none() | st.text(max_size=300) | st.builds(json.dumps, json_values)


@st.composite
def http_events(draw: st.DrawFn) -> dict[str, Any]:
    """HTTP-shaped events with random methods, paths, queries, bodies and encodings."""
    method, path = draw(routes | st.tuples(methods, paths))
    event = http_event(method, path)
    body = draw(bodies)
    if body is not None:
        if draw(st.booleans()):
            body = base64.b64encode(body.encode("utf-8", "surrogatepass")).decode()
            event["isBase64Encoded"] = True
        event["body"] = body
    if draw(st.booleans()):
        event["queryStringParameters"] = draw(
            st.dictionaries(st.sampled_from(["limit", "x"]), st.text(max_size=6), max_size=2)
        )
    for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=2)):
        event[key] = draw(json_values)  # and sometimes a field of the wrong type
    return event


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(event=json_values | http_events())
def test_any_event_gets_a_well_formed_response(env: LambdaEnvironment, event: Any) -> None:
    status, _, _ = response(env.invoke(event))
    hypothesis.event(f"status {status}")
    assert status < 500  # with the database up, nothing a caller sends is a server error


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.text(min_size=1, max_size=200),  # hypothesis text is valid UTF-8 by default
    quantity=st.integers(0, 1_000_000),
)
def test_valid_items_round_trip(env: LambdaEnvironment, name: str, quantity: int) -> None:
    status, created, _ = call(
        env, http_event("POST", "/items", json_body={"name": name, "quantity": quantity})
    )
    assert status == 201
    status, item, _ = call(env, http_event("GET", f"/items/{created['id']}"))
    assert (status, item["name"], item["quantity"]) == (200, name, quantity)


# --- misconfiguration: a 500, the problem named in the logs, the environment keeps answering --


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("mongodb://user:hunter2@127.0.0.1:9/", "carries a user name or password"),
        ("", "MONGODB_URI is not set"),
        (
            "mongodb://127.0.0.1:9/?authMechanism=MONGODB-AWS&authSource=admin",
            "authentication source must be $external",
        ),
    ],
)
def test_misconfigured_uri_is_a_500_and_the_log_names_the_problem(
    start_environment: StartEnvironment, uri: str, problem: str
) -> None:
    env = start_environment(uri)
    for _ in range(2):
        status, body, _ = call(env, http_event("GET", "/health"))
        assert (status, body["error"]["message"]) == (
            500,
            "function misconfigured; see the function's logs",
        )
    log = env.log()
    assert problem in log
    assert "hunter2" not in log
