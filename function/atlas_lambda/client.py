"""One MongoClient per execution environment, created lazily and reused.

A Lambda execution environment runs one invocation at a time and lives for many of them.
Creating a MongoClient per invocation opens new connections (and, with MONGODB-AWS, one STS
verification on the server) every time; MongoDB's Lambda guidance is to create the client
once and reuse it. This module holds that one client:

* it is created on the first ``get_client()`` call, not at import, so a SnapStart snapshot
  taken after init holds no socket;
* creation is guarded by a lock, and a forked child forgets the parent's client (the
  ``os.register_at_fork`` hook below) and builds its own;
* the client is never closed by the handler: the next invocation reuses it;
* an authentication failure (server code 18) discards it, so the next invocation starts
  from a fresh client;
* ``refuse_fast_if_refused`` (for a client that knows no server yet: cold, or after a
  failure) tells a refused connection apart from a slow one with one short ping, so a
  database that is down fails in about a second, not after the whole server-selection
  time or invocation deadline.
"""

from __future__ import annotations

import errno
import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import pymongo
from pymongo import MongoClient
from pymongo.driver_info import DriverInfo
from pymongo.errors import OperationFailure, PyMongoError
from pymongo.topology_description import TopologyDescription

from .version import __version__

URI_ENV_VAR = "MONGODB_URI"
"""Where the connection string comes from. It must carry no credentials."""

AUTHENTICATION_FAILED = 18
"""Server error code for a failed authentication (``AuthenticationFailed``)."""

APP_NAME = "atlas-lambda"
"""Prefix of the appName the server logs for every connection of this function."""

DRIVER_INFO = DriverInfo(name="atlas-lambda", version=__version__)
"""Appended to PyMongo's driver metadata in the handshake, so server logs name this library."""

LAMBDA_CLIENT_DEFAULTS: Mapping[str, Any] = {
    # One invocation at a time per environment, so one pooled connection suffices; it also
    # makes "monitored servers + 1" a hard bound for the connection budget, not an estimate.
    "maxPoolSize": 1,
    # The driver defaults (30 s, 20 s) exceed most Lambda timeouts. Every call is bounded by
    # the invocation's remaining time anyway (deadline.py); these cap calls made outside it.
    "serverSelectionTimeoutMS": 5_000,
    "connectTimeoutMS": 3_000,
    # A frozen environment's sockets die silently (PrivateLink NLB idle timeout ~350 s);
    # time.monotonic keeps counting while frozen, so these are discarded at checkout.
    "maxIdleTimeMS": 60_000,
    # PyMongo picks these in a FaaS environment on its own; saying so keeps them true even
    # where detection fails. Polling = 1 monitor connection per server (streaming = 2);
    # connect=False = no socket and no SRV lookup until the first operation.
    "serverMonitoringMode": "poll",
    "connect": False,
    "retryWrites": True,
    "retryReads": True,
    # Data other clients wrote must not turn a read into an error: a date outside Python's
    # years 1-9999 (JavaScript's "infinity" 8.64e15 ms is year 275760) comes back as
    # bson.DatetimeMS instead of raising InvalidBSON; bytes that are not UTF-8 (the server
    # does not validate strings) become U+FFFD, the Unicode replacement character, which
    # marks them as undecodable. Not "backslashreplace": its "\xe9" is indistinguishable
    # from text that really holds a backslash, and written back it would become real data.
    "datetime_conversion": "DATETIME_AUTO",
    "unicode_decode_error_handler": "replace",
}
"""Client options suited to Lambda. An option set in MONGODB_URI wins over its default here."""


_REFUSED_TEXT = f"[Errno {errno.ECONNREFUSED}] "
REFUSED_PROBE_SECONDS = 1.0
"""How long the first ping of a client with no known server may take before the invocation
goes on under its full deadline. A refused connection is reported by the monitor within
milliseconds; a slow but working one (TLS, MONGODB-AWS) just takes the regular path."""


class ClientConfigurationError(ValueError):
    """MONGODB_URI is missing or carries something it must not (a credential)."""


