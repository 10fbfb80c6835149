"""A MongoDB wire-protocol test server on top of mockupdb, which counts its connections.

mockupdb (MongoDB's own test server) parses OP_MSG / OP_QUERY and sends replies; this module
adds what the function tests need and mockupdb lacks:

* a catch-all responder that answers hello, ping, insert, find, endSessions and the
  MONGODB-AWS SASL steps from an in-memory store that survives restarts;
* a record per accepted TCP connection (open or closed, "monitor" when it only ever sent
  hello, "pool" once it carried anything else, who it authenticated as, its handshake);
* fault injection: stop and restart on the same port, stop answering (now, or from the next
  command of a given name), hang up or black-hole existing connections;
* optional replica-set membership, so a client monitors several servers, and failovers:
  a stepped-down member answers writes with NotWritablePrimary (10107, labelled
  RetryableWriteError as a 4.4+ server labels a retryable write's error) and primary reads
  with NotPrimaryNoSecondaryOk (13435); an election names a new primary under a newer
  ``electionId``; a restart closes every socket (``ReplicaSet.failover`` / ``restart``);
* optionally the hello of MongoDB 4.4+ (``topology_version=True``, as Atlas answers): every
  reply carries ``topologyVersion``, which is what lets a client stream, and an awaitable
  hello (sent with ``topologyVersion`` + ``maxAwaitTimeMS``) is held until the topology
  changes, ``maxAwaitTimeMS`` passes, the client hangs up or the server stops;
* counts of what clients asked: hellos and awaitable hellos per connection, commands by
  name, error replies by code;
* a load-balanced mode: hello answers as mongos behind a load balancer (``msg: isdbgrid``
  and a ``serviceId``), as Atlas's shard-optimized private endpoint does. pymongo then
  opens no monitor (pymongo/synchronous/server.py ``Server.open``) and refuses a handshake
  without ``serviceId`` (pymongo/synchronous/pool.py), so every connection is a pooled one.

mockupdb 1.8.1 (2021) works with PyMongo 4.20 on Python 3.11, with five patches here (none
in site-packages): it binds "localhost" (we bind 127.0.0.1 only); a reply to a client that
has gone away raises from the server thread (we close the socket and move on); it has no
accept hook (we wrap ``_server_loop``); its accept loop polls once a second, so each stop()
took a second (we poll every 50 ms); and it uses the global ``random`` (see below).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import itertools
import random
import select
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import bson
import mockupdb
from mockupdb import MockupDB

from . import queries
from .aws_auth import AuthFailure, AwsAuthVerifier, Conversation

MAX_WIRE_VERSION = 21  # MongoDB 7.0
HELLO_COMMANDS = frozenset({"hello", "ismaster"})
# mockupdb draws reply ids from the global ``random`` module in its server threads, which
# hypothesis (rightly) flags when it happens while a test is generating data. Give mockupdb
# a generator of its own; ``random.randint`` then resolves to this instance's method.
mockupdb.random = random.Random()

ACCEPT_POLL = 0.05  # seconds
MONITOR = "monitor"
POOL = "pool"
NOT_WRITABLE_PRIMARY = 10107
NOT_PRIMARY_NO_SECONDARY_OK = 13435
WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findandmodify"})
READ_COMMANDS = frozenset({"find", "aggregate", "count", "distinct", "getmore"})
SECONDARY_READ_MODES = frozenset({"secondary", "secondaryPreferred", "nearest"})


@dataclass
class ConnectionRecord:
    """One TCP connection the server accepted."""

    id: int
    server: str
    kind: str = MONITOR
    open: bool = True
    silent: bool = False
    handshake: Mapping[str, Any] | None = None
    authenticated_as: str | None = None
    commands: int = 0
    hellos: int = 0
    awaited_hellos: int = 0
    """Hellos sent with ``topologyVersion`` and ``maxAwaitTimeMS``: a streaming monitor's."""
    conversation: Conversation | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ConnectionStats:
    """Counts of connections a server accepted (ever) and holds open (now), by kind."""

    accepted: int
    open: int
    accepted_monitor: int
    open_monitor: int
    accepted_pool: int
    open_pool: int

    @staticmethod
    def of(records: Iterable[ConnectionRecord]) -> ConnectionStats:
        records = list(records)

        def count(kind: str | None, open_only: bool) -> int:
            return sum(
                1 for r in records if (kind is None or r.kind == kind) and (r.open or not open_only)
            )

        return ConnectionStats(
            accepted=count(None, False),
            open=count(None, True),
            accepted_monitor=count(MONITOR, False),
            open_monitor=count(MONITOR, True),
            accepted_pool=count(POOL, False),
            open_pool=count(POOL, True),
        )


