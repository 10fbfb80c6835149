"""A wire-protocol test server whose replies to chosen commands are rewritten on the way out.

For the handler's behaviour under a database that sends what a correct server would not (or
what another client stored): a reply without a cursor, a truncated BSON document, bytes that
are not valid UTF-8, a garbage SASL payload. Everything else (auth, the store, connection
records, fault injection) is the ordinary ``WireServer``.

A rewrite gets the reply the server would send (a dict) and returns either another dict, or
``bytes``: the raw BSON of the reply document, sent as is in an OP_MSG (so it may be invalid).
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from typing import Any

import mockupdb

from tests.harness.wire_server import WireServer

Rewrite = Callable[[dict[str, Any]], "dict[str, Any] | bytes"]

OP_MSG = 2013


def op_msg(response_to: int, document: bytes) -> bytes:
    """An OP_MSG reply frame around ``document`` (one kind-0 section, no flags), whatever
    the document's bytes are: the frame's length is right, the document need not be."""
    body = struct.pack("<I", 0) + b"\x00" + document
    header = struct.pack("<iiii", 16 + len(body), random.randint(1, 1 << 30), response_to, OP_MSG)
    return header + body


class TamperingWireServer(WireServer):
    """``WireServer`` plus ``tamper(command, rewrite)``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rewrites: dict[str, Rewrite] = {}

    def tamper(self, command: str, rewrite: Rewrite) -> None:
        """Rewrite every reply to ``command`` (any case) from now on."""
        self._rewrites[command.lower()] = rewrite

    def untamper(self) -> None:
        self._rewrites.clear()

    def _respond(self, request: Any) -> bool:
        rewrite = self._rewrites.get((request.command_name or "").lower())
        if rewrite is not None and isinstance(request, mockupdb.OpMsg):
            request.replies = _rewriting(request, rewrite)  # what WireServer._respond calls
        return super()._respond(request)


def _rewriting(request: Any, rewrite: Rewrite) -> Callable[[dict[str, Any]], bool]:
    send = request.replies

    def replies(reply: dict[str, Any]) -> bool:
        rewritten = rewrite(dict(reply))
        if isinstance(rewritten, bytes):
            request._client.sendall(op_msg(request.request_id, rewritten))
            return True
        return send(rewritten)

    return replies
