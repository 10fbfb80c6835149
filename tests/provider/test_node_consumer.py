"""A Node.js program (pinned @pulumi/pulumi, tests/provider/node/package-lock.json)
constructs all five components remotely through the fake engine and the plugin, one
component's Output feeding another, as a TypeScript consumer of `pulumi package add` would.

The program runs in its own directory (a temporary folder, also the plugin's working
directory, as under the engine) holding the TypeScript example's `function/`; MongoLambda
gets `sourceDir: "./function"`, so the plugin packages it: the code, and a dependency
LayerVersion with pymongo built for the function's target (arm64, python3.14). The first
run installs the pinned wheels (package index needed, as for tests/packaging).

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
from tests.infra.fake_cloud import physical_id
from tests.provider.fake_engine import PROJECT, STACK, FakeMonitor

NODE_DIR = Path(__file__).with_name("node")
PKG = "atlas-lambda:index"
EXAMPLE_FUNCTION = Path(__file__).resolve().parents[2] / "examples" / "typescript" / "function"
EM_AARCH64 = 183  # ELF e_machine of arm64 (the function's default architecture)


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


def run_program(node: str, engine: FakeMonitor, program: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PULUMI_NODEJS_MONITOR": engine.address, "PULUMI_NODEJS_ENGINE": engine.address,
        "PULUMI_NODEJS_PROJECT": PROJECT, "PULUMI_NODEJS_STACK": STACK,
        "PULUMI_NODEJS_DRY_RUN": "true" if engine.dry_run else "false",
        "PULUMI_NODEJS_ORGANIZATION": "organization",
    }  # fmt: skip
    done = subprocess.run(
        [node, str(NODE_DIR / "index.js")], cwd=program, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (engine.construct_errors, done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")


def check_package(engine: FakeMonitor, program: Path, function_urn: str) -> None:
    """The relative `sourceDir` was packaged from the program's directory (the build lands
    in `.build/` beside it): handler.py alone in the code, pymongo built for arm64 and the
    `atlas_lambda` helper in the dependency layer the function names first."""
    (function,) = engine.of_type("aws:lambda/function:Function")
    (layer,) = engine.of_type("aws:lambda/layerVersion:LayerVersion")
    assert layer.parent == function_urn
    assert layer.inputs["layerName"] == "orders-api-deps"
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
    result = run_program(node, engine, program)
    for type_, name in [("AtlasCluster", "db"), ("Network", "net"), ("PrivateEndpoint", "pl"),
                        ("MongoLambda", "fn"), ("IamDatabaseUser", "user")]:  # fmt: skip
        assert result[type_]["urn"] == f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:{type_}::{name}"
    (user,) = engine.of_type("mongodbatlas:index/databaseUser:DatabaseUser")
    (function,) = engine.of_type("aws:lambda/function:Function")
    assert user.parent == result["IamDatabaseUser"]["urn"]
    assert function.parent == result["MongoLambda"]["urn"]
    assert function.inputs["memorySize"] == 2048  # sent as a JS number, an int in Python
    check_package(engine, program, result["MongoLambda"]["urn"])
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
