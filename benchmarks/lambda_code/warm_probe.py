"""In-process warm probe: the sample handler vs a raw ping, timed inside one environment.

Invoked once with {"rounds", "batch", "health_event"}; in each round it times ``batch``
calls of ``handler.handler(health_event, context)`` and ``batch`` raw
``client.admin.command("ping")`` calls on a plain MongoClient, alternating which goes
first, and returns each round's median seconds per call. Both sides run in the same
process under awslambdaric (FaaS-mode PyMongo, the real context object), against the same
server, so the difference is what the handler adds around the ping: event parsing,
routing, the deadline, the client lookup and the JSON response.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import handler as sample
import pymongo


def _median_seconds(call: Callable[[], object], batch: int) -> float:
    times = []
    for _ in range(batch):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rounds, batch = int(event["rounds"]), int(event["batch"])
    health = event["health_event"]
    failures = 0

    def call_handler() -> None:
        nonlocal failures
        failures += sample.handler(health, context).get("statusCode") != 200

    raw = pymongo.MongoClient(os.environ["MONGODB_URI"])
    try:

        def call_raw() -> None:
            raw.admin.command("ping")

        for _ in range(batch):  # warm both: connections made, code paths hot
            call_handler()
            call_raw()
        sides = {"handler": call_handler, "raw": call_raw}
        results: dict[str, list[float]] = {"handler": [], "raw": []}
        for index in range(rounds):
            order = ["handler", "raw"] if index % 2 == 0 else ["raw", "handler"]
            for name in order:
                results[name].append(_median_seconds(sides[name], batch))
    finally:
        raw.close()
    return {**results, "failures": failures}
