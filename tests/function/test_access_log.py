"""The handler's JSON log lines carry what the Logs Insights queries (docs/operations.md) read.

Lambda's JSON log format (MongoLambda sets `logging_config.log_format = JSON`) makes the
runtime client format records with awslambdaric's JsonFormatter, which keeps `extra`
fields as top-level keys. The queries (components/log_queries.py) are checked against the
lines a real handler writes under the real runtime client, not against a hand-made sample.
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any

from components.lambda_function.log_queries import QUERIES
from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event

JSON_LOGS = {"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO"}
AWS_AUTH = "?authMechanism=MONGODB-AWS&authSource=%24external"
# Logs Insights commands, functions and operators; other bare words are log fields.
KEYWORDS = {"fields", "filter", "stats", "sort", "count", "by", "as", "and", "like", "desc"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def log_records(text: str) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def query_fields(query: str) -> set[str]:
    """Field names a query reads: bare words, minus keywords, aliases, strings, regexes."""
    text = re.sub(r'"[^"]*"|/[^/]*/', " ", query)
    aliases = set(re.findall(r"\bas\s+(\w+)", text))
    words = set(re.findall(r"(?<![@\w])[A-Za-z_]\w*", text))
    return words - KEYWORDS - aliases


def responses(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [record for record in records if record.get("message") == "response"]


def test_queries_read_fields_the_handler_logs(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    healthy = start_environment(wire_backend.uri, {**wire_backend.environ, **JSON_LOGS})
    for event in (http_event("GET", "/health"), http_event("GET", "/items/abc"),
                  http_event("GET", "/nowhere")):  # fmt: skip
        healthy.invoke(event)
    down = start_environment(
        f"mongodb://127.0.0.1:{closed_port()}/{AWS_AUTH}", {**wire_backend.environ, **JSON_LOGS}
    )
    down.invoke(http_event("GET", "/items"))
    broken = start_environment(
        f"mongodb://127.0.0.1:99999/{AWS_AUTH}", {**wire_backend.environ, **JSON_LOGS}
    )
    broken.invoke(http_event("POST", "/items", body='{"name": "a", "quantity": 1}'))

    failed = responses(log_records(healthy.log(200_000)))
    # /health answered 200: successes write no line. The id is not in the route: one row
    # per route, not per item.
    assert [(r["route"], r["status"]) for r in failed] == [
        ("/items/{id}", 400), ("(no route)", 404)
    ], failed
    assert failed[0]["method"] == "GET" and failed[0]["error"]

    unavailable = responses(log_records(down.log(200_000)))
    assert [(r["route"], r["status"]) for r in unavailable] == [("/items", 503)], unavailable
    assert unavailable[0]["error"] == "database refused the connection"

    broken_records = log_records(broken.log(200_000))
    (misconfigured,) = responses(broken_records)
    assert (misconfigured["route"], misconfigured["status"]) == ("/items", 500)
    assert re.search("misconfigured", misconfigured["error"])
    reasons = [r for r in broken_records if r.get("level") == "ERROR"]
    assert any(re.match("^function misconfigured:", r["message"]) for r in reasons), reasons

    # Each query's fields exist on the lines it is meant to match.
    matched_by = {
        "503s per route": unavailable[0],
        "Misconfigurations per route": misconfigured,
        "Misconfiguration reasons": reasons[0],
        "Failures per route and status": failed[0],
    }
    assert set(matched_by) == set(QUERIES)
    for title, query in QUERIES.items():
        missing = query_fields(query) - set(matched_by[title])
        assert not missing, f"{title}: the handler logs no {sorted(missing)}"