class DatabaseRefused(Exception):
    """Every server the client knows refused the TCP connection (nothing listens there)."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses
        super().__init__(f"connection refused by {', '.join(addresses)}")


def _split_uri(uri: str) -> tuple[str, str]:
    """Return (scheme-free part before '?', query string) without any DNS lookup.

    pymongo's own parser resolves mongodb+srv hosts; this check must run at init, offline.
    """
    for scheme in ("mongodb://", "mongodb+srv://"):
        if uri.startswith(scheme):
            before_query, _, query = uri[len(scheme) :].partition("?")
            return before_query, query
    raise ClientConfigurationError(f"{URI_ENV_VAR} must start with mongodb:// or mongodb+srv://")


def _uri_options(uri: str) -> list[tuple[str, str]]:
    """The URI's options as (lower-cased name, value) pairs."""
    _, query = _split_uri(uri)
    return [(name.lower(), value) for name, value in parse_qsl(query, keep_blank_values=True)]


def refuse_uri_credentials(uri: str) -> None:
    """Raise ClientConfigurationError if the URI carries a user, password or session token.

    Lambda shows environment variables to anyone who can read the function's configuration;
    with MONGODB-AWS the credentials come from the execution role, through the environment,
    and are re-read for every new connection. The message names the problem, never the value.
    """
    hint = (
        " Remove it and use authMechanism=MONGODB-AWS&authSource=%24external: the driver signs"
        " with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN from the environment."
    )
    before_query, _ = _split_uri(uri)
    if "@" in before_query:
        raise ClientConfigurationError(
            f"{URI_ENV_VAR} carries a user name or password (text before '@')." + hint
        )
    for name, value in _uri_options(uri):
        if name == "authmechanismproperties" and "aws_session_token" in value.lower():
            raise ClientConfigurationError(
                f"{URI_ENV_VAR} carries AWS_SESSION_TOKEN in authMechanismProperties." + hint
            )
        if name in ("tlscertificatekeyfilepassword", "sslpemkeypassword"):
            raise ClientConfigurationError(
                f"{URI_ENV_VAR} carries a TLS key password ({name})." + hint
            )


def app_name(function_name: str | None) -> str:
    """appName for server logs: which function opened a connection, within 128 bytes."""
    if not function_name:
        return APP_NAME
    return f"{APP_NAME}/{function_name}"[:128]


def client_options(uri: str, function_name: str | None = None) -> dict[str, Any]:
    """Keyword options for MongoClient: the Lambda defaults the URI does not already set.

    PyMongo lets keyword options override the URI; here the URI wins, so an operator can tune
    one option (for example maxIdleTimeMS) without a code change.
    """
    in_uri = {name for name, _ in _uri_options(uri)}
    defaults: dict[str, Any] = dict(LAMBDA_CLIENT_DEFAULTS)
    defaults["appName"] = app_name(function_name)
    options = {name: value for name, value in defaults.items() if name.lower() not in in_uri}
    options["driver"] = DRIVER_INFO
    return options


