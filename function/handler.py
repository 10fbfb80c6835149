"""Sample HTTP handler: a starting point that already follows MongoDB's Lambda guidance.

Lambda entry point: ``handler.handler``. Routes (payload format 2.0, for a Function URL or
an API Gateway HTTP API):

    GET  /health           ping the database
    POST /items            {"name": str, "quantity": int} -> 201 {"id": ...}
    GET  /items/{id}       one item, or 404
    GET  /items?limit=N    newest items first, 1 <= N <= MAX_LIST_LIMIT; "next" names the
                           following page (?before=<id>) when there may be more

A response never exceeds Lambda's 6 MB: a list stops at the last item that fits (its "next"
goes on from there), and an item too large to return on its own gets a 413 naming it.

Bad input gets a 4xx naming the problem; an unavailable database or a reached deadline
gets a 503; the function's own misconfiguration (MONGODB_URI, the database name, missing
AWS credentials, a role that does not allow the operation) gets a 500 "misconfigured" with
the reason in the log. The client comes from ``get_client()`` (one per environment, never
closed here) and every database call runs under the invocation's deadline.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from atlas_lambda.client import (
    AUTHENTICATION_FAILED,
    ClientConfigurationError,
    DatabaseRefused,
    client_for_invocation,
    refuse_fast_if_refused,
)
from atlas_lambda.deadline import DeadlineExceeded, invocation_deadline
from atlas_lambda.faults import ReplyFault, UnreadableReply, reply_fault
from atlas_lambda.http import (
    JSON_CONTENT_TYPE,
    MAX_RESPONSE_BYTES,
    HttpError,
    HttpRequest,
    body_bytes,
    encoded,
    error_response,
    fits_lambda_response,
    json_body,
    json_response,
    parse_event,
    response_bytes,
)
from atlas_lambda.snapstart import prepare_if_snap_start
from bson import ObjectId
from pymongo import MongoClient
from pymongo.errors import (
    ConfigurationError,
    InvalidName,
    OperationFailure,
    ProtocolError,
    PyMongoError,
)

LOGGER = logging.getLogger(__name__)

# SnapStart: import the first invocation's modules into the snapshot and register the
# after-restore hook (atlas_lambda/snapstart.py). On-demand init does nothing more.
prepare_if_snap_start()

# The deployed MONGODB_URI names the database in its path (mongodb+srv://host/<db>?...);
# MONGODB_DATABASE is the fallback for URIs without one.
FALLBACK_DATABASE = os.environ.get("MONGODB_DATABASE", "atlas_lambda")
COLLECTION_NAME = "items"
DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 100
MAX_NAME_LENGTH = 200
MAX_QUANTITY = 1_000_000
ITEM_FIELDS = ("name", "quantity")
# Server codes that mean the function's setup is wrong, not the database's health
# (mongo/src/mongo/base/error_codes.yml): Unauthorized (the user's roles do not cover this
# database), InvalidNamespace (a database name the server refuses).
MISCONFIGURATION_CODES = {13: "Unauthorized", 73: "InvalidNamespace"}
# The route logged for a path no route matches (keeps the log's route field low-cardinality).
UNMATCHED_ROUTE = "(no route)"
# pymongo-auth-aws's message when boto3 finds no credentials (pymongo_auth_aws/auth.py).
NO_AWS_CREDENTIALS = "MONGODB-AWS credentials could not be obtained"

Client = MongoClient[dict[str, Any]]
Route = Callable[[Client, HttpRequest, str | None], dict[str, Any]]


# --- validation: plain functions, no database -------------------------------------------


def validate_item(document: object) -> dict[str, Any]:
    """The item to insert, or HttpError(400) naming the first problem found."""
    if not isinstance(document, dict):
        raise HttpError(400, "request body must be a JSON object")
    unexpected = sorted(set(document) - set(ITEM_FIELDS))
    if unexpected:
        raise HttpError(400, f"unexpected field '{unexpected[0]}'; allowed: name, quantity")
    for name in ITEM_FIELDS:
        if name not in document:
            raise HttpError(400, f"missing field '{name}'")
    name, quantity = document["name"], document["quantity"]
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise HttpError(400, f"field 'name' must be a string of 1 to {MAX_NAME_LENGTH} characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise HttpError(400, "field 'name' must be valid Unicode text") from exc
    # bool is an int in Python, but true/false is not a quantity.
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise HttpError(400, "field 'quantity' must be an integer")
    if not 0 <= quantity <= MAX_QUANTITY:
        raise HttpError(400, f"field 'quantity' must be between 0 and {MAX_QUANTITY}")
    return {"name": name, "quantity": quantity}


def parse_item_id(text: str) -> ObjectId:
    """The ObjectId in a path, or HttpError(400)."""
    if not ObjectId.is_valid(text):
        raise HttpError(400, "invalid item id: expected 24 hexadecimal characters")
    return ObjectId(text)


def parse_limit(query: Mapping[str, str]) -> int:
    """The ``limit`` query parameter, bounded, or HttpError(400)."""
    text = query.get("limit")
    if text is None:
        return DEFAULT_LIST_LIMIT
    bad = HttpError(400, f"query parameter 'limit' must be an integer from 1 to {MAX_LIST_LIMIT}")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise bad
    limit = int(text)
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise bad
    return limit


def parse_before(query: Mapping[str, str]) -> ObjectId | None:
    """The ``before`` query parameter (list items older than this id), or HttpError(400)."""
    text = query.get("before")
    if text is None:
        return None
    if not ObjectId.is_valid(text):
        raise HttpError(
            400, "query parameter 'before' must be an item id (24 hexadecimal characters)"
        )
    return ObjectId(text)


def item_view(document: object) -> dict[str, Any]:
    """The JSON shape of a stored item; UnreadableReply if the database sent no document."""
    if not isinstance(document, Mapping) or "_id" not in document:
        raise UnreadableReply(f"an item is not a document with an _id: {type(document).__name__}")
    return {
        "id": str(document["_id"]),
        "name": document.get("name"),
        "quantity": document.get("quantity"),
    }


# --- routes ------------------------------------------------------------------------------


def _items(client: Client) -> Any:
    return client.get_default_database(default=FALLBACK_DATABASE)[COLLECTION_NAME]


HEALTHY_BODY = json.dumps({"status": "ok"}, sort_keys=True)
"""/health's body, encoded once: the warm path's most frequent response never changes."""


def health(client: Client, request: HttpRequest, item_id: str | None) -> dict[str, Any]:
    client.admin.command("ping")
    return {
        "statusCode": 200,
        "headers": {"content-type": JSON_CONTENT_TYPE},
        "body": HEALTHY_BODY,
        "isBase64Encoded": False,
    }


def create_item(client: Client, request: HttpRequest, item_id: str | None) -> dict[str, Any]:
    item = validate_item(json_body(request))
    new_id = _items(client).insert_one(item).inserted_id
    return json_response(201, {"id": str(new_id)}, {"location": f"/items/{new_id}"})


def too_large(item_id: str, size: int, hint: str = "") -> HttpError:
    """413 for an item whose JSON alone exceeds what a Lambda response can carry."""
    return HttpError(
        413,
        f"item {item_id} is too large to return: its response would be {size} bytes, and an"
        f" AWS Lambda response carries at most {MAX_RESPONSE_BYTES}{hint}",
    )


def get_item(client: Client, request: HttpRequest, item_id: str | None) -> dict[str, Any]:
    oid = parse_item_id(item_id or "")
    document = _items(client).find_one({"_id": oid}, projection=list(ITEM_FIELDS))
    if document is None:
        raise HttpError(404, f"item {oid} not found")
    response = json_response(200, item_view(document))
    if not fits_lambda_response(response):
        raise too_large(str(oid), response_bytes(response))
    return response


class ItemPage:
    """The items of one list response, cut at the last one that fits in a Lambda response.

    Each item is encoded once, as it arrives; its cost inside the invocation response is
    counted against what the rest of the response (the envelope, the limit, a "next" link
    of its longest form) leaves, and the body is joined from the encoded items.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[str] = []
        self.last_id: str | None = None
        self.cut = False
        skeleton = json_response(200, self._payload_without_items("0" * 24))
        self._left = MAX_RESPONSE_BYTES - response_bytes(skeleton)

    def _payload_without_items(self, next_id: str | None) -> dict[str, Any]:
        payload: dict[str, Any] = {"items": [], "limit": self.limit}
        if next_id is not None:
            payload["next"] = f"/items?before={next_id}&limit={self.limit}"
        return payload

    def add(self, view: dict[str, Any]) -> bool:
        """Take ``view`` if it fits; False (and the page is cut) if it does not."""
        text = encoded(view)
        cost = body_bytes(text) - 2 + (2 if self.items else 0)  # unquoted, ", " before it
        if cost > self._left:
            self.cut = True
            if not self.items:
                raise too_large(
                    view["id"], MAX_RESPONSE_BYTES - self._left + cost,
                    f"; list the items after it with ?before={view['id']}",
                )  # fmt: skip
            return False
        self._left -= cost
        self.items.append(text)
        self.last_id = view["id"]
        return True

    def response(self) -> dict[str, Any]:
        more = self.cut or len(self.items) == self.limit
        payload = self._payload_without_items(self.last_id if more else None)
        empty = encoded(payload)
        start = empty.index("[]") + 1  # "items" sorts first: its list is the first "[]"
        return {
            "statusCode": 200,
            "headers": {"content-type": JSON_CONTENT_TYPE},
            "body": empty[:start] + ", ".join(self.items) + empty[start:],
            "isBase64Encoded": False,
        }


