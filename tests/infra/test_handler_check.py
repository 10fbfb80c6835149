"""The handler check on good and bad sample handlers, and where it runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from components.errors import ConfigError
from components.guardrails.handler_check import client_reuse_findings
from components.lambda_function.component import FUNCTION_SOURCE_DIR
from components.offline import run_program
from components.packaging.build import build_function_package
from components.packaging.errors import HandlerError
from components.packaging.handler import module_loader

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
    "s3_client.close() and http_client.close() are not MongoDB clients": """
        import boto3, httpx
        from atlas_lambda import get_client
        def handler(event, context):
            s3_client = boto3.client("s3")
            s3_client.close()
            http_client = httpx.Client()
            http_client.close()
            return get_client().db.command("ping")
    """,
    "global _client = _client or MongoClient()": """
        from pymongo import MongoClient
        _client = None
        def handler(event, context):
            global _client
            _client = _client or MongoClient()
            return _client.db.command("ping")
    """,
    "module-level dict cache under a `not in` guard": """
        from pymongo import MongoClient
        _clients = {}
        def handler(event, context):
            uri = event["uri"]
            if uri not in _clients:
                _clients[uri] = MongoClient(uri)
            return _clients[uri].db.command("ping")
    """,
    "class instantiated once at module level": """
        from pymongo import MongoClient
        class Store:
            def __init__(self):
                self.client = MongoClient()
            def ping(self):
                return self.client.db.command("ping")
        store = Store()
        def handler(event, context):
            return store.ping()
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
    "lambda that builds a client": (
        """
        from pymongo import MongoClient
        handler = lambda e, c: MongoClient("x").db.command("ping")
        """,
        3, "MongoClient constructed in the lambda bound to `handler`",
    ),
    "alias of pymongo.MongoClient": (
        """
        import pymongo
        MC = pymongo.MongoClient
        def handler(event, context):
            return MC().db.command("ping")
        """,
        5, "MongoClient constructed in `handler`",
    ),
    "import atlas_lambda.client as alc; alc.create_client()": (
        """
        import atlas_lambda.client as alc
        def handler(event, context):
            return alc.create_client().db.command("ping")
        """,
        4, "alc.create_client() (a new MongoClient) called in `handler`",
    ),
    "gc = get_client; m = gc(); m.close()": (
        """
        from atlas_lambda import get_client
        gc = get_client
        def handler(event, context):
            m = gc()
            m.db.command("ping")
            m.close()
        """,
        7, "m.close() in `handler`",
    ),
    "contextlib.closing(get_client())": (
        """
        import contextlib
        from atlas_lambda import get_client
        def handler(event, context):
            with contextlib.closing(get_client()) as db:
                return db.app.items.find_one()
        """,
        5, "`contextlib.closing(get_client())` in `handler` closes the client",
    ),
    "with on a module-level client": (
        """
        from pymongo import MongoClient
        client = MongoClient()
        def handler(event, context):
            with client:
                return client.db.command("ping")
        """,
        5, "`with client` in `handler` closes the shared client",
    ),
    "class whose __init__ builds a client, instantiated per call": (
        """
        from pymongo import MongoClient
        class Store:
            def __init__(self):
                self.client = MongoClient()
        def handler(event, context):
            return Store().client.db.command("ping")
        """,
        5, "MongoClient constructed in `Store.__init__` (called by `handler`)",
    ),
    "function called through a dict": (
        """
        from pymongo import MongoClient
        def ping(event):
            return MongoClient().db.command("ping")
        ROUTES = {"ping": ping}
        def handler(event, context):
            return ROUTES[event["route"]](event)
        """,
        4, "MongoClient constructed in `ping` (called by `handler`)",
    ),
    "motor AsyncIOMotorClient per invocation": (
        """
        import asyncio
        from motor.motor_asyncio import AsyncIOMotorClient
        def handler(event, context):
            client = AsyncIOMotorClient()
            return asyncio.run(client.db.command("ping"))
        """,
        5, "AsyncIOMotorClient (motor's MongoDB client) constructed in `handler`",
    ),
    "unguarded module-level dict store": (
        """
        from pymongo import MongoClient
        _clients = {}
        def handler(event, context):
            _clients[event["uri"]] = MongoClient(event["uri"])
            return _clients[event["uri"]].db.command("ping")
        """,
        5, "MongoClient constructed in `handler`",
    ),
}  # fmt: skip

