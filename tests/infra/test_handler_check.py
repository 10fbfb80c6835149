"""The handler check on good and bad sample handlers, and where it runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from components.errors import ConfigError
from components.guardrails.handler_check import client_reuse_findings
from components.lambda_function import FUNCTION_SOURCE_DIR
from components.offline import run_program
from components.packaging.build import build_function_package
from components.packaging.errors import HandlerError

from .fake_cloud import FakeCloud

GOOD = {
    "module-level client": """
        import os
        from pymongo import MongoClient
        client = MongoClient(os.environ["MONGODB_URI"])
        def handler(event, context):
            return client.db.command("ping")
    """,
    "lazy global": """
        from pymongo import MongoClient
        _client = None
        def get_client():
            global _client
            if _client is None:
                _client = MongoClient()
            return _client
        def handler(event, context):
            return get_client().db.command("ping")
    """,
    "cached factory": """
        import functools
        import pymongo
        @functools.lru_cache(maxsize=1)
        def get_client():
            return pymongo.MongoClient()
        def handler(event, context):
            return get_client().admin.command("ping")
    """,
    "atlas_lambda.get_client()": """
        import atlas_lambda
        def handler(event, context):
            return atlas_lambda.get_client().db.command("ping")
    """,
    "from atlas_lambda import get_client, bound to a local": """
        from atlas_lambda import get_client as shared
        def handler(event, context):
            db = shared()
            return db.app.items.find_one()
    """,
    "client built in code the handler never calls": """
        from pymongo import MongoClient
        def admin_tool():
            MongoClient().close()
        def handler(event, context):
            return {}
    """,
}

BAD = {
    "client in the handler": (
        """
        from pymongo import MongoClient
        def handler(event, context):
            client = MongoClient()
            return client.db.command("ping")
        """,
        4, "MongoClient constructed in `handler`",
    ),
    "client in a helper the handler calls": (
        """
        import pymongo
        def connect():
            return pymongo.MongoClient()
        def handler(event, context):
            return connect().db.command("ping")
        """,
        4, "`connect` (called by `handler`)",
    ),
    "close in the handler": (
        """
        from pymongo import MongoClient
        client = MongoClient()
        def handler(event, context):
            try:
                return client.db.command("ping")
            finally:
                client.close()
        """,
        8, "client.close() in `handler`",
    ),
    "with MongoClient": (
        """
        from pymongo import MongoClient
        def handler(event, context):
            with MongoClient() as client:
                return client.db.command("ping")
        """,
        4, "`with MongoClient(...)`",
    ),
    "aliased import": (
        """
        from pymongo import MongoClient as Mongo
        def handler(event, context):
            return Mongo().db.command("ping")
        """,
        4, "MongoClient constructed in `handler`",
    ),
    "atlas_lambda.create_client() per invocation": (
        """
        import atlas_lambda as al
        def handler(event, context):
            return al.create_client().db.command("ping")
        """,
        4, "al.create_client() (a new MongoClient) called in `handler`",
    ),
    "closing the helper's client through a local name": (
        """
        from atlas_lambda import get_client
        def handler(event, context):
            db = get_client()
            db.app.items.find_one()
            db.close()
        """,
        6, "db.close() in `handler`",
    ),
    "with get_client()": (
        """
        from atlas_lambda import get_client
        def handler(event, context):
            with get_client() as shared:
                return shared.db.command("ping")
        """,
        4, "`with get_client()` in `handler` closes the shared client",
    ),
}  # fmt: skip


@pytest.mark.parametrize("source", GOOD.values(), ids=GOOD.keys())
def test_reuse_patterns_pass(source):
    assert client_reuse_findings(textwrap.dedent(source), "handler.py", "handler") == []


@pytest.mark.parametrize("source, line, text", BAD.values(), ids=BAD.keys())
def test_per_invocation_clients_are_flagged_with_file_and_line(source, line, text):
    findings = client_reuse_findings(textwrap.dedent(source), "handler.py", "handler")
    matching = [f for f in findings if text in f.message]
    assert matching, findings
    assert matching[0].message.startswith(f"handler.py:{line}: "), matching[0].message
    assert matching[0].key == "handler" and matching[0].severity == "error"


def test_the_shipped_handler_passes():
    source = (FUNCTION_SOURCE_DIR / "handler.py").read_text()
    assert client_reuse_findings(source, "function/handler.py", "handler") == []


def _bad_function_dir(tmp_path: Path) -> Path:
    source = tmp_path / "fn"
    source.mkdir()
    (source / "handler.py").write_text(textwrap.dedent(BAD["client in the handler"][0]))
    (source / "requirements.txt").write_text("")
    return source


def test_package_time_refuses_a_per_invocation_client(tmp_path):
    with pytest.raises(HandlerError, match=r"fn/handler.py:4: MongoClient constructed"):
        build_function_package(_bad_function_dir(tmp_path), handler="handler.handler",
                               cache_dir=tmp_path / "cache", progress=None)  # fmt: skip


def test_preview_refuses_it_before_registering(tmp_path):
    from components import MongoLambda

    cloud = FakeCloud()
    source = _bad_function_dir(tmp_path)

    def program() -> None:
        MongoLambda("fn", {"function_name": "fn", "vpc_id": "vpc-1", "subnet_ids": ["s"],
                           "mongodb_srv": "mongodb+srv://h", "database_name": "app",
                           "source_dir": str(source)})  # fmt: skip

    with pytest.raises(ConfigError, match=r"handler: .*fn/handler.py:4: "):
        run_program(program, mocks=cloud, preview=False)
    assert cloud.events == []
