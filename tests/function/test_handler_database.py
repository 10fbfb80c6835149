"""The handler uses the database the deployed MONGODB_URI names in its path."""

from __future__ import annotations

import handler
from pymongo import MongoClient

from components.lambda_function.connection_string import build_lambda_uri


def _collection_database(uri: str) -> str:
    client = MongoClient(uri, connect=False)
    try:
        return handler._items(client).database.name
    finally:
        client.close()


def test_database_comes_from_the_uri_the_stack_builds():
    uri = build_lambda_uri(
        "mongodb://127.0.0.1:27017", database="app", app_name="fn", sharded=False
    ).replace("authMechanism=MONGODB-AWS&authSource=%24external&", "")
    assert _collection_database(uri) == "app"


def test_uri_without_a_database_falls_back():
    assert _collection_database("mongodb://127.0.0.1:27017/") == handler.FALLBACK_DATABASE