@dataclass(frozen=True)
class ReplicaSetRole:
    """This server's place in a replica set: its set name, members, which one is primary
    (None: no primary, as between a stepdown and the next election) and the primary's
    ``electionId`` (None: each server's own)."""

    set_name: str
    hosts: tuple[str, ...]
    primary: str | None
    election_id: bson.ObjectId | None = None
    set_version: int = 1


class DocumentStore:
    """In-memory collections shared by the members of a test deployment; what a command
    means is `queries`' business, this keeps the documents and the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._collections: dict[str, list[dict[str, Any]]] = {}

    def insert(self, namespace: str, documents: list[dict[str, Any]]) -> int:
        """Insert; an _id already stored is skipped, so a retried write is idempotent."""
        with self._lock:
            stored = self._collections.setdefault(namespace, [])
            ids = {doc.get("_id") for doc in stored}
            for doc in documents:
                if doc.get("_id") not in ids:
                    stored.append(dict(doc))
            return len(documents)

    def documents(self, namespace: str) -> list[dict[str, Any]]:
        """Copies of a collection's documents, in insertion order."""
        with self._lock:
            return [copy.deepcopy(doc) for doc in self._collections.get(namespace, [])]

    def find(self, namespace: str, command: Mapping[str, Any]) -> list[dict[str, Any]]:
        """A find command's documents: filter, sort, skip, limit, projection."""
        return queries.select(self.documents(namespace), command)

    def count(self, namespace: str, query: Mapping[str, Any] | None = None) -> int:
        if not query:
            with self._lock:
                return len(self._collections.get(namespace, []))
        return sum(1 for doc in self.documents(namespace) if queries.matches(doc, query))

    def aggregate(self, namespace: str, pipeline: list[Mapping[str, Any]]) -> list[dict]:
        return queries.aggregate(self.documents(namespace), pipeline)

    def distinct(self, namespace: str, key: str, query: Mapping[str, Any] | None) -> list[Any]:
        values: list[Any] = []
        seen: set[str] = set()
        for doc in self.documents(namespace):
            if not queries.matches(doc, query):
                continue
            value = queries.get_path(doc, key)
            for item in value if isinstance(value, list) else [value]:
                marker = repr(queries.sort_key(item))
                if item is not queries.MISSING and marker not in seen:
                    seen.add(marker)
                    values.append(item)
        return values

    def update(self, namespace: str, statement: Mapping[str, Any]) -> dict[str, Any]:
        """One statement of an update command: {n, nModified, upserted _id or None}."""
        query, update = statement.get("q") or {}, statement.get("u") or {}
        multi = bool(statement.get("multi"))
        if multi and not queries.is_operator_update(update):
            raise queries.QueryError(queries.FAILED_TO_PARSE, "multi update of a replacement")
        with self._lock:
            stored = self._collections.setdefault(namespace, [])
            matched = modified = 0
            for index, doc in enumerate(stored):
                if not queries.matches(doc, query):
                    continue
                changed = queries.apply_update(doc, update)
                matched += 1
                if changed != doc:
                    stored[index] = changed
                    modified += 1
                if not multi:
                    break
            if matched or not statement.get("upsert"):
                return {"n": matched, "nModified": modified, "upserted": None}
            created = queries.apply_update(queries.upsert_seed(query), update, inserting=True)
            created = {"_id": created.get("_id", bson.ObjectId()), **created}
            stored.append(created)
            return {"n": 1, "nModified": 0, "upserted": created["_id"]}

    def delete(self, namespace: str, statement: Mapping[str, Any]) -> int:
        """One statement of a delete command (limit 1 or 0 = all): how many went."""
        query, limit = statement.get("q") or {}, int(statement.get("limit") or 0)
        with self._lock:
            stored = self._collections.get(namespace, [])
            kept, removed = [], 0
            for doc in stored:
                if (limit == 0 or removed < limit) and queries.matches(doc, query):
                    removed += 1
                else:
                    kept.append(doc)
            self._collections[namespace] = kept
            return removed

    def find_and_modify(self, namespace: str, command: Mapping[str, Any]) -> dict[str, Any]:
        """findAndModify: the document before (or after, with `new`) a change or a remove."""
        query = command.get("query") or {}
        candidates = queries.sort_documents(
            [d for d in self.documents(namespace) if queries.matches(d, query)],
            command.get("sort"),
        )
        before = candidates[0] if candidates else None
        projection = command.get("fields")
        if command.get("remove"):
            if before is not None:
                self.delete(namespace, {"q": {"_id": before["_id"]}, "limit": 1})
            value = queries.project(before, projection) if before else None
            return {"value": value, "lastErrorObject": {"n": int(before is not None)}}
        target = {"_id": before["_id"]} if before is not None else query
        statement = {"q": target, "u": command.get("update") or {},
                     "upsert": command.get("upsert", False)}  # fmt: skip
        outcome = self.update(namespace, statement)
        last: dict[str, Any] = {"n": outcome["n"], "updatedExisting": before is not None}
        if outcome["upserted"] is not None:
            last["upserted"] = outcome["upserted"]
        after_id = before["_id"] if before is not None else outcome["upserted"]
        after = next((d for d in self.documents(namespace) if d.get("_id") == after_id), None)
        value = after if command.get("new") else before
        return {"value": queries.project(value, projection) if value else None,
                "lastErrorObject": last}  # fmt: skip

    def collections(self, database: str) -> list[str]:
        prefix = f"{database}."
        with self._lock:
            return sorted(ns[len(prefix) :] for ns in self._collections if ns.startswith(prefix))

    def drop(self, namespace: str) -> None:
        with self._lock:
            self._collections.pop(namespace, None)


