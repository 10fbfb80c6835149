"""`pip install` of the toolkit: build the wheel, install it into a fresh virtual
environment, and run a small program outside this repository under the mock engine.

The fresh environment reaches the third-party dependencies (pulumi, the provider SDKs)
through a `.pth` line to this interpreter's site-packages instead of downloading them again;
the toolkit itself comes only from the wheel (`--no-deps`). The program runs from a temporary
folder with no PYTHONPATH, and first proves that this repository's `components` is not
importable there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from components.locations import FUNCTION_SOURCE_DIR, toolkit_version

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "components", "function")

PROGRAM = '''\
"""A user's program: the installed package, composed its own way, under the mock engine."""

import importlib.metadata
import importlib.util
import json
from pathlib import Path

assert importlib.util.find_spec("components") is None, "the repository leaked in"

import pulumi_atlas_lambda
from pulumi_atlas_lambda import AtlasCluster, MongoLambda
from pulumi_atlas_lambda.lambda_function.component import FUNCTION_SOURCE_DIR
from pulumi_atlas_lambda.offline import run_program


def program():
    cluster = AtlasCluster("orders", {
        "cluster_name": "orders",
        "aws_region": "eu-central-1",
        "project_id": "65a1b2c3d4e5f60718293a4b",
        "tier": "M10",
    })
    fn = MongoLambda("api", {
        "function_name": "orders-api",
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-1", "subnet-2"],
        "mongodb_srv": "mongodb+srv://orders-pl-0.abcde.mongodb.net",
        "database_name": "orders",
    })
    return {"cluster_name": cluster.cluster_name, "function_name": fn.function_name}


plan = run_program(program).plan
types = sorted({r.type for r in plan.resources})
print(json.dumps({
    "package_file": pulumi_atlas_lambda.__file__,
    "version": pulumi_atlas_lambda.__version__,
    "dist_version": importlib.metadata.version("pulumi-atlas-lambda"),
    "requires": importlib.metadata.requires("pulumi-atlas-lambda"),
    "function_source_dir": str(FUNCTION_SOURCE_DIR),
    "types": types,
    "outputs": plan.outputs,
    "build_dir": sorted(p.name for p in (Path.cwd() / ".build").iterdir()),
}))
'''


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (setuptools writes build/ beside them)."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv (requirements.txt) is needed to build the wheel")
    source = tmp_path_factory.mktemp("sdist")
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    _run([uv, "build", "--wheel", "--out-dir", str(dist), str(source)], source, env)
    [built] = dist.glob("*.whl")
    return built


def test_wheel_contents(wheel):
    """One top-level package, `pulumi_atlas_lambda`, with the default function inside it;
    no `components` and no top-level `atlas_lambda` (the name inside the Lambda)."""
    assert wheel.name == f"pulumi_atlas_lambda-{toolkit_version()}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"pulumi_atlas_lambda"}
    for sub in ("guardrails", "offline", "packaging"):
        assert f"pulumi_atlas_lambda/{sub}/__init__.py" in names
    shipped = {
        n.removeprefix("pulumi_atlas_lambda/function/")
        for n in names
        if n.startswith("pulumi_atlas_lambda/function/")
    }
    expected = {
        p.relative_to(FUNCTION_SOURCE_DIR).as_posix()
        for p in FUNCTION_SOURCE_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped == expected


def test_installed_package_runs_a_program_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("ATLAS_LAMBDA_BUILD_DIR", None)
    _run([base, "-m", "venv", "--without-pip", str(venv)], tmp_path, env)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib], tmp_path, env).strip())
    # Third-party dependencies from this interpreter (a path line: its own .pth files,
    # an editable install of this repository included, are not processed).
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    _run([uv, "pip", "install", "--python", str(python), "--no-deps", "--offline", str(wheel)],
         tmp_path, env)  # fmt: skip

    project = tmp_path / "my-project"
    project.mkdir()
    (project / "program.py").write_text(textwrap.dedent(PROGRAM))
    result = json.loads(_run([str(python), "program.py"], project, env))

    installed = site / "pulumi_atlas_lambda"
    assert Path(result["package_file"]) == installed / "__init__.py"
    assert result["version"] == result["dist_version"] == toolkit_version()
    assert Path(result["function_source_dir"]) == installed / "function"
    # What components/ imports, each with a range (pymongo runs in the Lambda, not here).
    requires = [Requirement(line) for line in result["requires"]]
    assert all(r.specifier for r in requires)
    assert {r.name.lower() for r in requires} == {
        "pulumi", "pulumi-aws", "pulumi-mongodbatlas", "uv", "packaging", "pyyaml"
    }
    assert "aws:lambda/function:Function" in result["types"]
    assert "aws:lambda/layerVersion:LayerVersion" in result["types"]
    assert "mongodbatlas:index/advancedCluster:AdvancedCluster" in result["types"]
    assert result["outputs"]["cluster_name"] == "orders"
    # The bundled default function was packaged from package data, into the project's
    # .build/ (never into site-packages).
    assert result["build_dir"], "nothing was built in the project folder"
    [handler] = (project / ".build" / "artifacts").glob("*/handler.py")
    assert handler.read_bytes() == (FUNCTION_SOURCE_DIR / "handler.py").read_bytes()
    assert list((project / ".build" / "artifacts").glob("*/python/pymongo/__init__.py"))
    assert not (installed / ".build").exists() and not (site / ".build").exists()
