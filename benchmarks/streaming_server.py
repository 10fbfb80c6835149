"""The wire-protocol test server, taught the streaming hello so a streaming client can stream.

PyMongo streams server monitoring (``serverMonitoringMode=stream``) only against a server
whose hello reply carries a ``topologyVersion`` (MongoDB 4.4+). The test server in
tests/harness answers hello without one, so a "stream" client silently falls back to
polling there and would measure the same as the library's polling client. This subclass adds
the minimum a 4.4+ server does:

* every hello reply carries ``topologyVersion`` (one process id, counter 0: the topology
  never changes during a benchmark);
* an awaitable hello (one sent with ``topologyVersion`` and ``maxAwaitTimeMS``) is held for
  ``maxAwaitTimeMS`` (capped) before it is answered, as a server does while nothing changes.

It answers each awaitable hello once, without ``moreToCome``: the exhaust flag lets a server
keep streaming replies but does not oblige it to, and PyMongo then sends the next awaitable
hello itself. The connections the client opens are the same either way: the streaming
monitor's connection plus the round-trip-time monitor's own (``_RttMonitor``), which is what
this server exists to count.

mockupdb runs each request while holding one lock per server, so a held hello must release
that lock while it waits, or it would stall every other connection to the same server.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import bson

from tests.harness.aws_auth import AwsAuthVerifier
from tests.harness.wire_server import (
    HELLO_COMMANDS,
    ConnectionRecord,
    DocumentStore,
    ReplicaSet,
    WireServer,
)

MAX_AWAIT_SECONDS = 10.0
"""Longest a held hello waits (PyMongo asks for heartbeatFrequencyMS, 10 s by default)."""


class StreamingWireServer(WireServer):
    """A WireServer whose hello supports the streaming protocol (topologyVersion + await)."""

    def __init__(
        self, *, auth: AwsAuthVerifier | None = None, store: DocumentStore | None = None
    ) -> None:
        super().__init__(auth=auth, store=store)
        self._process_id = bson.ObjectId()
        self._stopping = threading.Event()
        self.awaited_hellos = 0
        """How many awaitable hellos this server has held (0 means nobody streamed)."""

    def start(self) -> StreamingWireServer:
        self._stopping.clear()
        super().start()
        return self

    def stop(self) -> None:
        # Wake every held hello first: mockupdb's stop() joins connection threads (10 s each).
        self._stopping.set()
        super().stop()

    def _hello(self, record: ConnectionRecord, name: str) -> dict[str, Any]:
        reply = super()._hello(record, name)
        reply["topologyVersion"] = {"processId": self._process_id, "counter": bson.Int64(0)}
        return reply

    def _reply(self, record: ConnectionRecord, name: str, doc: Mapping[str, Any]) -> dict:
        if name in HELLO_COMMANDS and "topologyVersion" in doc and "maxAwaitTimeMS" in doc:
            self._hold(float(doc["maxAwaitTimeMS"]) / 1000)
        return super()._reply(record, name, doc)

    def _hold(self, seconds: float) -> None:
        """Wait as a server does before answering an awaitable hello, lock released."""
        node = self._node
        with self._lock:
            self.awaited_hellos += 1
        if node is None:
            return
        with node._unlock():  # mockupdb holds this lock around every responder call
            self._stopping.wait(min(max(seconds, 0.0), MAX_AWAIT_SECONDS))


class StreamingReplicaSet(ReplicaSet):
    """A ReplicaSet whose members are StreamingWireServers."""

    def __init__(self, members: int, *, auth: AwsAuthVerifier | None = None) -> None:
        store = DocumentStore()
        self.members = [StreamingWireServer(auth=auth, store=store) for _ in range(members)]
        self.auth = auth

    def awaited_hellos(self) -> int:
        return sum(m.awaited_hellos for m in self.members if isinstance(m, StreamingWireServer))