class _Node(MockupDB):
    """mockupdb with a loopback-only bind and a hook around each connection's thread."""

    def __init__(self, owner: WireServer, port: int | None) -> None:
        super().__init__(port=port, request_timeout=int(1e6))
        self._address = ("127.0.0.1", port)
        self._owner = owner

    def _accept_loop(self) -> None:
        """mockupdb's accept loop, polling every 50 ms instead of 1 s so stop() is quick."""
        self._listening_sock.setblocking(False)
        while not self._stopped:
            try:
                readable, _, _ = select.select([self._listening_sock], [], [], ACCEPT_POLL)
                if not readable:
                    continue
                client, client_addr = self._listening_sock.accept()
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                break  # listening socket closed by stop()
            client.setblocking(True)
            thread = threading.Thread(
                target=self._server_loop, args=(client, client_addr), daemon=True
            )
            self._server_threads[thread] = None
            self._server_socks[client] = None
            thread.start()

    def _server_loop(self, client: socket.socket, client_addr: Any) -> None:
        self._owner._opened(client)
        try:
            super()._server_loop(client, client_addr)
        except OSError:
            pass  # the client went away mid-reply; mockupdb only expects ECONNRESET here
        finally:
            with contextlib.suppress(OSError):
                client.close()
            self._owner._closed(client)


