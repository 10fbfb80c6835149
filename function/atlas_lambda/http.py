"""HTTP requests and responses in the Lambda payload format 2.0.

Function URLs and API Gateway HTTP APIs both send this format. Parsing is strict about
the fields the handler uses and ignores the rest; anything unusable becomes an ``HttpError``
with a 4xx status and a message naming the problem, so a bad event never turns into an
unhandled exception.
"""

from __future__ import annotations

import base64
import binascii
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bson import json_util

PAYLOAD_FORMAT_VERSION = "2.0"
DEFAULT_MAX_BODY_BYTES = 16 * 1024
"""Largest request body the sample accepts; larger bodies get a 413."""

JSON_CONTENT_TYPE = "application/json"

MAX_RESPONSE_BYTES = 6 * 1024 * 1024
"""The most a synchronous invocation may answer (AWS Lambda quotas: invocation payload 6 MB;
the service's own error names 6,291,556 bytes, 100 more than this). Past it the caller gets
the platform's error, not the function's response: routes that answer stored data measure."""


class HttpError(Exception):
    """A request the function refuses, with the status and message to answer with."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class HttpRequest:
    """The parts of a payload format 2.0 event the handler routes and validates on."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


def _string_map(value: object, name: str) -> dict[str, str]:
    """A map of strings to strings, or {} when absent (the format omits empty maps)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    ):
        raise HttpError(400, f"event field '{name}' must map strings to strings")
    return value


def _body(event: Mapping[str, Any], max_body_bytes: int) -> bytes:
    """The request body as bytes, size-checked before and after base64 decoding."""
    body = event.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise HttpError(400, "event field 'body' must be a string")
    is_base64 = event.get("isBase64Encoded", False)
    if not isinstance(is_base64, bool):
        raise HttpError(400, "event field 'isBase64Encoded' must be a boolean")
    # base64 grows data by 4/3, so an encoded body this long is too large decoded too.
    encoded_limit = (max_body_bytes + 2) // 3 * 4 if is_base64 else max_body_bytes
    too_large = HttpError(413, f"request body exceeds {max_body_bytes} bytes")  # a body: rare
    if len(body) > encoded_limit:
        raise too_large
    if is_base64:
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise HttpError(400, "request body is not valid base64") from exc
    else:
        raw = body.encode("utf-8", errors="surrogatepass")
    if len(raw) > max_body_bytes:
        raise too_large
    return raw


def _not_http() -> HttpError:
    return HttpError(
        400, f"event is not an HTTP request in payload format {PAYLOAD_FORMAT_VERSION}"
    )


def parse_event(event: object, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> HttpRequest:
    """Turn a payload format 2.0 event into an HttpRequest, or raise HttpError (4xx).

    Errors are built only when raised: this runs in every invocation, and building an
    exception with its message costs more than the parsing itself.
    """
    if not isinstance(event, dict) or event.get("version") != PAYLOAD_FORMAT_VERSION:
        raise _not_http()
    request_context = event.get("requestContext")
    http = request_context.get("http") if isinstance(request_context, dict) else None
    method = http.get("method") if isinstance(http, dict) else None
    path = event.get("rawPath")
    if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
        raise _not_http()
    return HttpRequest(
        method=method.upper(),
        path=path,
        query=_string_map(event.get("queryStringParameters"), "queryStringParameters"),
        body=_body(event, max_body_bytes),
    )


def json_body(request: HttpRequest) -> object:
    """The request body decoded as JSON, or HttpError(400) naming what is wrong."""
    if not request.body:
        raise HttpError(400, "request body is empty; expected a JSON object")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, "request body is not valid UTF-8") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise HttpError(400, f"malformed JSON body: {exc.msg} at position {exc.pos}") from exc
    except ValueError as exc:  # int() past sys.get_int_max_str_digits(): the client's input
        raise HttpError(
            400, f"malformed JSON body: a number has more than {sys.get_int_max_str_digits()}"
            " digits",
        ) from exc  # fmt: skip
    except RecursionError as exc:
        raise HttpError(400, "malformed JSON body: nested too deeply") from exc


def _relaxed_extended_json(value: object) -> object:
    """BSON values JSON lacks (datetime, Decimal128, Binary, UUID, ...) as relaxed Extended
    JSON, the form MongoDB's tools print: documents written by other clients stay readable.
    Called by json.dumps only for values it cannot encode, so plain payloads pay nothing."""
    return json_util.default(value, json_util.RELAXED_JSON_OPTIONS)


_ENCODER = json.JSONEncoder(sort_keys=True, default=_relaxed_extended_json)
"""One encoder for every response: `json.dumps` with options builds a new one per call."""


def encoded(value: object) -> str:
    """``value`` as the JSON text responses carry: sorted keys, BSON values as relaxed
    Extended JSON, ASCII only (non-ASCII characters escaped)."""
    return _ENCODER.encode(value)


def body_bytes(body: str) -> int:
    """What a response body costs inside the invocation response: the runtime client posts
    the returned dict as JSON, so the body is a JSON string there, quoted and escaped.

    Bodies built here are printable ASCII (the encoder escapes everything else), where only
    '"' and '\\' grow, by one byte each; any other text is measured by encoding it.
    """
    if body.isascii() and body.isprintable():
        return len(body) + body.count('"') + body.count("\\") + 2
    return len(json.dumps(body))  # ASCII escapes: never fewer bytes than the runtime's UTF-8


_ENVELOPE_ALLOWANCE = 1024
"""Bytes allowed for the rest of a response (status, headers, flags) when deciding cheaply."""


def response_bytes(response: Mapping[str, Any]) -> int:
    """Bytes of the invocation response the runtime client will post for ``response``."""
    envelope = json.dumps({**response, "body": ""})  # the runtime's separators: ", ", ": "
    return len(envelope.encode()) - 2 + body_bytes(response["body"])


def fits_lambda_response(response: Mapping[str, Any]) -> bool:
    """True if ``response`` is within MAX_RESPONSE_BYTES. Counts only bodies big enough to
    matter: escaping at most doubles a body, so a small one fits without looking at it."""
    if 2 * len(response["body"]) + 2 + _ENVELOPE_ALLOWANCE <= MAX_RESPONSE_BYTES:
        return True
    return response_bytes(response) <= MAX_RESPONSE_BYTES


def json_response(
    status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A payload format 2.0 response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"content-type": JSON_CONTENT_TYPE, **headers}
        if headers
        else {"content-type": JSON_CONTENT_TYPE},
        "body": _ENCODER.encode(payload),
        "isBase64Encoded": False,
    }


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A JSON error response: ``{"error": {"status": ..., "message": ...}}``."""
    return json_response(status, {"error": {"status": status, "message": message}}, headers)
