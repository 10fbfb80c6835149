"""`pip install` of the toolkit: build the wheel, install it into a fresh virtual
environment, and run a small program outside this repository under the mock engine; then
the policy pack the wheel carries, started from its installed folder as the Pulumi CLI
starts `--policy-pack`.

The fresh environment reaches the third-party dependencies (pulumi, the provider SDKs)
through a `.pth` line to this interpreter's site-packages instead of downloading them again;
the toolkit itself comes only from the wheel (`--no-deps`). The program runs from a temporary
folder with no PYTHONPATH, and first proves that this repository's `components` is not
importable there.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from packaging.requirements import Requirement
from pulumi.runtime.proto import analyzer_pb2_grpc

from components.locations import FUNCTION_SOURCE_DIR, toolkit_version
from policy.pack import PACK_NAME, POLICIES

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "components", "function", "policy")
# A local policy/venv (the repository pack's) is no source of the wheel.
NOT_SOURCES = shutil.ignore_patterns("venv", "__pycache__")
PACK_STARTUP_TIMEOUT_S = 60

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
from pulumi_atlas_lambda.policy.offline import evaluate


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
    "violations": sorted({(v.policy, v.enforcement) for v in evaluate(plan)}),
}))
'''

PACK_PROGRAM = '''\
"""The installed pack's policies, loaded as its entry point loads them: no provider SDK."""

import importlib.util
import json
import sys

assert importlib.util.find_spec("components") is None, "the repository leaked in"

from pulumi_atlas_lambda.policy.pack import PACK_NAME, POLICIES

print(json.dumps({
    "name": PACK_NAME,
    "policies": [p.name for p in POLICIES],
    "provider_sdks": sorted(
        m for m in sys.modules if m.split(".")[0] in ("pulumi_aws", "pulumi_mongodbatlas")
    ),
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
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=NOT_SOURCES)
        else:
            shutil.copy(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    _run([uv, "build", "--wheel", "--out-dir", str(dist), str(source)], source, env)
    [built] = dist.glob("*.whl")
    return built


def test_wheel_contents(wheel):
    """One top-level package, `pulumi_atlas_lambda`, with the default function and the
    policy pack inside it; no `components`, no top-level `policy` and no top-level
    `atlas_lambda` (the name inside the Lambda)."""
    assert wheel.name == f"pulumi_atlas_lambda-{toolkit_version()}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"pulumi_atlas_lambda"}
    for sub in ("guardrails", "offline", "packaging", "policy"):
        assert f"pulumi_atlas_lambda/{sub}/__init__.py" in names
    # The pack: every module of policy/, and the folder `--policy-pack` takes when
    # installed. Not the repository pack's PulumiPolicy.yaml: it names policy/venv.
    pack = {
        n.removeprefix("pulumi_atlas_lambda/policy/")
        for n in names
        if n.startswith("pulumi_atlas_lambda/policy/")
    }
    modules = {p.name for p in (REPO / "policy").glob("*.py")}
    assert pack == modules | {"installed/PulumiPolicy.yaml", "installed/__main__.py"}
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


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed, and how to run its Python."""

    python: Path
    site: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    folder = tmp_path_factory.mktemp("installed")
    venv = folder / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("ATLAS_LAMBDA_BUILD_DIR", None)
    _run([base, "-m", "venv", "--without-pip", str(venv)], folder, env)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib], folder, env).strip())
    # Third-party dependencies from this interpreter (a path line: its own .pth files,
    # an editable install of this repository included, are not processed). pulumi-policy
    # comes this way too (requirements-dev.txt): the wheel does not depend on it.
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"
    _run([uv, "pip", "install", "--python", str(python), "--no-deps", "--offline", str(wheel)],
         folder, env)  # fmt: skip
    return Installed(python, site, env)


def test_installed_package_runs_a_program_outside_the_repository(installed, tmp_path):
    python, site, env = installed.python, installed.site, installed.env
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
    # The installed pack's policies over the installed components' plan: the program sets
    # no reserved concurrency, which is advisory only.
    assert result["violations"] == [["atlas-connection-budget-advisory", "advisory"]]


@pytest.fixture
def installed_pack(installed: Installed) -> Iterator[tuple[Path, analyzer_pb2_grpc.AnalyzerStub]]:
    """The installed pack, started as the Pulumi CLI starts `--policy-pack DIR` for a pack
    whose PulumiPolicy.yaml names no virtualenv: `python -u -m pulumi.policy ENGINE DIR`,
    DIR the working directory, `python` the environment's."""
    pack_dir = Path(
        _run([str(installed.python), "-m", "pulumi_atlas_lambda.policy", "--path"],
             installed.site.parent, installed.env).strip()
    )  # fmt: skip
    process = subprocess.Popen(
        [str(installed.python), "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack_dir)],
        cwd=pack_dir,
        env=installed.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(PACK_STARTUP_TIMEOUT_S):
            pytest.fail(f"the pack printed no port within {PACK_STARTUP_TIMEOUT_S} s")
        line = process.stdout.readline().strip()  # type: ignore[union-attr]
        if not line.isdigit():
            process.kill()
            pytest.fail(f"the pack did not start: {line!r} {process.stderr.read()}")  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            yield pack_dir, analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_installed_pack_is_a_policy_pack_folder(installed_pack, installed):
    """`python -m pulumi_atlas_lambda.policy --path` names a folder inside the installed
    package that `--policy-pack` accepts: a PulumiPolicy.yaml for Python naming no
    virtualenv (there is none to find in site-packages) and the `__main__.py` the CLI runs.
    The pack it starts answers the analyzer protocol with every policy of this repository's
    pack, its rules imported from `pulumi_atlas_lambda` (no `components` there)."""
    pack_dir, analyzer = installed_pack
    assert pack_dir == installed.site / "pulumi_atlas_lambda" / "policy" / "installed"
    manifest = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert "virtualenv" not in manifest["runtime"].get("options", {})
    assert (pack_dir / "__main__.py").is_file()
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == PACK_NAME
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in POLICIES)


def test_the_installed_pack_loads_without_the_provider_sdks(installed, tmp_path):
    (tmp_path / "pack.py").write_text(textwrap.dedent(PACK_PROGRAM))
    result = json.loads(_run([str(installed.python), "pack.py"], tmp_path, installed.env))
    assert result["name"] == PACK_NAME
    assert result["policies"] == [p.name for p in POLICIES]
    assert result["provider_sdks"] == []
