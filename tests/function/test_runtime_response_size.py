"""No response exceeds what Lambda lets a synchronous invocation answer (6 MB), whatever other
clients stored (issue 17, hostile finding: GET /items answered 200 with an 8 MB body).

Sizes are those of the bytes the real runtime client posted (``InvocationResult.raw``), so
the escaping of the body inside the invocation response counts as Lambda counts it.
"""

from __future__ import annotations

import json
from typing import Any

import bson
import pytest
from atlas_lambda.http import MAX_RESPONSE_BYTES, response_bytes

from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.harness.runtime_api import InvocationResult

NAMESPACE = "atlas_lambda.items"  # handler.FALLBACK_DATABASE + COLLECTION_NAME


def store(backend: WireServerBackend, names: list[str]) -> list[str]:
    """Store items as another client would (no 200-character limit); ids, newest first."""
    ids = [bson.ObjectId() for _ in names]  # increasing: the last one is the newest
    backend.server.store.insert(
        NAMESPACE, [{"_id": i, "name": n, "quantity": 1} for i, n in zip(ids, names, strict=True)]
    )
    return [str(i) for i in reversed(ids)]


def answer(result: InvocationResult) -> tuple[int, dict[str, Any]]:
    assert result.kind == "response", result.raw[:300]
    assert len(result.raw) <= MAX_RESPONSE_BYTES, len(result.raw)
    return result.payload["statusCode"], json.loads(result.payload["body"])


def list_all(env: LambdaEnvironment, limit: int) -> tuple[list[str], list[int]]:
    """Follow "next" from the first page to the last: every id, and each page's size."""
    ids: list[str] = []
    sizes: list[int] = []
    path, query = "/items", {"limit": str(limit)}
    while True:
        result = env.invoke(http_event("GET", path, query=query), 10_000)
        status, page = answer(result)
        assert status == 200, page
        sizes.append(len(result.raw))
        ids += [item["id"] for item in page["items"]]
        if "next" not in page:
            return ids, sizes
        path, _, raw_query = page["next"].partition("?")
        query = dict(part.split("=") for part in raw_query.split("&"))


@pytest.fixture
def env(wire_backend: WireServerBackend, start_environment: StartEnvironment) -> LambdaEnvironment:
    return start_environment(wire_backend.uri, wire_backend.environ)


def test_a_list_of_8_mb_is_cut_to_what_fits_and_goes_on_with_next(
    wire_backend: WireServerBackend, env: LambdaEnvironment
) -> None:
    stored = store(wire_backend, ["x" * 80_000 for _ in range(100)])  # 100 x 80 KB = 8 MB

    result = env.invoke(http_event("GET", "/items", query={"limit": "100"}), 10_000)
    status, page = answer(result)
    assert status == 200
    assert 0 < len(page["items"]) < 100
    # Tight: one more item (about 80 KB in the response) would not have fitted.
    assert len(result.raw) > MAX_RESPONSE_BYTES - 80_100
    assert page["next"] == f"/items?before={page['items'][-1]['id']}&limit=100"

    ids, sizes = list_all(env, 100)
    assert ids == stored  # every item once, newest first
    assert len(sizes) == 2


def test_escaping_is_counted_not_documents(
    wire_backend: WireServerBackend, env: LambdaEnvironment
) -> None:
    """A '"' costs 4 bytes in the posted response ('\\\\\\"'): 40 KB names of quotes and
    backslashes are 160 KB each there, so fewer of them fit than their stored size says."""
    stored = store(wire_backend, ['"\\' * 20_000 for _ in range(60)])  # 2.4 MB stored
    result = env.invoke(http_event("GET", "/items", query={"limit": "100"}), 10_000)
    status, page = answer(result)
    assert status == 200
    assert 30 <= len(page["items"]) < 60  # about 160 KB each: 39 fit in 6 MB
    assert len(result.raw) > MAX_RESPONSE_BYTES - 160_100
    assert list_all(env, 100)[0] == stored


def test_small_pages_are_unchanged_and_say_when_there_may_be_more(
    wire_backend: WireServerBackend, env: LambdaEnvironment
) -> None:
    stored = store(wire_backend, ["a", "b", "c"])
    status, page = answer(env.invoke(http_event("GET", "/items")))
    assert status == 200 and "next" not in page  # fewer than the limit: nothing more
    assert [item["id"] for item in page["items"]] == stored

    status, page = answer(env.invoke(http_event("GET", "/items", query={"limit": "2"})))
    assert page["next"] == f"/items?before={stored[1]}&limit=2"  # a full page: maybe more
    assert list_all(env, 2)[0] == stored


def test_an_item_too_large_for_any_response_is_a_413_naming_it(
    wire_backend: WireServerBackend, env: LambdaEnvironment
) -> None:
    huge, small = store(wire_backend, ["small", "y" * 7_000_000])  # the huge one is newest

    status, error = answer(env.invoke(http_event("GET", f"/items/{huge}"), 10_000))
    assert status == 413
    message = error["error"]["message"]
    assert huge in message and str(MAX_RESPONSE_BYTES) in message

    status, error = answer(env.invoke(http_event("GET", "/items"), 10_000))
    assert status == 413
    assert f"?before={huge}" in error["error"]["message"]  # how to list past it

    status, page = answer(env.invoke(http_event("GET", "/items", query={"before": huge}), 10_000))
    assert status == 200 and [item["id"] for item in page["items"]] == [small]
    assert answer(env.invoke(http_event("GET", f"/items/{small}")))[0] == 200


@pytest.mark.parametrize("before", ["", "nope", "0" * 23, "g" * 24])
def test_a_bad_before_is_a_400(env: LambdaEnvironment, before: str) -> None:
    status, error = answer(env.invoke(http_event("GET", "/items", query={"before": before})))
    assert status == 400 and "'before'" in error["error"]["message"]


@pytest.mark.parametrize("execution_env", ["AWS_Lambda_python3.13", "AWS_Lambda_python3.11"])
@pytest.mark.parametrize(
    "body", ['{"a": "\\"\\\\ plain"}', "line\nbreak\ttab", "caf\u00e9 \U0001f600", "x" * 1000]
)
def test_response_bytes_is_what_the_runtime_client_posts(
    monkeypatch: pytest.MonkeyPatch, execution_env: str, body: str
) -> None:
    """Exact for the printable ASCII bodies the handler builds, never less for other text,
    with either of the runtime client's encodings (ensure_ascii off from python3.12)."""
    from awslambdaric.lambda_runtime_marshaller import to_json

    monkeypatch.setenv("AWS_EXECUTION_ENV", execution_env)
    response = {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "location": "/items/x"},
        "body": body,
        "isBase64Encoded": False,
    }
    posted = len(to_json(response).encode())
    if body.isascii() and body.isprintable():
        assert response_bytes(response) == posted
    else:
        assert response_bytes(response) >= posted
