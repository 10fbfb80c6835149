"""examples/python, the pip snippet of the README and docs/your-own-program.md, run under
the mock engine with the invariants the stack holds: a function that can reach its
cluster, a database user for its role, the connection budget respected, the tags on the
resources."""

from __future__ import annotations

import runpy
import shutil
import sys
from contextlib import chdir
from pathlib import Path

import pytest

import components
from components import ConfigError
from components.offline import run_program

from .fake_cloud import FakeCloud

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python"
PROJECT = "atlas-lambda-python"  # examples/python/Pulumi.yaml
ORG_ID = "5f0000000000000000000001"


def _run(program_dir: Path, cloud: FakeCloud | None = None):
    """The example as `pulumi up` runs it: in its folder, `pulumi_atlas_lambda` importable
    (here the repository's `components`, which pip installs under that name)."""
    config = {"aws:region": "us-east-1", f"{PROJECT}:orgId": ORG_ID}

    def program() -> None:
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")

    sys.modules["pulumi_atlas_lambda"] = components
    try:
        with chdir(program_dir):
            return run_program(
                program,
                stack="dev", project=PROJECT, config=config,
                secret_keys=[f"{PROJECT}:orgId"], preview=False, mocks=cloud or FakeCloud(),
            )  # fmt: skip
    finally:
        del sys.modules["pulumi_atlas_lambda"]


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    target = tmp_path / "python"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".build", "venv"))
    return target


def test_the_example_builds_a_function_that_reaches_its_cluster(program_dir: Path) -> None:
    cloud = FakeCloud()
    plan = _run(program_dir, cloud).plan
    function = plan.one("aws:lambda/function:Function")
    user = plan.one("mongodbatlas:index/databaseUser:DatabaseUser")
    role = plan.one("aws:iam/role:Role")
    # The database user is the function's role; the org id stays a secret.
    assert user.inputs["username"] == function.inputs["role"]
    assert user.inputs["awsIamType"] == "ROLE"
    assert role.name == "app-lambda-role"
    # The private path: the function's only egress is the endpoint's security group.
    (egress,) = plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    endpoint_sg = cloud.ids[("aws:ec2/securityGroup:SecurityGroup", "app-privatelink-sg")]
    assert egress.inputs["referencedSecurityGroupId"] == endpoint_sg
    assert function.inputs["environment"]["variables"]["MONGODB_URI"].startswith("mongodb+srv://")
    # Budgeted: 100 environments x 2 connections within the M10's 1,490.
    assert function.inputs["reservedConcurrentExecutions"] == 100
    assert function.inputs["tags"]["team"] == "orders"
    # Packaged from the example's own function/ folder, dependencies in a layer.
    assert plan.by_type("aws:lambda/layerVersion:LayerVersion")
    assert function.inputs["code"].startswith(f"archive: {program_dir}/.build/")
    assert {"functionName", "databaseUser"} == set(plan.outputs)


def test_the_example_over_budget_is_refused(program_dir: Path) -> None:
    main = program_dir / "__main__.py"
    main.write_text(main.read_text().replace("100,", "900,"))
    with pytest.raises(ConfigError, match="the largest safe value is 745"):
        _run(program_dir)


def test_the_example_is_short() -> None:
    """The README and the docs promise the whole pattern in under 15 lines."""
    text = (EXAMPLE / "__main__.py").read_text()
    body = text.split('"""', 2)[2]  # after the module docstring
    code = [line for line in body.splitlines() if line.strip()]
    assert len(code) < 15, code