class WireServer:
    """One MongoDB server (standalone, or a replica-set member) for the function tests."""

    def __init__(
        self,
        *,
        auth: AwsAuthVerifier | None = None,
        store: DocumentStore | None = None,
        max_wire_version: int = MAX_WIRE_VERSION,
        load_balanced: bool = False,
        topology_version: bool = False,
        mongos: bool = False,
    ) -> None:
        self.auth = auth
        self.load_balanced = load_balanced
        self.mongos = mongos
        """Answer hello as a mongos the client monitors (a sharded cluster's legacy string)."""
        self.topology_version = topology_version
        """Answer hello as MongoDB 4.4+ does (topologyVersion; awaitable hellos held)."""
        self.service_id = bson.ObjectId()
        self.store = store or DocumentStore()
        self._max_wire_version = max_wire_version
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._records: list[ConnectionRecord] = []
        self._by_socket: dict[socket.socket, ConnectionRecord] = {}
        self._node: _Node | None = None
        self._port: int | None = None
        self._silent = False
        self._silent_from: str | None = None
        self._role: ReplicaSetRole | None = None
        self._election_id = bson.ObjectId()
        self._topology_process_id = bson.ObjectId()
        self._topology_counter = 0
        self._changed = threading.Condition(self._lock)
        self._closing = False
        self.commands_by_name: Counter[str] = Counter()
        """Every command received, by lower-cased name (hello included)."""
        self.error_replies: Counter[int] = Counter()
        """Error replies sent, by server error code."""
        self.errors: list[str] = []

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> WireServer:
        """Listen (on the same port as before, after a stop)."""
        if self._node is not None:
            raise RuntimeError("already running")
        with self._lock:
            self._closing = False
            self._topology_process_id = bson.ObjectId()  # a new process: a new topologyVersion
            self._topology_counter = 0
        node = _Node(self, self._port)
        node.autoresponds(self._respond)
        self._port = node.run()
        self._node = node
        return self

    def stop(self) -> None:
        """Stop listening and close every connection, as a server process exit would."""
        node, self._node = self._node, None
        with self._lock:  # wake held hellos first: mockupdb's stop() joins their threads
            self._closing = True
            self._changed.notify_all()
        if node is not None:
            node.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("not started")
        return self._port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def uri(self) -> str:
        """A URI for this server alone, with MONGODB-AWS when the server requires it, and
        loadBalanced=true in load-balanced mode (pymongo requires a single host with it)."""
        options = ["authMechanism=MONGODB-AWS&authSource=%24external"] if self.auth else []
        if self.load_balanced:
            options.append("loadBalanced=true")
        query = "?" + "&".join(options) if options else ""
        return f"mongodb://{self.address}/{query}"

    def join_replica_set(self, role: ReplicaSetRole) -> None:
        """Answer hello as a member of ``role`` from now on; a change of role is a change of
        this server's topologyVersion, which answers the awaitable hellos held until then."""
        with self._lock:
            if role != self._role:
                self._role = role
                self._topology_counter += 1
                self._changed.notify_all()

    @property
    def is_primary(self) -> bool:
        """True for a standalone, or the replica-set member that is primary now."""
        role = self._role
        return role is None or role.primary == self.address

    # --- observation -------------------------------------------------------------------

    def stats(self) -> ConnectionStats:
        with self._lock:
            return ConnectionStats.of(self._records)

    def connections(self) -> list[ConnectionRecord]:
        """Copies of every connection record, in accept order."""
        with self._lock:
            return [replace(r) for r in self._records]

    def hellos(self) -> tuple[int, int]:
        """(hellos, awaitable hellos) received on every connection so far."""
        with self._lock:
            return (
                sum(r.hellos for r in self._records),
                sum(r.awaited_hellos for r in self._records),
            )

    # --- fault injection ---------------------------------------------------------------

    def go_silent(self, from_command: str | None = None) -> None:
        """Stop answering: now, or from the next ``from_command`` (e.g. "find") on.

        Requests still arrive and are read; no reply is ever sent, as with a server that
        hangs or a network path that drops packets without resetting connections.
        """
        with self._lock:
            if from_command is None:
                self._silent = True
            else:
                self._silent_from = from_command.lower()

    def resume(self) -> None:
        """Answer again (requests dropped while silent stay unanswered)."""
        with self._lock:
            self._silent = False
            self._silent_from = None

    def black_hole(self, kind: str | None = None) -> int:
        """Never answer again on the connections open now (optionally of one kind).

        Models a frozen environment's sockets after the PrivateLink NLB idle timeout: the
        connection looks open to the client, but nothing sent on it ever comes back.
        """
        with self._lock:
            chosen = [r for r in self._records if r.open and kind in (None, r.kind)]
            for record in chosen:
                record.silent = True
        return len(chosen)

    def hang_up(self, kind: str | None = None) -> int:
        """Close the connections open now (optionally of one kind) from the server side."""
        with self._lock:
            chosen = [s for s, r in self._by_socket.items() if r.open and kind in (None, r.kind)]
        for sock in chosen:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return len(chosen)

    # --- connection bookkeeping (called from mockupdb threads) ------------------------

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            record = ConnectionRecord(id=next(self._ids), server=self.address)
            self._records.append(record)
            self._by_socket[sock] = record

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            record = self._by_socket.pop(sock, None)
            if record is not None:
                record.open = False

    # --- request handling --------------------------------------------------------------

    def _respond(self, request: Any) -> bool:
        """mockupdb catch-all responder: every request is handled (or dropped) here."""
        try:
            with self._lock:
                record = self._by_socket.get(request._client)
                name = (request.command_name or "").lower()
                if record is None:
                    return True
                record.commands += 1
                self.commands_by_name[name] += 1
                awaitable = name in HELLO_COMMANDS and _awaitable(request.doc)
                if name in HELLO_COMMANDS:
                    record.hellos += 1
                    record.awaited_hellos += awaitable
                else:
                    record.kind = POOL
                if self._silent_from is not None and name == self._silent_from:
                    self._silent = True
                if self._silent or record.silent:
                    return True  # read, never answered
            if awaitable and self.topology_version and not self._hold(request):
                return True  # the client hung up, or the server stops
            reply = self._reply(record, name, request.doc)
            if not reply.get("ok"):
                with self._lock:
                    self.error_replies[int(reply.get("code", 0))] += 1
            with contextlib.suppress(OSError):  # the client has gone away
                request.replies(reply)
        except Exception:
            self.errors.append(traceback.format_exc())
            request.replies({"ok": 0, "code": 1, "errmsg": "test server error"})
        return True

    def _reply(self, record: ConnectionRecord, name: str, doc: Mapping[str, Any]) -> dict:
        if name in HELLO_COMMANDS:
            if "client" in doc:
                record.handshake = doc["client"]
            return self._hello(record, name)
        if name in ("ping", "endsessions", "killcursors", "buildinfo"):
            return {"ok": 1}
        if name == "saslstart":
            return self._sasl_start(record, doc)
        if name == "saslcontinue":
            return self._sasl_continue(record, doc)
        if self.auth is not None and record.authenticated_as is None:
            return {
                "ok": 0,
                "code": 13,
                "codeName": "Unauthorized",
                "errmsg": f"command {name} requires authentication",
            }
        if not self.is_primary:
            refusal = _not_primary(name, doc)
            if refusal is not None:
                return refusal
        try:
            return self._crud(name, doc)
        except queries.QueryError as error:
            return {"ok": 0, "code": error.code, "errmsg": str(error)}

    def _crud(self, name: str, doc: Mapping[str, Any]) -> dict[str, Any]:
        """The data commands a handler sends (pymongo's names, lower-cased)."""
        database = doc.get("$db")
        namespace = f"{database}.{doc.get(request_name(doc))}"
        store = self.store
        if name == "insert":
            return {"ok": 1, "n": store.insert(namespace, list(doc.get("documents", [])))}
        if name == "find":
            return _cursor(namespace, store.find(namespace, doc))
        if name == "aggregate":
            return _cursor(namespace, store.aggregate(namespace, list(doc.get("pipeline", []))))
        if name == "count":
            query = {"filter": doc.get("query"), "skip": doc.get("skip"), "limit": doc.get("limit")}
            return {"ok": 1, "n": len(store.find(namespace, query))}
        if name == "distinct":
            return {"ok": 1, "values": store.distinct(namespace, doc["key"], doc.get("query"))}
        if name == "update":
            return _update_reply([store.update(namespace, u) for u in doc.get("updates", [])])
        if name == "delete":
            return {"ok": 1, "n": sum(store.delete(namespace, d) for d in doc.get("deletes", []))}
        if name == "findandmodify":
            return {"ok": 1, **store.find_and_modify(namespace, doc)}
        if name in ("create", "createindexes", "dropindexes"):
            return {"ok": 1, "numIndexesBefore": 1, "numIndexesAfter": 1}
        if name == "drop":
            store.drop(namespace)
            return {"ok": 1}
        if name == "listindexes":
            return _cursor(namespace, [{"v": 2, "key": {"_id": 1}, "name": "_id_"}])
        if name == "listcollections":
            listed = [{"name": c, "type": "collection", "options": {}, "info": {"readOnly": False}}
                      for c in store.collections(str(database))]  # fmt: skip
            return _cursor(f"{database}.$cmd.listCollections", listed)
        if name == "getmore":
            return {"ok": 0, "code": 43, "codeName": "CursorNotFound", "errmsg": "cursor not found"}
        return {
            "ok": 0,
            "code": 59,
            "codeName": "CommandNotFound",
            "errmsg": f"no such command: '{name}'",
        }

    def _hold(self, request: Any) -> bool:
        """Hold an awaitable hello as a 4.4+ server does: until this server's topologyVersion
        differs from the client's, ``maxAwaitTimeMS`` passes, the client hangs up or the server
        stops. Returns True if the hello is to be answered now.

        mockupdb runs each request holding one lock per server (``_server_loop`` is
        synchronized), so the wait releases that lock, or it would stall every other
        connection to this server and stop() itself.
        """
        doc = request.doc
        known = doc["topologyVersion"]
        give_up = time.monotonic() + max(0.0, float(doc["maxAwaitTimeMS"]) / 1000)
        with request._server._unlock(), self._lock:
            while True:
                if self._closing:
                    return False
                current = (self._topology_process_id, self._topology_counter)
                if (known.get("processId"), known.get("counter")) != current:
                    return True
                left = give_up - time.monotonic()
                if left <= 0:
                    return True
                if _hung_up(request._client):
                    return False
                self._changed.wait(min(left, ACCEPT_POLL))

    def _hello(self, record: ConnectionRecord, name: str) -> dict[str, Any]:
        role = self._role
        primary = role is None or role.primary == self.address
        reply: dict[str, Any] = {
            "ok": 1,
            "helloOk": True,
            "isWritablePrimary" if name == "hello" else "ismaster": primary,
            "maxBsonObjectSize": 16 * 1024 * 1024,
            "maxMessageSizeBytes": 48_000_000,
            "maxWriteBatchSize": 100_000,
            "localTime": datetime.datetime.now(datetime.UTC),
            "logicalSessionTimeoutMinutes": 30,
            "connectionId": record.id,
            "minWireVersion": 0,
            "maxWireVersion": self._max_wire_version,
            "readOnly": False,
        }
        if self.load_balanced:
            reply.update(msg="isdbgrid", serviceId=self.service_id)
        elif self.mongos:
            reply["msg"] = "isdbgrid"
        if self.topology_version:
            with self._lock:
                reply["topologyVersion"] = {
                    "processId": self._topology_process_id,
                    "counter": bson.Int64(self._topology_counter),
                }
        if role is not None:
            reply.update(
                setName=role.set_name,
                hosts=list(role.hosts),
                me=self.address,
                setVersion=role.set_version,
                secondary=not primary,
            )
            if role.primary is not None:
                reply["primary"] = role.primary
            if primary:
                reply["electionId"] = role.election_id or self._election_id
        return reply

    def _sasl_start(self, record: ConnectionRecord, doc: Mapping[str, Any]) -> dict:
        if self.auth is None or doc.get("mechanism") != "MONGODB-AWS":
            return _auth_failed()
        try:
            record.conversation, payload = self.auth.start(bytes(doc["payload"]))
        except (AuthFailure, KeyError, bson.errors.BSONError):
            return _auth_failed()
        return {"ok": 1, "conversationId": 1, "done": False, "payload": bson.Binary(payload)}

    def _sasl_continue(self, record: ConnectionRecord, doc: Mapping[str, Any]) -> dict:
        conversation, record.conversation = record.conversation, None
        if self.auth is None or conversation is None:
            return _auth_failed()
        try:
            who = self.auth.finish(record.id, conversation, bytes(doc.get("payload", b"")))
        except AuthFailure:
            return _auth_failed()
        record.authenticated_as = who
        return {"ok": 1, "conversationId": 1, "done": True, "payload": bson.Binary(b"")}


