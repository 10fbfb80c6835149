"""The example files the docs include that no other suite runs: each one is run or loaded
here as a user would use it (tests/docs/test_snippets.py lists which test runs each
included file)."""

from __future__ import annotations

import runpy
import sys
import uuid
from contextlib import chdir
from pathlib import Path

import pytest

import components
from components.lambda_function.log_queries import QUERIES
from components.offline import run_program
from components.offline.engine import stack_config
from components.stack.program import stack_program
from policy import pack_config
from policy.pack import POLICIES

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run_example(folder: Path, config: dict[str, str] | None = None):
    """A Python example as `pulumi preview` runs it: in its folder, `pulumi_atlas_lambda`
    importable (here the repository's `components`, which pip installs under that name)."""

    def program() -> None:
        runpy.run_path(str(folder / "__main__.py"), run_name="__main__")

    sys.modules["pulumi_atlas_lambda"] = components
    try:
        with chdir(folder):
            return run_program(program, stack="dev", project=folder.name, config=config or {})
    finally:
        del sys.modules["pulumi_atlas_lambda"]


def test_components_example_composes_a_cluster_and_a_read_only_user() -> None:
    plan = run_example(EXAMPLES / "components").plan
    (cluster,) = plan.by_type("mongodbatlas:index/advancedCluster:AdvancedCluster")
    (user,) = plan.by_type("mongodbatlas:index/databaseUser:DatabaseUser")
    assert cluster.inputs["name"] == "analytics"
    specs = cluster.inputs["replicationSpecs"][0]["regionConfigs"][0]
    assert specs["regionName"] == "EU_CENTRAL_1"
    assert specs["autoScaling"]["computeMaxInstanceSize"] == "M60"
    assert user.inputs["awsIamType"] == "ROLE"
    assert user.inputs["roles"] == [{"databaseName": "reports", "roleName": "read"}]
    assert not plan.by_type("aws:lambda/function:Function")
    assert set(plan.outputs) == {"databaseUser"}


def test_stack_example_previews_like_the_example_stacks() -> None:
    """examples/stack/Pulumi.mystack.yaml is read as the CLI reads a stack file and run as
    the project's program."""
    assert (EXAMPLES / "stack" / "Pulumi.mystack.yaml").is_file()
    config, secret_keys = stack_config("mystack", EXAMPLES / "stack")
    run = run_program(stack_program, stack="mystack", config=config, secret_keys=secret_keys)
    (function,) = run.plan.by_type("aws:lambda/function:Function")
    assert function.inputs["reservedConcurrentExecutions"] == 100
    assert run.plan.by_type("aws:lambda/functionUrl:FunctionUrl")
    assert run.plan.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")  # the default path


def test_pack_config_example_is_valid_for_the_pack() -> None:
    config, _levels = pack_config.load(EXAMPLES / "policy" / "pack-config.json", POLICIES)
    assert config["atlas-access-list"]["allowAccessList"] is True
    assert config["atlas-database-user-iam"]["exemptUsernames"] == ["analyst"]


def test_logs_insights_examples_are_the_dashboard_queries() -> None:
    """The operations page includes these files; the dashboard uses QUERIES, which
    tests/function/test_access_log.py runs against the handler's real log lines."""
    folder = EXAMPLES / "logs-insights"
    files = {path.stem: path.read_text(encoding="utf-8").rstrip("\n") for path in folder.iterdir()}
    assert files == {slug(title): query for title, query in QUERIES.items()}


def slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())


def test_handler_example_passes_the_handler_check() -> None:
    from components.guardrails.handler_check import client_reuse_findings

    source = (EXAMPLES / "handler" / "app" / "handler.py").read_text(encoding="utf-8")
    assert client_reuse_findings(source, "handler.py", "handler") == []


@pytest.fixture
def wire_backend():
    from tests.function.backends import WireServerBackend

    backend = WireServerBackend()
    yield backend
    backend.close()


def test_handler_example_answers_under_the_lambda_runtime_client(wire_backend) -> None:
    """The handler as Lambda runs it (awslambdaric, the helper beside it as packaging adds
    it) against the wire-protocol test server requiring MONGODB-AWS."""
    from tests.harness.lambda_environment import LambdaEnvironment

    shims = ROOT / "tests" / "function" / "shims"
    env = LambdaEnvironment(
        EXAMPLES / "handler" / "app",
        {"MONGODB_URI": wire_backend.uri, **wire_backend.environ},
        extra_paths=[shims, ROOT / "function"],
        function_name=f"atlas-lambda-docs-{uuid.uuid4().hex[:8]}",
    )
    with env:
        first = env.invoke({"id": "a1"})
        second = env.invoke({"id": "b2"})
    assert (first.kind, first.payload) == ("response", {"found": False}), env.log()
    assert (second.kind, second.payload) == ("response", {"found": False})
    assert wire_backend.connections_created() == 2  # one monitor, one pooled: one client
