"""A Node.js program (pinned @pulumi/pulumi, tests/provider/node/package-lock.json)
constructs the components remotely through the fake engine and the plugin, as a TypeScript
consumer of `pulumi package add` would: the five building blocks, one component's Output
feeding another; AtlasLambda, the whole pattern in one component; and an AtlasLambda whose
reserved concurrency the tier cannot serve, refused before anything is registered.

The program runs in its own directory (a temporary folder, also the plugin's working
directory, as under the engine) holding the TypeScript example's `function/`; MongoLambda
and AtlasLambda get `sourceDir: "./function"`, so the plugin packages it: the code, and a
dependency LayerVersion with pymongo built for the function's target (arm64, python3.14).
The first run installs the pinned wheels (package index needed, as for tests/packaging).

Needs `node` and `npm`; CI machines start with Python only, so it is skipped there with
the reason. `npm ci` runs once when node_modules is missing (npm registry needed).
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.guardrails.lambda_limits import DEFAULT_RUNTIME
from components.lambda_function.connection_string import build_lambda_uri
from tests.infra.fake_cloud import physical_id
from tests.provider.fake_engine import PROJECT, STACK, FakeMonitor
from tests.provider.test_construct import is_unknown, property_errors

NODE_DIR = Path(__file__).with_name("node")
PKG = "atlas-lambda:index"
EXAMPLE_FUNCTION = Path(__file__).resolve().parents[2] / "examples" / "typescript" / "function"
EM_AARCH64 = 183  # ELF e_machine of arm64 (the function's default architecture)
# AtlasLambda's children (type, name) and the names it gives from the stack's defaults.
PATTERN_CHILDREN = [("AtlasCluster", "app-atlas"), ("IamDatabaseUser", "app-db-user"),
                    ("MongoLambda", "app-lambda"), ("Network", "app-network"),
                    ("PrivateEndpoint", "app-privatelink")]  # fmt: skip
PATTERN_NAME = f"atlas-lambda-{STACK}"  # function and cluster: `atlas-lambda-<stack>`


@pytest.fixture(scope="module")
def node() -> str:
    executable, npm = shutil.which("node"), shutil.which("npm")
    if not executable or not npm:
        pytest.skip("node and npm are not installed (the Node consumer test needs both)")
    if not (NODE_DIR / "node_modules" / "@pulumi" / "pulumi").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=NODE_DIR, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if installed.returncode:
            pytest.skip(f"npm ci failed (npm registry unreachable?): {installed.stderr[-300:]}")
    return executable


@pytest.fixture(scope="module")
def program(program_dir: Path) -> Path:
    """The consumer program's directory with its `function/` (the TypeScript example's)."""
    shutil.copytree(EXAMPLE_FUNCTION, program_dir / "function", dirs_exist_ok=True)
    return program_dir


def start_program(
    node: str, engine: FakeMonitor, program: Path, which: str
) -> subprocess.CompletedProcess[str]:
    """node/index.js running `which` (blocks, pattern or refused) as the language host
    would run it against the engine."""
    env = {
        **os.environ,
        "PULUMI_NODEJS_MONITOR": engine.address, "PULUMI_NODEJS_ENGINE": engine.address,
        "PULUMI_NODEJS_PROJECT": PROJECT, "PULUMI_NODEJS_STACK": STACK,
        "PULUMI_NODEJS_DRY_RUN": "true" if engine.dry_run else "false",
        "PULUMI_NODEJS_ORGANIZATION": "organization",
    }  # fmt: skip
    return subprocess.run(
        [node, str(NODE_DIR / "index.js"), which], cwd=program, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip


def run_program(node: str, engine: FakeMonitor, program: Path, which: str) -> dict[str, Any]:
    done = start_program(node, engine, program, which)
    assert done.returncode == 0, (engine.construct_errors, done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def check_package(
    engine: FakeMonitor, program: Path, function_urn: str, function_name: str
) -> None:
    """The relative `sourceDir` was packaged from the program's directory (the build lands
    in `.build/` beside it): handler.py alone in the code, pymongo built for arm64 and the
    `atlas_lambda` helper in the dependency layer the function names first."""
    (function,) = engine.of_type("aws:lambda/function:Function")
    (layer,) = engine.of_type("aws:lambda/layerVersion:LayerVersion")
    assert layer.parent == function_urn
    assert layer.inputs["layerName"] == f"{function_name}-deps"
    assert layer.inputs["compatibleArchitectures"] == ["arm64"]
    assert layer.inputs["compatibleRuntimes"] == [DEFAULT_RUNTIME]
    code, deps = Path(function.inputs["code"].path), Path(layer.inputs["code"].path)
    for built in (code, deps):
        assert built.is_relative_to(program / ".build"), built
    assert sorted(p.name for p in code.iterdir()) == ["handler.py"]
    assert (code / "handler.py").read_bytes() == (EXAMPLE_FUNCTION / "handler.py").read_bytes()
    site = deps / "python"
    assert (site / "pymongo" / "__init__.py").is_file()
    assert (site / "atlas_lambda" / "__init__.py").is_file()
    (wheel,) = site.glob("pymongo-*.dist-info/WHEEL")
    tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
            if line.startswith("Tag:")]  # fmt: skip
    assert tags and all(tag.endswith("_aarch64") for tag in tags), tags
    extensions = sorted(site.rglob("*.so"))
    assert extensions and all(elf_machine(so) == EM_AARCH64 for so in extensions)
    if not engine.dry_run:
        assert function.inputs["layers"][0] == layer.outputs["arn"]


def test_node_program_builds_the_stack(node: str, engine: FakeMonitor, program: Path) -> None:
    result = run_program(node, engine, program, "blocks")
    for type_, name in [("AtlasCluster", "db"), ("Network", "net"), ("PrivateEndpoint", "pl"),
                        ("MongoLambda", "fn"), ("IamDatabaseUser", "user")]:  # fmt: skip
        assert result[type_]["urn"] == f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:{type_}::{name}"
    (user,) = engine.of_type("mongodbatlas:index/databaseUser:DatabaseUser")
    (function,) = engine.of_type("aws:lambda/function:Function")
    assert user.parent == result["IamDatabaseUser"]["urn"]
    assert function.parent == result["MongoLambda"]["urn"]
    assert function.inputs["memorySize"] == 2048  # sent as a JS number, an int in Python
    check_package(engine, program, result["MongoLambda"]["urn"], "orders-api")
    if engine.dry_run:
        assert result["MongoLambda"]["outputs"]["roleArn"] == "<unknown>"
        return
    # Outputs crossed from one component to the next: the Lambda's role is the DB user,
    # the network's subnets carry the function, the endpoint's string is its URI.
    role_arn = result["MongoLambda"]["outputs"]["roleArn"]
    assert role_arn == engine.cloud.role_arn("fn-role")
    assert user.inputs["username"] == role_arn
    assert function.inputs["vpcConfig"]["subnetIds"] == result["Network"]["outputs"]["subnetIds"]
    vpce = result["PrivateEndpoint"]["outputs"]["vpcEndpointId"]
    assert vpce == physical_id("aws:ec2/vpcEndpoint:VpcEndpoint", "pl-vpce")
    srv = engine.cloud.private_srv_for(vpce, "orders")
    assert result["PrivateEndpoint"]["outputs"]["privateSrvConnectionString"] == srv
    assert function.inputs["environment"]["variables"]["MONGODB_URI"].startswith(
        srv.replace("mongodb+srv://", "mongodb+srv://", 1)
    )


def test_node_program_builds_the_whole_pattern(
    node: str, engine: FakeMonitor, program: Path
) -> None:
    """`new AtlasLambda("app", {orgId, awsRegion, sourceDir: "./function",
    reservedConcurrency: 100})`: the five components under it, the function packaged from
    the program's folder with its dependency layer, MONGODB_URI built from the private
    endpoint's string and the database user named by the function's role."""
    result = run_program(node, engine, program, "pattern")
    urn = result["AtlasLambda"]["urn"]
    assert urn == f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:AtlasLambda::app"
    assert len(engine.children_of(urn)) == len(PATTERN_CHILDREN)
    children = {kid.type.removeprefix(f"{PKG}:"): kid for kid in engine.children_of(urn)}
    assert sorted((type_, kid.name) for type_, kid in children.items()) == PATTERN_CHILDREN
    assert all(f"::{PKG}:AtlasLambda${PKG}:" in kid.urn for kid in children.values())
    # Every resource of the plan is the component's (through its children).
    custom = [r for r in engine.registrations.values() if r.custom]
    assert custom and all(r.urn.startswith(f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:AtlasLambda$")
                          for r in custom)  # fmt: skip
    (function,) = engine.of_type("aws:lambda/function:Function")
    (user,) = engine.of_type("mongodbatlas:index/databaseUser:DatabaseUser")
    assert function.parent == children["MongoLambda"].urn
    assert user.parent == children["IamDatabaseUser"].urn
    assert function.inputs["name"] == PATTERN_NAME
    assert function.inputs["reservedConcurrentExecutions"] == 100
    assert user.inputs["awsIamType"] == "ROLE"
    assert user.inputs["roles"] == [{"roleName": "readWrite", "databaseName": "app"}]
    check_package(engine, program, children["MongoLambda"].urn, PATTERN_NAME)
    uri = function.inputs["environment"]["variables"]["MONGODB_URI"]
    outputs = result["AtlasLambda"]["outputs"]
    if engine.dry_run:
        assert is_unknown(uri) and is_unknown(user.inputs["username"])
        assert outputs["connectionString"] == outputs["databaseUser"] == "<unknown>"
        return
    # The endpoint's private string is the function's URI; the role is the user.
    vpce = outputs["vpcEndpointId"]
    assert vpce == physical_id("aws:ec2/vpcEndpoint:VpcEndpoint", "app-privatelink-vpce")
    srv = engine.cloud.private_srv_for(vpce, PATTERN_NAME)
    assert outputs["connectionString"] == srv
    assert uri == build_lambda_uri(srv, database="app", app_name=PATTERN_NAME, sharded=False)
    role_arn = engine.cloud.role_arn("app-lambda-role")
    assert function.inputs["role"] == outputs["roleArn"] == role_arn
    assert user.inputs["username"] == outputs["databaseUser"] == role_arn


def test_node_program_over_budget_is_refused(node: str, engine: FakeMonitor, program: Path) -> None:
    """`tier: "M10", reservedConcurrency: 900`: 2 connections per environment against
    M10's 1490. The program fails on the component; the engine gets the error naming
    `reservedConcurrency` and the largest safe value (what `pulumi preview` prints as the
    property's problem), and nothing is registered."""
    done = start_program(node, engine, program, "refused")
    assert done.returncode != 0
    assert "failed to register new resource app [atlas-lambda:index:AtlasLambda]" in done.stderr
    assert "INVALID_ARGUMENT" in done.stderr
    (error,) = engine.construct_errors
    ((path, reason),) = property_errors(error)
    assert path == "reservedConcurrency"
    assert "M10 allows 1490" in reason
    assert "the largest safe value is 745" in reason
    assert not engine.registrations, [r.urn for r in engine.registrations.values()]