def list_items(client: Client, request: HttpRequest, item_id: str | None) -> dict[str, Any]:
    limit = parse_limit(request.query)
    before = parse_before(request.query)
    query = {} if before is None else {"_id": {"$lt": before}}
    page = ItemPage(limit)
    cursor = _items(client).find(query, projection=list(ITEM_FIELDS)).sort("_id", -1).limit(limit)
    with cursor:  # a page cut short closes its cursor on the server
        for document in cursor:
            if not page.add(item_view(document)):
                break
    return page.response()


ROUTES: Mapping[str, Mapping[str, Route]] = {
    "/health": {"GET": health},
    "/items": {"GET": list_items, "POST": create_item},
    "/items/{id}": {"GET": get_item},
}


def route_pattern(path: str) -> tuple[str, str | None]:
    """The route template a path matches (`/items/{id}`), and its path parameter."""
    parts = path.split("/")
    if len(parts) == 3 and parts[1] == "items" and parts[2]:
        return "/items/{id}", parts[2]
    return path, None


def route(request: HttpRequest) -> tuple[Route, str | None]:
    """The route for a request and its path parameter, or HttpError 404/405."""
    pattern, item_id = route_pattern(request.path)
    methods = ROUTES.get(pattern)
    if methods is None:
        raise HttpError(404, f"no route for path {request.path[:100]!r}")
    if request.method not in methods:
        allowed = ", ".join(sorted(methods))
        raise HttpError(
            405,
            f"method {request.method[:20]!r} not allowed; allowed: {allowed}",
            {"allow": allowed},
        )
    return methods[request.method], item_id


