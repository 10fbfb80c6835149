"""`scripts/dev invoke` (python -m components.local.invoke), run as a user runs it: every
route of the sample handler answers 2xx from the built artifact under awslambdaric against
the local test server, and the connections it reports are the budget model's (3-member
replica set: 3 monitors + 1 pooled; the shard-optimized string: 1 pooled; the legacy
sharded string: 3 mongos monitored + 1 pooled), however many invocations; a typical user
handler (aggregate, count, updates) runs too; a bad event, stack or handler ends with the
command contract's two lines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId, json_util

from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli

FUNCTION_LOG = "  | "  # how the command quotes the function's own log (its traceback too)

MODULE = "components.local.invoke"
INVOKE_TIMEOUT_S = 300  # a first build downloads the wheels and the runtime's packages
ITEM_ID = ObjectId("65a000000000000000000001")
IGNORED = shutil.ignore_patterns("__pycache__", ".build")

USER_HANDLER = '''\
"""A typical user handler: the helper's client, a write, a count and a report."""

import json

from atlas_lambda import get_client


def handler(event, context):
    orders = get_client().get_default_database()["orders"]
    orders.insert_many([{"sku": "pen", "qty": 2}, {"sku": "ink", "qty": 1},
                        {"sku": "pen", "qty": 3}])
    orders.update_one({"sku": "ink"}, {"$inc": {"qty": 4}})
    report = list(orders.aggregate([
        {"$group": {"_id": "$sku", "qty": {"$sum": "$qty"}, "orders": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ]))
    return {
        "statusCode": 200,
        "body": json.dumps({
            "count": orders.count_documents({}),
            "pens": orders.count_documents({"sku": "pen"}),
            "estimated": orders.estimated_document_count(),
            "skus": orders.distinct("sku"),
            "report": report,
        }, sort_keys=True),
    }
'''


def invoke(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(MODULE, *args, cwd=cwd, timeout=INVOKE_TIMEOUT_S)


def invoked(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    result = invoke(*args, "--json", cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def assert_connections(report: dict[str, Any], *, monitor: int, pool: int, model: int) -> None:
    """Held once warm: `monitor` + `pool` = the model. Opened in all: those, plus at most
    the one connection a loaded machine's slow first authentication can lose to the
    handler's 1 s first-call probe (function/atlas_lambda/client.py REFUSED_PROBE_SECONDS),
    closed or (on a pool that spreads over several mongos) still held, and never one more
    per invocation."""
    connections = report["connections"]
    extra = connections["pool"] - pool
    assert connections["monitor"] == monitor and connections["model"] == model, connections
    assert 0 <= extra <= 1 and connections["open"] == monitor + pool + extra, connections
    assert connections["opened"] == connections["open"] + connections["closed"]
    assert connections["closed"] + extra <= 1, connections


def statuses(report: dict[str, Any]) -> list[int]:
    return [i["payload"]["statusCode"] for i in report["invocations"] if i["kind"] == "response"]


def body(invocation: dict[str, Any]) -> Any:
    return json.loads(invocation["payload"]["body"])


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "items.json"
    documents = {"items": [{"_id": ITEM_ID, "name": "seeded", "quantity": 7}]}
    path.write_text(json_util.dumps(documents))
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project (program, schema, function/), for stacks of a test's own."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    shutil.copytree(PROJECT_DIR / "function", tmp_path / "function", ignore=IGNORED)
    return tmp_path


def test_every_route_of_the_sample_handler_answers(seed: Path) -> None:
    report = invoked(
        "dev", "GET /health", 'POST /items {"name": "pen", "quantity": 2}', "GET /items?limit=5",
        f"GET /items/{ITEM_ID}", "--seed", str(seed),
    )  # fmt: skip
    assert report["stack"] == "dev" and report["function"] == "atlas-lambda-dev"
    assert [i["kind"] for i in report["invocations"]] == ["response"] * 4
    assert statuses(report) == [200, 201, 200, 200]
    health, created, listed, one = report["invocations"]
    assert body(health) == {"status": "ok"}
    new_id = body(created)["id"]
    assert [item["id"] for item in body(listed)["items"]] == [new_id, str(ITEM_ID)]
    assert body(one) == {"id": str(ITEM_ID), "name": "seeded", "quantity": 7}
    # dev is a replica set: the warm environment holds one polling monitor per member and
    # one pooled connection, exactly the budget model's figure.
    assert report["cluster"] == "replica set" and report["servers"] == 3
    assert_connections(report, monitor=3, pool=1, model=4)


def test_the_default_is_the_dev_stacks_health_route_in_plain_text() -> None:
    result = invoke()
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "GET /health -> 200"
    assert json.loads(lines[1])["statusCode"] == 200
    assert lines[2].startswith("connections: 4 open (3 monitoring, 1 pooled) on a 3-member")
    assert "the budget model counts 4 per environment" in lines[2]
    # What ran is said on stderr: the build for this machine and the database's shape.
    assert "invoke: runs handler.handler of atlas-lambda-dev" in result.stderr
    assert "3-member replica set on 127.0.0.1, requiring MONGODB-AWS" in result.stderr


def test_the_shard_optimized_string_holds_one_pooled_connection() -> None:
    report = invoked("prod", 'POST /items {"name": "ink", "quantity": 1}', "GET /items")
    assert statuses(report) == [201, 200]
    assert report["cluster"] == "load-balanced mongos"
    assert_connections(report, monitor=0, pool=1, model=1)  # no monitor when load-balanced


def test_the_legacy_sharded_string_monitors_three_mongos(project: Path) -> None:
    prod = (PROJECT_DIR / "Pulumi.prod.yaml").read_text()
    (project / "Pulumi.legacy.yaml").write_text(
        prod + "  atlas-lambda:legacyShardedConnectionString: true\n"
    )
    report = invoked("legacy", "GET /health", "--cwd", str(project))
    assert statuses(report) == [200]
    assert report["cluster"] == "mongos" and report["servers"] == 3
    assert_connections(report, monitor=3, pool=1, model=4)


def test_a_typical_user_handler_with_aggregate_and_count(tmp_path: Path) -> None:
    source = tmp_path / "function"
    source.mkdir()
    (source / "handler.py").write_text(USER_HANDLER)
    shutil.copy(PROJECT_DIR / "function" / "requirements.txt", source / "requirements.txt")
    report = invoked("dev", str(tmp_path / "event.json"), "--source", str(source), cwd=tmp_path)
    [answer] = report["invocations"]
    assert answer["kind"] == "response", answer
    assert body(answer) == {
        "count": 3, "pens": 2, "estimated": 3, "skus": ["pen", "ink"],
        "report": [{"_id": "ink", "orders": 1, "qty": 5}, {"_id": "pen", "orders": 2, "qty": 5}],
    }  # fmt: skip
    assert_connections(report, monitor=3, pool=1, model=4)


@pytest.fixture(autouse=True)
def _event_file(tmp_path: Path) -> None:
    """An event file any test may name (`event.json` in its tmp_path)."""
    (tmp_path / "event.json").write_text(json.dumps({"source": "test"}))


def test_an_event_file_and_warm_invocations_that_open_nothing_more(tmp_path: Path) -> None:
    event = {"version": "2.0", "rawPath": "/health",
             "requestContext": {"http": {"method": "GET", "path": "/health"}}}  # fmt: skip
    (tmp_path / "health.json").write_text(json.dumps(event))
    report = invoked(str(tmp_path / "health.json"), "GET /items", "--repeat", "10")
    assert report["stack"] == "dev" and statuses(report) == [200] * 20
    assert_connections(report, monitor=3, pool=1, model=4)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["dev", "no-such-event.json"], ["no-such-event.json", "no such file"]),
        (["dev", "GET health"], ["GET health", "must start with '/'"]),
        (["dev", "FETCH /health"], ["FETCH /health", "not a route"]),
        (["dev", "POST /items {name: pen}"], ["POST /items", "body is not JSON"]),
        (["no-such-stack"], ["no-such-stack", "Pulumi.no-such-stack.yaml"]),
    ],
    ids=["missing-file", "path-without-slash", "unknown-method", "body-not-json", "stack"],
)
def test_a_bad_event_or_stack_is_a_clean_error(args: list[str], names: list[str]) -> None:
    result = invoke(*args)
    assert_clean_failure(result, exit_code=1, names=names)
    assert result.stdout == ""


def test_an_event_file_that_is_not_json_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rawPath": "/health",')
    result = invoke("dev", str(bad))
    assert_clean_failure(result, exit_code=1, names=["bad.json", "not JSON", "line 1"])


def test_usage_errors_exit_64() -> None:
    assert_clean_failure(invoke("--repeat", "0"), exit_code=64, names=["--repeat"])
    assert_clean_failure(invoke("--bogus"), exit_code=64, names=["--bogus"])


def without_function_log(result: subprocess.CompletedProcess[str]) -> Any:
    """The command's own output: the function's quoted log (a traceback of the handler's
    is the function's business, and shown) left out, so the contract can be checked."""
    lines = [line for line in result.stderr.splitlines() if not line.startswith(FUNCTION_LOG)]
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout,
                                       "\n".join(lines) + "\n")  # fmt: skip


def test_a_handler_that_raises_is_a_clean_error_with_its_log(tmp_path: Path) -> None:
    source = tmp_path / "function"
    source.mkdir()
    (source / "handler.py").write_text(
        "def handler(event, context):\n    raise ValueError('broken on purpose')\n"
    )
    result = invoke("dev", "GET /health", "--source", str(source))
    error = assert_clean_failure(
        without_function_log(result), exit_code=1,
        names=["GET /health", "raised ValueError: broken on purpose"],
    )  # fmt: skip
    assert error.startswith("error: GET /health: the handler raised")
    assert f"{FUNCTION_LOG}[ERROR] ValueError: broken on purpose" in result.stderr
    assert "GET /health -> raised ValueError" in result.stdout


def test_a_handler_that_cannot_be_imported_is_a_clean_error(tmp_path: Path) -> None:
    source = tmp_path / "function"
    source.mkdir()
    (source / "handler.py").write_text(
        "import no_such_module_here\n\n\ndef handler(e, c):\n    pass\n"
    )
    result = invoke("dev", "--source", str(source))
    assert_clean_failure(
        without_function_log(result), exit_code=1,
        names=["did not start", "Runtime.ImportModuleError", "no_such_module_here"],
    )  # fmt: skip
    assert result.stdout == ""
