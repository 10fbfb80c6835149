"""Probe: the MongoDB drivers' FaaS test app's listeners around the sample handler.

mongodb/specifications ``source/faas-automated-testing`` asks the function to listen for
ServerHeartbeatStarted/Failed, CommandSucceeded/Failed and ConnectionCreated/Closed, to
report heartbeat and command counts and open connections, and to assert that no heartbeat
is ``awaited`` (the streaming protocol is off in FaaS: DRIVERS-2578); pymongo's
``test/lambda/mongodb/app.py`` does this with listeners on its one module-level client.

Here the listeners are registered globally (``pymongo.monitoring.register``) before the
sample handler's lazy client exists, so that client, built by the function's own code with
its own options, carries them unchanged. An event carrying ``COUNTS`` is answered with the
counts so far (cumulative; tests take differences between phases) plus the identity of the
cached client and how many clients the process built; every other event goes to the
sample handler.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from pymongo import monitoring

COUNTS = "__probe_counts__"


class _Listener(
    monitoring.ServerHeartbeatListener,
    monitoring.CommandListener,
    monitoring.ConnectionPoolListener,
):
    """Counts what the FaaS procedure reports; events come from monitor threads too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.failed_codes: Counter[str] = Counter()
        self.open_by_server: Counter[str] = Counter()

    def _add(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1

    # heartbeats
    def started(self, event: Any) -> None:
        if isinstance(event, monitoring.ServerHeartbeatStartedEvent):
            self._add("heartbeats_started")
            if event.awaited:
                self._add("awaited_heartbeats")
        else:
            self._add("commands_started")

    def succeeded(self, event: Any) -> None:
        if isinstance(event, monitoring.ServerHeartbeatSucceededEvent):
            self._add("heartbeats_succeeded")
            if event.awaited:
                self._add("awaited_heartbeats_succeeded")
        else:
            self._add("commands_succeeded")

    def failed(self, event: Any) -> None:
        if isinstance(event, monitoring.ServerHeartbeatFailedEvent):
            self._add("heartbeats_failed")
            return
        self._add("commands_failed")
        code = event.failure.get("code") if isinstance(event.failure, dict) else None
        with self._lock:
            self.failed_codes[str(code)] += 1

    # connections (the application pools; monitors publish no pool events)
    def connection_created(self, event: Any) -> None:
        with self._lock:
            self.counts["connections_created"] += 1
            self.open_by_server[_address(event)] += 1

    def connection_closed(self, event: Any) -> None:
        with self._lock:
            self.counts["connections_closed"] += 1
            self.open_by_server[_address(event)] -= 1

    def pool_cleared(self, event: Any) -> None:
        self._add("pools_cleared")

    def pool_created(self, event: Any) -> None: ...
    def pool_ready(self, event: Any) -> None: ...
    def pool_closed(self, event: Any) -> None: ...
    def connection_ready(self, event: Any) -> None: ...
    def connection_check_out_started(self, event: Any) -> None: ...
    def connection_check_out_failed(self, event: Any) -> None: ...
    def connection_checked_out(self, event: Any) -> None: ...
    def connection_checked_in(self, event: Any) -> None: ...

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.counts,
                "failed_codes": dict(self.failed_codes),
                "open_by_server": {k: v for k, v in self.open_by_server.items() if v},
            }


def _address(event: Any) -> str:
    host, port = event.address
    return f"{host}:{port}"


LISTENER = _Listener()
monitoring.register(LISTENER)  # before the handler can build its client

import handler as sample  # noqa: E402 - the listener must be registered first
from atlas_lambda import client as client_module  # noqa: E402


def handler(event: object, context: Any) -> Any:
    if isinstance(event, dict) and COUNTS in event:
        cached = client_module._DEFAULT_CACHE.cached()
        return {
            **LISTENER.report(),
            "client_id": None if cached is None else id(cached),
            "clients_created": client_module.clients_created(),
        }
    return sample.handler(event, context)