# --- entry point -------------------------------------------------------------------------


def handle(event: object, context: Any) -> dict[str, Any]:
    """Parse, route and run one request; errors propagate to ``handler``."""
    request = parse_event(event)
    endpoint, item_id = route(request)
    with invocation_deadline(context), client_for_invocation() as client:
        # One attribute read when warm (a server is known); a probe only when cold.
        if not client.topology_description.has_known_servers:
            refuse_fast_if_refused(client)
        return endpoint(client, request, item_id)


UNREADABLE_REPLY = "database sent a reply the function cannot read"
INVALID_AUTHENTICATION_REPLY = "database sent an invalid authentication reply"


def bad_gateway(fault: ReplyFault) -> dict[str, Any]:
    """502 for a reply the database should not have sent; the cause goes to the log only."""
    message = INVALID_AUTHENTICATION_REPLY if fault.during_authentication else UNREADABLE_REPLY
    LOGGER.error("%s: %s", message, fault.cause)
    return error_response(502, message)


def misconfigured(reason: str, summary: str | None = None) -> dict[str, Any]:
    """500 for a fault in the function's setup; the reason goes to the log only."""
    LOGGER.error("function misconfigured: %s", reason)
    named = f": {summary}" if summary else ""
    return error_response(500, f"function misconfigured{named}; see the function's logs")


