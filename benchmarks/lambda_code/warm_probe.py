"""In-process warm probe: the sample handler vs a raw ping, timed inside one environment.

Invoked once with {"rounds", "batch", "health_event"}. In each round it times ``batch``
calls of each side below, rotating which goes first, and returns each round's median
seconds per call. All sides run in the same process under awslambdaric (FaaS-mode PyMongo,
the real context object), against the same server, no transport around any of them; each
adds one layer to the one before, so the differences say where the handler's time goes:

* ``raw``: ``client.admin.command("ping")`` on a plain ``MongoClient`` (the reference);
* ``client``: the same ping on the library's client (``get_client()``, Lambda options);
* ``deadline``: that ping under ``invocation_deadline(context)`` (``pymongo.timeout``,
  i.e. client-side operation timeout, with the invocation's remaining time);
* ``handler``: ``handler.handler(health_event, context)``: parsing, routing, the above,
  and the JSON response.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import handler as sample
import pymongo
from atlas_lambda import get_client, invocation_deadline

SIDES = ("raw", "client", "deadline", "handler")


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
    raw = pymongo.MongoClient(os.environ["MONGODB_URI"])
    library = get_client()

    def call_handler() -> None:
        nonlocal failures
        failures += sample.handler(health, context).get("statusCode") != 200

    def call_deadline() -> None:
        with invocation_deadline(context):
            library.admin.command("ping")

    calls: dict[str, Callable[[], object]] = {
        "raw": lambda: raw.admin.command("ping"),
        "client": lambda: library.admin.command("ping"),
        "deadline": call_deadline,
        "handler": call_handler,
    }
    try:
        for _ in range(batch):  # warm every side: connections made, code paths hot
            for call in calls.values():
                call()
        results: dict[str, list[float]] = {name: [] for name in SIDES}
        for index in range(rounds):
            shift = index % len(SIDES)
            for name in SIDES[shift:] + SIDES[:shift]:
                results[name].append(_median_seconds(calls[name], batch))
    finally:
        raw.close()
    return {**results, "failures": failures}
