"""Replies from the database the function cannot use, told apart from the function's own bugs.

A server (or whatever answers on its address: a proxy, a wrong endpoint, a corrupted path)
can send a reply the driver cannot decode (truncated or corrupt BSON: ``InvalidBSON``), one
that breaks the wire protocol (``ProtocolError``), one that lacks what the command must return
(a find reply without its cursor: PyMongo indexes the reply and lets the ``KeyError`` or
``TypeError`` escape), or garbage in the MONGODB-AWS conversation (``InvalidBSON``/``KeyError``
from the SASL payload, or pymongo-auth-aws's own error as an ``OperationFailure`` without a
code). None of these is the caller's fault, and an "internal error" would send the operator
to the function's code: the caller gets a 502 (Bad Gateway: the upstream answered with
something invalid) and the log names the cause.

Data the driver can represent (dates past year 9999, bytes that are not UTF-8) is not a fault:
the client's codec options decode it (client.py, LAMBDA_CLIENT_DEFAULTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import FrameType, TracebackType

from bson.errors import InvalidBSON
from pymongo.errors import OperationFailure, ProtocolError

DRIVER_PACKAGES = ("pymongo", "bson", "pymongo_auth_aws")
"""Top-level packages whose own code parses what the server sends."""

REPLY_LOOKUP_ERRORS = (KeyError, IndexError, TypeError)
"""What indexing a reply that lacks a field, or has one of the wrong type, raises in Python."""

AUTH_LIBRARY_MARK = "pymongo-auth-aws version"
"""PyMongo appends this to every pymongo-auth-aws error it turns into an OperationFailure
(pymongo/synchronous/auth_aws.py), the only trace of where such an error came from."""

MAX_CAUSE_LENGTH = 300
"""A cause is logged, so its length is bounded: a reply may put anything in a message."""


class UnreadableReply(Exception):
    """A reply or a stored document that the function cannot turn into a response."""


@dataclass(frozen=True)
class ReplyFault:
    """What was wrong with a reply, and whether it came in the authentication handshake."""

    cause: str
    during_authentication: bool


def _frames(traceback: TracebackType | None) -> list[FrameType]:
    frames = []
    while traceback is not None:
        frames.append(traceback.tb_frame)
        traceback = traceback.tb_next
    return frames


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _in_driver(frame: FrameType) -> bool:
    return _module(frame).split(".", 1)[0] in DRIVER_PACKAGES


def _authenticating(frames: list[FrameType]) -> bool:
    """True if the error passed through the driver's authentication code."""
    return any(_in_driver(f) and "auth" in _module(f) for f in frames)


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_CAUSE_LENGTH else text[:MAX_CAUSE_LENGTH] + "..."


def reply_fault(error: BaseException) -> ReplyFault | None:
    """The fault in the database's reply that ``error`` reports, or None if it reports none.

    A ``KeyError``/``IndexError``/``TypeError`` counts only when raised in the driver's own
    code: the same exception raised in the function's code is a bug there (a 500).
    """
    frames = _frames(error.__traceback__)
    if isinstance(error, UnreadableReply):
        cause = str(error)
    elif isinstance(error, InvalidBSON):
        cause = f"invalid BSON: {error}"
    elif isinstance(error, ProtocolError):
        cause = f"wire protocol violation: {error}"
    elif isinstance(error, OperationFailure) and invalid_authentication_reply(error):
        cause = f"MONGODB-AWS conversation refused by the client: {error}"
    elif isinstance(error, REPLY_LOOKUP_ERRORS) and frames and _in_driver(frames[-1]):
        where = f"{_module(frames[-1])}.{frames[-1].f_code.co_name}"
        cause = f"{type(error).__name__} {error} in {where}"
    else:
        return None
    authenticating = _authenticating(frames) or isinstance(error, OperationFailure)
    return ReplyFault(_bounded(cause), authenticating)


def invalid_authentication_reply(error: OperationFailure) -> bool:
    """True for pymongo-auth-aws refusing what the server sent (an invalid nonce or STS host,
    an empty payload, too many steps): it has no server error code, unlike a refusal by the
    server (AuthenticationFailed, 18). Missing credentials (no AWS_* keys) are the function's
    setup, not the reply: the caller checks for them first."""
    return error.code is None and AUTH_LIBRARY_MARK in str(error)