def _cursor(namespace: str, batch: list[dict[str, Any]]) -> dict[str, Any]:
    """A command's whole result as one batch of a cursor that is already exhausted."""
    return {"ok": 1, "cursor": {"id": bson.Int64(0), "ns": namespace, "firstBatch": batch}}


def _update_reply(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    reply: dict[str, Any] = {
        "ok": 1,
        "n": sum(o["n"] for o in outcomes),
        "nModified": sum(o["nModified"] for o in outcomes),
    }
    upserted = [{"index": i, "_id": o["upserted"]} for i, o in enumerate(outcomes)
                if o["upserted"] is not None]  # fmt: skip
    if upserted:
        reply["upserted"] = upserted
    return reply


def request_name(doc: Mapping[str, Any]) -> str:
    """The command's first key (its name, as the client spelled it)."""
    return next(iter(doc))


def _awaitable(doc: Mapping[str, Any]) -> bool:
    """A streaming monitor's hello: it names the topologyVersion it knows and a wait."""
    return "topologyVersion" in doc and "maxAwaitTimeMS" in doc


def _hung_up(sock: socket.socket) -> bool:
    """True if the peer has closed ``sock`` (readable with nothing to read)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _not_primary(name: str, doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a member that is not primary answers a primary-only command with, or None.

    Writes: NotWritablePrimary; a 4.4+ server labels the error of a retryable write (one
    with ``txnNumber``) RetryableWriteError, and PyMongo retries a write on a 4.4+ server
    only on that label. Reads without a secondary read preference: NotPrimaryNoSecondaryOk.
    """
    if name in WRITE_COMMANDS:
        reply: dict[str, Any] = {
            "ok": 0,
            "code": NOT_WRITABLE_PRIMARY,
            "codeName": "NotWritablePrimary",
            "errmsg": "not primary",
        }
        if "txnNumber" in doc:
            reply["errorLabels"] = ["RetryableWriteError"]
        return reply
    mode = (doc.get("$readPreference") or {}).get("mode", "primary")
    if name in READ_COMMANDS and mode not in SECONDARY_READ_MODES:
        return {
            "ok": 0,
            "code": NOT_PRIMARY_NO_SECONDARY_OK,
            "codeName": "NotPrimaryNoSecondaryOk",
            "errmsg": "not primary and secondaryOk=false",
        }
    return None


def _auth_failed() -> dict[str, Any]:
    return {
        "ok": 0,
        "code": 18,
        "codeName": "AuthenticationFailed",
        "errmsg": "Authentication failed.",
    }


class ReplicaSet:
    """Several WireServers answering as one replica set, sharing one document store.

    The first member starts as primary. ``failover`` steps the primary down and elects
    another member; ``restart`` stops every member (closing every socket) and starts them
    again on the same ports, optionally electing another primary while they are down.
    """

    def __init__(
        self, members: int, *, auth: AwsAuthVerifier | None = None, topology_version: bool = False
    ) -> None:
        store = DocumentStore()
        self.members = [
            WireServer(auth=auth, store=store, topology_version=topology_version)
            for _ in range(members)
        ]
        self.auth = auth

    def start(self) -> ReplicaSet:
        for member in self.members:
            member.start()
        hosts = tuple(m.address for m in self.members)
        self._role = ReplicaSetRole(
            set_name="rs0", hosts=hosts, primary=hosts[0], election_id=bson.ObjectId()
        )
        for member in self.members:
            member.join_replica_set(self._role)
        return self

    def stop(self) -> None:
        for member in self.members:
            member.stop()

    def stats(self) -> tuple[ConnectionStats, ...]:
        """Each member's connection counts, in member order."""
        return tuple(m.stats() for m in self.members)

    def _assign(self, role: ReplicaSetRole) -> None:
        self._role = role
        for member in self.members:
            member.join_replica_set(role)

    def step_down(self) -> None:
        """The primary becomes a secondary; no member is primary until ``elect``."""
        self._assign(replace(self._role, primary=None))

    def elect(self, index: int) -> None:
        """Member ``index`` wins an election: it is primary under a newer electionId
        (ObjectIds made later in this process compare greater), as a new term's is."""
        self._assign(
            replace(self._role, primary=self.members[index].address, election_id=bson.ObjectId())
        )

    def failover(self, to: int) -> None:
        """A stepdown and the election of member ``to``, as Atlas's primary failover ends.
        Connections stay open: the old primary answers writes with NotWritablePrimary."""
        self.step_down()
        self.elect(to)

    def restart(self, elect: int | None = None) -> None:
        """Every member's process restarts: every socket closes, each comes back with a new
        topologyVersion; with ``elect``, that member is primary when they come back."""
        for member in self.members:
            member.stop()
        if elect is not None:
            self.elect(elect)
        for member in self.members:
            member.start()

    @property
    def uri(self) -> str:
        hosts = ",".join(m.address for m in self.members)
        auth = "&authMechanism=MONGODB-AWS&authSource=%24external" if self.auth else ""
        return f"mongodb://{hosts}/?replicaSet=rs0{auth}"


class LoadBalancedMongos(ReplicaSet):
    """One test server answering as mongos behind a load balancer: what the function sees
    through Atlas's shard-optimized private string (one address, loadBalanced=true)."""

    def __init__(self, members: int = 1, *, auth: AwsAuthVerifier | None = None) -> None:
        self.members = [WireServer(auth=auth, load_balanced=True)]
        self.auth = auth

    def start(self) -> LoadBalancedMongos:
        self.members[0].start()
        return self

    @property
    def uri(self) -> str:
        return self.members[0].uri


class MongosRouters(ReplicaSet):
    """Several mongos a client monitors, sharing one document store: what the function sees
    through a sharded cluster's legacy string (srvMaxHosts picks at most that many)."""

    def __init__(self, members: int, *, auth: AwsAuthVerifier | None = None) -> None:
        store = DocumentStore()
        self.members = [WireServer(auth=auth, store=store, mongos=True) for _ in range(members)]
        self.auth = auth

    def start(self) -> MongosRouters:
        for member in self.members:
            member.start()
        return self

    @property
    def uri(self) -> str:
        hosts = ",".join(m.address for m in self.members)
        auth = "?authMechanism=MONGODB-AWS&authSource=%24external" if self.auth else ""
        return f"mongodb://{hosts}/{auth}"


SETTLE_POLL_SECONDS = 0.1
SETTLE_QUIET_POLLS = 5  # counts unchanged for this many polls in a row = settled
SETTLE_MAX_SECONDS = 10.0


def settled_stats(deployment: ReplicaSet) -> tuple[ConnectionStats, ...]:
    """Per-server stats once they stop changing (monitors of secondaries connect async)."""
    deadline = time.monotonic() + SETTLE_MAX_SECONDS
    last, quiet = None, 0
    while time.monotonic() < deadline and quiet < SETTLE_QUIET_POLLS:
        time.sleep(SETTLE_POLL_SECONDS)
        now = tuple(m.stats() for m in deployment.members)
        quiet = quiet + 1 if now == last else 0
        last = now
    assert last is not None
    return last