def handler(event: object, context: Any) -> dict[str, Any]:
    """Lambda entry point: always a well-formed HTTP response, never an exception."""
    response = respond(event, context)
    if response["statusCode"] >= 400:
        # Failures only: a successful warm invocation pays for no log line (the warm
        # benchmark's budget is a few microseconds); Lambda's metrics count the rest.
        log_response(event, response, context)
    return response


def log_response(event: object, response: Mapping[str, Any], lambda_context: Any = None) -> None:
    """One line per failed request. Lambda's JSON log format keeps `extra` fields as top-level
    keys, so Logs Insights counts statuses per route (README, "Logs Insights queries").
    ``remaining_ms``: what was left of the invocation when the failure was answered (the
    safety margin, at least, for a database that did not answer in time)."""
    fields: dict[str, Any] = {"route": UNMATCHED_ROUTE, "status": response["statusCode"]}
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if remaining is not None:
        fields["remaining_ms"] = remaining()
    event = event if isinstance(event, dict) else {}
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    path = event.get("rawPath")
    if isinstance(http, dict) and isinstance(path, str):
        pattern = route_pattern(path)[0]
        fields["method"] = str(http.get("method", "")).upper()[:20]
        fields["route"] = pattern if pattern in ROUTES else UNMATCHED_ROUTE
    if response["statusCode"] >= 400:
        fields["error"] = json.loads(response["body"])["error"]["message"][:200]
    LOGGER.info("response", extra=fields)


def respond(event: object, context: Any) -> dict[str, Any]:
    """The response to one event: every failure mapped to a status."""
    try:
        return handle(event, context)
    except HttpError as exc:
        return error_response(exc.status, exc.message, exc.headers)
    except DeadlineExceeded as exc:
        LOGGER.warning("deadline reached: %s", exc)
        return error_response(503, "deadline reached before the database could be called")
    except (ClientConfigurationError, ConfigurationError, InvalidName) as exc:
        # The message names the problem (never a secret) for the operator, in the logs;
        # callers only learn that the function, not their request, is at fault.
        return misconfigured(str(exc))
    except DatabaseRefused as exc:
        LOGGER.warning("database unavailable: %s", exc)
        return error_response(503, "database refused the connection")
    except ProtocolError as exc:  # a PyMongoError, unlike the other reply faults
        return bad_gateway(reply_fault(exc) or ReplyFault(repr(exc), False))
    except OperationFailure as exc:
        if NO_AWS_CREDENTIALS in str(exc):
            return misconfigured(
                f"no AWS credentials for MONGODB-AWS (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,"
                f" AWS_SESSION_TOKEN; Lambda sets them from the execution role): {exc}",
                "no AWS credentials",
            )
        fault = reply_fault(exc)
        if fault is not None:
            return bad_gateway(fault)
        if exc.code in MISCONFIGURATION_CODES:
            return misconfigured(f"{MISCONFIGURATION_CODES[exc.code]} ({exc.code}): {exc}")
        if exc.code == AUTHENTICATION_FAILED:
            LOGGER.error("database authentication failed: %s", exc)
            return error_response(503, "database authentication failed")
        if exc.timeout:
            return error_response(503, "database did not answer before the deadline")
        LOGGER.error("database refused the operation: %s", exc)
        return error_response(503, f"database error ({exc.code})")
    except PyMongoError as exc:
        LOGGER.warning("database unavailable: %r", exc)
        if exc.timeout:
            return error_response(503, "database did not answer before the deadline")
        return error_response(503, "database unavailable")
    except Exception as exc:
        # PyMongo lets InvalidBSON, and a KeyError or TypeError from indexing a malformed
        # reply, escape as they are.
        fault = reply_fault(exc)
        if fault is not None:
            return bad_gateway(fault)
        LOGGER.exception("unexpected error")
        return error_response(500, "internal error")