def create_client(uri: str | None = None) -> MongoClient[dict[str, Any]]:
    """Build a new client from ``uri`` (default: MONGODB_URI). Opens no socket.

    Call ``get_client()`` instead in a handler; this is the factory it uses.
    """
    if uri is None:
        uri = os.environ.get(URI_ENV_VAR, "")
    if not uri:
        raise ClientConfigurationError(f"{URI_ENV_VAR} is not set")
    refuse_uri_credentials(uri)
    options = client_options(uri, os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    try:
        return MongoClient(uri, **options)
    except ValueError as exc:
        # pymongo's URI parser raises a plain ValueError for a bad port ("Port must be an
        # integer between 0 and 65535"); the URI has no credential by now (checked above).
        raise ClientConfigurationError(f"{URI_ENV_VAR} is invalid: {exc}") from exc


class ClientCache:
    """Holds at most one client per process, created by ``factory`` on first use."""

    def __init__(self, factory: Callable[[], MongoClient[dict[str, Any]]]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._client: MongoClient[dict[str, Any]] | None = None
        self.created = 0
        """How many clients this cache has built (1 in a healthy environment)."""
        _CACHES.add(self)

    def get(self) -> MongoClient[dict[str, Any]]:
        """The cached client, created under the lock if there is none yet."""
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                self._client = self._factory()
                self.created += 1
            return self._client

    def cached(self) -> MongoClient[dict[str, Any]] | None:
        """The cached client, or None; never creates one."""
        return self._client

    def discard(self, client: MongoClient[dict[str, Any]]) -> bool:
        """Forget ``client`` if it is still the cached one, and close it.

        Comparing first means two threads reporting the same failure discard it once, and
        a thread holding an already replaced client does not discard the new one.
        """
        with self._lock:
            if self._client is not client:
                return False
            self._client = None
        client.close()
        return True

    def _forget_after_fork(self) -> None:
        # The child shares the parent's sockets: it must neither use nor close them. PyMongo
        # resets the inherited client's internals itself; the child simply builds a new one.
        # The lock may have been held by another parent thread at fork time: replace it.
        self._lock = threading.Lock()
        self._client = None
        self.created = 0


_CACHES: weakref.WeakSet[ClientCache] = weakref.WeakSet()


def forget_clients(close: bool = False) -> None:
    """Make every cache build a new client on next use: in a forked child, or around a
    SnapStart snapshot (snapstart.py). ``close=True`` first closes a client this process
    owns (before a snapshot); a child must never close its parent's sockets."""
    for cache in list(_CACHES):
        client = cache.cached()
        if close and client is not None:
            cache.discard(client)
        cache._forget_after_fork()


if hasattr(os, "register_at_fork"):  # POSIX only; Lambda is Linux
    os.register_at_fork(after_in_child=forget_clients)

_DEFAULT_CACHE = ClientCache(create_client)


def get_client() -> MongoClient[dict[str, Any]]:
    """The one client of this process, created from MONGODB_URI on the first call."""
    return _DEFAULT_CACHE.get()


def clients_created() -> int:
    """How many clients this process has created: 1, unless one was discarded."""
    return _DEFAULT_CACHE.created


def discard_client(client: MongoClient[dict[str, Any]]) -> bool:
    """Drop ``client`` from the process cache (if it is the cached one) and close it."""
    return _DEFAULT_CACHE.discard(client)


class _InvocationClient:
    """The context manager behind ``client_for_invocation``: a plain class, since it runs in
    every invocation and a ``@contextmanager`` generator costs microseconds more."""

    __slots__ = ("_client",)

    def __enter__(self) -> MongoClient[dict[str, Any]]:
        self._client = get_client()
        return self._client

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if isinstance(error, OperationFailure) and error.code == AUTHENTICATION_FAILED:
            discard_client(self._client)


def client_for_invocation() -> _InvocationClient:
    """Yield the process client; discard it if the server rejects our credentials.

    MONGODB-AWS re-reads credentials for every new connection, so a rebuilt client is
    usually not needed; discarding still guarantees that nothing cached by the failed client
    (pool state, a paused pool, cached credentials) outlives an authentication failure.
    """
    return _InvocationClient()


def _refused(error: BaseException | None) -> bool:
    """True if `error` (a server description's) was caused by ECONNREFUSED.

    pymongo raises AutoReconnect("host:port: [Errno 111] Connection refused ...") from the
    socket error (pymongo/pool_shared.py `_raise_connection_failure`), but the error a
    server description keeps has lost that chain: match the errno text it carries.
    """
    while error is not None:
        if isinstance(error, ConnectionRefusedError) or _REFUSED_TEXT in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def refused_addresses(description: TopologyDescription) -> list[str]:
    """`host:port` of each server, if every server's last check was refused; else []."""
    servers = description.server_descriptions()
    if not servers or not all(_refused(server.error) for server in servers.values()):
        return []
    return sorted(f"{host}:{port}" for host, port in servers)


def refuse_fast_if_refused(
    client: MongoClient[dict[str, Any]], probe_seconds: float = REFUSED_PROBE_SECONDS
) -> None:
    """Ping under a short timeout; raise DatabaseRefused if every server refused.

    PyMongo's server selection keeps waiting (serverSelectionTimeoutMS, or the invocation's
    deadline) even when each check is refused at once. Any other outcome of the probe is
    left to the invocation's own operation and deadline: an error other than a timeout
    propagates unchanged, a timeout without refusals is ignored.
    """
    try:
        with pymongo.timeout(probe_seconds):
            client.admin.command("ping")
    except PyMongoError as exc:
        if not exc.timeout:
            raise
        refused = refused_addresses(client.topology_description)
        if refused:
            raise DatabaseRefused(refused) from exc