UNFOLLOWABLE = {
    "lambda": ("handler = lambda e, c: {'ok': True}\n", "the lambda bound to `handler`"),
    "bound method": (
        "class App:\n    def handle(self, e, c):\n        return {}\nhandler = App().handle\n",
        "`App().handle`, not a function the check can read",
    ),
    "lookup in a dict": (
        "def a(e, c):\n    return {}\nROUTES = {'a': a}\nhandler = ROUTES['a']\n",
        "`ROUTES['a']`, not a function the check can read",
    ),
    "imported from outside the source folder": (
        "from mangum import handler\n",
        "imported from mangum, which is not in the source folder",
    ),
}


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
                           "database_security_group_id": "sg-1",
                           "mongodb_srv": "mongodb+srv://h", "database_name": "app",
                           "source_dir": str(source)})  # fmt: skip

    with pytest.raises(ConfigError, match=r"handler: .*fn/handler.py:4: "):
        run_program(program, mocks=cloud, preview=False)
    assert cloud.events == []


@pytest.mark.parametrize("source, reason", UNFOLLOWABLE.values(), ids=UNFOLLOWABLE.keys())
def test_a_handler_the_check_cannot_follow_is_an_advisory_naming_it(source, reason):
    [finding] = client_reuse_findings(source, "handler.py", "handler")
    assert finding.severity == "advisory", finding
    assert finding.message.startswith("client reuse not checked for `handler`: "), finding
    assert reason in finding.message, finding


def _check_folder(tmp_path: Path, files: dict[str, str], module: str = "handler.py"):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    members = {name: tmp_path / name for name in files}
    load = module_loader(members, "fn", "handler.handler")
    return client_reuse_findings((tmp_path / module).read_text(), f"fn/{module}", "handler", load)


def test_a_handler_imported_from_a_local_module_is_followed(tmp_path):
    findings = _check_folder(tmp_path, {
        "handler.py": "from impl import handler\n",
        "impl.py": """
            from pymongo import MongoClient
            def handler(event, context):
                return MongoClient().db.command("ping")
        """,
    })  # fmt: skip
    assert [f.message[:40] for f in findings] == ["fn/impl.py:4: MongoClient constructed in"]


def test_helpers_imported_relatively_from_a_package_are_followed(tmp_path):
    findings = _check_folder(tmp_path, {
        "app/__init__.py": "",
        "app/main.py": """
            from .db import connect
            def handler(event, context):
                return connect().db.command("ping")
        """,
        "app/db.py": """
            import pymongo
            def connect():
                return pymongo.MongoClient()
        """,
    }, module="app/main.py")  # fmt: skip
    assert len(findings) == 1 and findings[0].message.startswith("fn/app/db.py:4: "), findings


def test_a_local_import_of_a_reusing_handler_passes(tmp_path):
    assert _check_folder(tmp_path, {
        "handler.py": "from impl import handler as handler\n",
        "impl.py": """
            from atlas_lambda import get_client
            def handler(event, context):
                return get_client().db.command("ping")
        """,
    }) == []  # fmt: skip


def test_package_step_says_the_check_could_not_follow_the_handler(tmp_path):
    source = tmp_path / "fn"
    source.mkdir()
    (source / "handler.py").write_text(UNFOLLOWABLE["bound method"][0])
    (source / "requirements.txt").write_text("")
    lines: list[str] = []
    build_function_package(source, handler="handler.handler", cache_dir=tmp_path / "cache",
                           progress=lines.append)  # fmt: skip
    [line] = [line for line in lines if line.startswith("handler: ")]
    assert "one client reused" not in line
    assert "warning: client reuse not checked for `handler`: `handler` in fn/handler.py is " in line
