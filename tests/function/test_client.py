"""The client module in-process: options, credential refusal, laziness, threads, fork."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from atlas_lambda import client as client_module
from atlas_lambda.client import (
    LAMBDA_CLIENT_DEFAULTS,
    ClientCache,
    ClientConfigurationError,
    client_options,
    create_client,
    refuse_uri_credentials,
)
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from tests.harness.wire_server import WireServer

SECRET = "s3cr3t-value"
AWS_URI = (
    "mongodb+srv://cluster0.example.mongodb.net/?authMechanism=MONGODB-AWS&authSource=%24external"
)


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        (f"mongodb://user:{SECRET}@db.example.com/", "user name or password"),
        (f"mongodb+srv://user:{SECRET}@cluster0.example.mongodb.net/db", "user name or password"),
        ("mongodb://justauser@db.example.com/", "user name or password"),
        (
            "mongodb://db.example.com/?authMechanism=MONGODB-AWS"
            f"&authMechanismProperties=AWS_SESSION_TOKEN:{SECRET}",
            "AWS_SESSION_TOKEN",
        ),
        (f"mongodb://db.example.com/?tlsCertificateKeyFilePassword={SECRET}", "TLS key password"),
    ],
)
def test_uri_with_credentials_is_refused_naming_the_problem(uri: str, problem: str) -> None:
    with pytest.raises(ClientConfigurationError) as raised:
        refuse_uri_credentials(uri)
    message = str(raised.value)
    assert problem in message
    assert "MONGODB-AWS" in message  # says what to do instead
    assert SECRET not in message  # and never echoes the secret


@pytest.mark.parametrize(
    "uri",
    [
        AWS_URI,
        "mongodb://127.0.0.1:27017/",
        "mongodb://a:1,b:2/?replicaSet=rs0&authMechanism=MONGODB-AWS&authSource=%24external",
    ],
)
def test_credential_free_uris_are_accepted(uri: str) -> None:
    refuse_uri_credentials(uri)


def test_missing_or_foreign_uri_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MONGODB_URI", raising=False)
    with pytest.raises(ClientConfigurationError, match="MONGODB_URI is not set"):
        create_client()
    with pytest.raises(ClientConfigurationError, match="must start with mongodb"):
        create_client("postgres://db/")


def test_lambda_defaults_apply_and_the_uri_wins() -> None:
    options = client_options(AWS_URI, "orders")
    assert options["maxPoolSize"] == 1
    assert options["serverMonitoringMode"] == "poll"
    assert options["connect"] is False
    assert options["maxIdleTimeMS"] == 60_000
    assert options["appName"] == "atlas-lambda/orders"
    assert options["driver"].name == "atlas-lambda"
    assert options["serverSelectionTimeoutMS"] < 30_000  # shorter than the driver default
    assert options["connectTimeoutMS"] < 20_000

    overridden = client_options(AWS_URI + "&maxidletimems=1000&appName=mine")
    assert "maxIdleTimeMS" not in overridden and "appName" not in overridden
    client = MongoClient(AWS_URI + "&maxIdleTimeMS=1000", **overridden)
    try:
        assert client.options.pool_options.max_idle_time_seconds == 1.0
    finally:
        client.close()


def test_client_has_the_lambda_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders")
    client = create_client(
        "mongodb://127.0.0.1:9/?authMechanism=MONGODB-AWS&authSource=%24external"
    )
    try:
        pool = client.options.pool_options
        assert pool.max_pool_size == LAMBDA_CLIENT_DEFAULTS["maxPoolSize"]
        assert pool.appname == "atlas-lambda/orders"
        assert client.options.server_monitoring_mode == "poll"
        assert client.options.retry_writes and client.options.retry_reads
        assert pool.metadata["driver"]["name"].endswith("|atlas-lambda")
    finally:
        client.close()


def test_creating_the_client_opens_no_socket() -> None:
    """No socket until the first operation: a SnapStart snapshot taken after init has none."""
    server = WireServer().start()
    try:
        client = create_client(server.uri)
        time.sleep(0.3)  # give an eager client time to connect (it must not)
        assert server.stats().accepted == 0
        client.admin.command("ping")
        assert server.stats().accepted >= 1  # the counting works
        client.close()
    finally:
        server.stop()


class _CountingFactory:
    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> MongoClient[dict[str, Any]]:
        with self._lock:
            self.calls += 1
        time.sleep(0.01)  # widen the race window
        return MongoClient("mongodb://127.0.0.1:9/", connect=False)


def test_concurrent_first_calls_create_one_client() -> None:
    factory = _CountingFactory()
    cache = ClientCache(factory)
    barrier = threading.Barrier(16)
    seen: list[MongoClient[dict[str, Any]]] = []

    def first_call() -> None:
        barrier.wait(5)
        seen.append(cache.get())

    threads = [threading.Thread(target=first_call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert factory.calls == 1
    assert len(seen) == 16 and all(client is seen[0] for client in seen)
    seen[0].close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_builds_its_own_client() -> None:
    factory = _CountingFactory()
    cache = ClientCache(factory)
    parent_client = cache.get()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report whether it got a new client, then exit at once
        try:
            child_client = cache.get()
            verdict = b"new" if child_client is not parent_client else b"inherited"
        except BaseException:
            verdict = b"error"
        os.write(write_end, verdict)
        os._exit(0)
    os.close(write_end)
    try:
        verdict = os.read(read_end, 16)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    assert verdict == b"new"
    assert cache.get() is parent_client  # the parent keeps its own
    parent_client.close()


def test_authentication_failure_discards_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ClientCache(_CountingFactory())
    monkeypatch.setattr(client_module, "_DEFAULT_CACHE", cache)
    first = client_module.get_client()

    with pytest.raises(OperationFailure), client_module.client_for_invocation():
        raise OperationFailure("not authorized", code=13)
    assert client_module.get_client() is first  # other failures keep the client

    with pytest.raises(OperationFailure), client_module.client_for_invocation():
        raise OperationFailure("Authentication failed.", code=18)
    second = client_module.get_client()
    assert second is not first
    assert not client_module.discard_client(first)  # already gone: a no-op
    second.close()
