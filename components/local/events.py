"""HTTP events in payload format 2.0, shaped like those a Lambda Function URL sends."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any


def http_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    json_body: Any = None,
    query: Mapping[str, str] | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A Function URL event; ``json_body`` is serialized, ``base64_body`` encodes the body."""
    if json_body is not None:
        body = json.dumps(json_body)
    if isinstance(body, bytes) and not base64_body:
        body = body.decode()
    if body is not None and base64_body:
        raw = body if isinstance(body, bytes) else body.encode()
        body = base64.b64encode(raw).decode()
    raw_query = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": {"content-type": "application/json", "host": "example.lambda-url.aws"},
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "example",
            "domainName": "example.lambda-url.us-east-1.on.aws",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "tests",
            },
            "requestId": "test",
            "routeKey": "$default",
            "stage": "$default",
            "timeEpoch": 0,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        event["body"] = body
    return event
