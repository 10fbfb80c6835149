"""A Node.js program (pinned @pulumi/pulumi, tests/provider/node/package-lock.json)
constructs all five components remotely through the fake engine and the plugin, one
component's Output feeding another, as a TypeScript consumer of `pulumi package add` would.

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

from tests.infra.fake_cloud import physical_id
from tests.provider.fake_engine import PROJECT, STACK, FakeMonitor

NODE_DIR = Path(__file__).with_name("node")
PKG = "atlas-lambda:index"


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


def run_program(node: str, engine: FakeMonitor) -> dict[str, Any]:
    env = {
        **os.environ,
        "PULUMI_NODEJS_MONITOR": engine.address, "PULUMI_NODEJS_ENGINE": engine.address,
        "PULUMI_NODEJS_PROJECT": PROJECT, "PULUMI_NODEJS_STACK": STACK,
        "PULUMI_NODEJS_DRY_RUN": "true" if engine.dry_run else "false",
        "PULUMI_NODEJS_ORGANIZATION": "organization",
    }  # fmt: skip
    done = subprocess.run(
        [node, "index.js"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, (engine.construct_errors, done.stderr[-3000:])
    return json.loads(done.stdout.splitlines()[-1])


def test_node_program_builds_the_stack(node: str, engine: FakeMonitor) -> None:
    result = run_program(node, engine)
    for type_, name in [("AtlasCluster", "db"), ("Network", "net"), ("PrivateEndpoint", "pl"),
                        ("MongoLambda", "fn"), ("IamDatabaseUser", "user")]:  # fmt: skip
        assert result[type_]["urn"] == f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:{type_}::{name}"
    (user,) = engine.of_type("mongodbatlas:index/databaseUser:DatabaseUser")
    (function,) = engine.of_type("aws:lambda/function:Function")
    assert user.parent == result["IamDatabaseUser"]["urn"]
    assert function.parent == result["MongoLambda"]["urn"]
    assert function.inputs["memorySize"] == 2048  # sent as a JS number, an int in Python
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
