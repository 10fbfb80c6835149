"""`pip install` of the toolkit: build the wheel, install it into a fresh virtual
environment, and run a user's program outside this repository under the mock engine; then
the policy pack the wheel carries, started from its installed folder as the Pulumi CLI
starts `--policy-pack`.

The user's program is the whole pattern in one `AtlasLambda`, in under 15 lines, with its
own `function/` folder beside it; it must declare what this repository's dev stack
declares, and be refused, with nothing registered, when its concurrency would exhaust the
cluster's connections.

The fresh environment reaches the third-party dependencies (pulumi, the provider SDKs)
through a `.pth` line to this interpreter's site-packages instead of downloading them again;
the toolkit itself comes only from the wheel (`--no-deps`). The program runs from a temporary
folder with no PYTHONPATH, and first proves that this repository's `components` is not
importable there. test_consumer_types.py type-checks programs against the same install
(`installed_toolkit`).
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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from google.protobuf import empty_pb2
from packaging.requirements import Requirement
from pulumi.runtime.proto import analyzer_pb2_grpc

from components.locations import FUNCTION_SOURCE_DIR, toolkit_version
from components.offline import run_stack
from components.offline.engine import stack_config
from policy.pack import PACK_NAME, POLICIES
from tests.policy.pack_server import started_pack

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "components", "function", "policy")
# A local policy/venv (the repository pack's) is no source of the wheel.
NOT_SOURCES = shutil.ignore_patterns("venv", "__pycache__")
FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"

# What a user writes: the whole pattern. Their handler is `function/` beside it (the default
# source_dir). org_id is dev's; the region and the concurrency are their own.
USER_PROGRAM = '''\
"""A user's Pulumi program: the whole pattern, from the installed package."""

import pulumi

from pulumi_atlas_lambda import AtlasLambda

app = AtlasLambda("app", {
    "org_id": "5f0000000000000000000001",
    "aws_region": "eu-central-1",
    "reserved_concurrency": 100,
})
for name, value in app.stack_outputs().items():
    pulumi.export(name, value)
'''
USER_PROGRAM_MAX_LINES = 15

# Beside it, what the test runs: the user's program under the mock engine as `pulumi
# preview` runs it, then an AtlasLambda that must be refused; prints what the test checks.
RUNNER = '''\
"""The user's __main__.py and a refused AtlasLambda, from the installed package."""

import importlib.metadata
import importlib.util
import json
import runpy
from collections import Counter
from pathlib import Path

assert importlib.util.find_spec("components") is None, "the repository leaked in"

import pulumi_atlas_lambda
from pulumi_atlas_lambda import AtlasLambda, ConfigError
from pulumi_atlas_lambda.lambda_function.component import FUNCTION_SOURCE_DIR
from pulumi_atlas_lambda.offline import run_program
from pulumi_atlas_lambda.offline.engine import OfflineMocks
from pulumi_atlas_lambda.policy.offline import evaluate

ROLE_ARN = "arn:aws:iam::123456789012:role/app-lambda-role-0a1b2c3"


class NamedRole(OfflineMocks):
    """A preview in which AWS has named the execution role; all else stays unknown."""

    def new_resource(self, args):
        resource_id, state = super().new_resource(args)
        if args.typ == "aws:iam/role:Role":
            state["arn"] = ROLE_ARN
        return resource_id, state


def user_program():
    """`pulumi preview` runs the project's __main__.py; its exports are the outputs."""
    runpy.run_path("__main__.py", run_name="__main__")


def refused():
    """M10 allows 1500 connections; 900 environments x 2 is more. Caught inside the run,
    so the plan shows what was registered before the refusal: nothing."""
    try:
        AtlasLambda("app", {
            "org_id": "5f0000000000000000000001",
            "aws_region": "eu-central-1",
            "tier": "M10",
            "reserved_concurrency": 900,
        })
    except ConfigError as error:
        return {"key": error.key, "message": str(error)}
    return {"key": None, "message": "not refused"}


plan = run_program(user_program, mocks=NamedRole()).plan
types = {r.urn: r.type for r in plan.resources}
user = plan.one("mongodbatlas:index/databaseUser:DatabaseUser")
function = plan.one("aws:lambda/function:Function").inputs
cluster = plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster").inputs
refusal = run_program(refused).plan
print(json.dumps({
    "package_file": pulumi_atlas_lambda.__file__,
    "version": pulumi_atlas_lambda.__version__,
    "dist_version": importlib.metadata.version("pulumi-atlas-lambda"),
    "requires": importlib.metadata.requires("pulumi-atlas-lambda"),
    "function_source_dir": str(FUNCTION_SOURCE_DIR),
    "role_arn": ROLE_ARN,
    "counts": Counter(types.values()),
    "user": user.inputs,
    "user_parent": types.get(user.parent),
    "function_role": function["role"],
    "reserved": function["reservedConcurrentExecutions"],
    "region": cluster["replicationSpecs"][0]["regionConfigs"][0]["regionName"],
    "outputs": plan.outputs,
    "build_dir": sorted(p.name for p in (Path.cwd() / ".build").iterdir()),
    "violations": sorted({(v.policy, v.enforcement) for v in evaluate(plan)}),
    "refusal": refusal.outputs,
    "refusal_registered": [r.type for r in refusal.resources],
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


def _uv() -> str:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.fail("uv (requirements.txt) is needed to build and install the wheel")
    return uv


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the wheel installed, and how to run its Python."""

    wheel: Path
    python: Path
    site: Path
    env: dict[str, str]


_INSTALLED = pytest.StashKey[Installed]()


def installed_toolkit(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel built from a copy of the sources (setuptools writes build/ beside them) and
    installed into a fresh venv: once per session, for every module that asks."""
    if _INSTALLED in config.stash:
        return config.stash[_INSTALLED]
    source = tmp_path_factory.mktemp("sdist")
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=NOT_SOURCES)
        else:
            shutil.copy(REPO / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.pop("ATLAS_LAMBDA_BUILD_DIR", None)
    _run([_uv(), "build", "--wheel", "--out-dir", str(dist), str(source)], source, env)
    [wheel] = dist.glob("*.whl")

    folder = tmp_path_factory.mktemp("installed")
    venv = folder / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", "--without-pip", str(venv)], folder, env)
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib], folder, env).strip())
    # Third-party dependencies from this interpreter (a path line: its own .pth files,
    # an editable install of this repository included, are not processed). pulumi-policy
    # and mypy come this way too (requirements-dev.txt): the wheel depends on neither.
    (site / "_deps_from_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([_uv(), "pip", "install", "--python", str(python), "--no-deps", "--offline", str(wheel)],
         folder, env)  # fmt: skip
    config.stash[_INSTALLED] = Installed(wheel, python, site, env)
    return config.stash[_INSTALLED]


@pytest.fixture(scope="module")
def installed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    return installed_toolkit(request.config, tmp_path_factory)


def test_wheel_contents(installed):
    """One top-level package, `pulumi_atlas_lambda`, with the default function, the policy
    pack, the config schema (AtlasLambda's defaults) and the PEP 561 marker inside it; no
    `components`, no top-level `policy` and no top-level `atlas_lambda` (the name inside
    the Lambda)."""
    wheel = installed.wheel
    assert wheel.name == f"pulumi_atlas_lambda-{toolkit_version()}-py3-none-any.whl"
    archive = zipfile.ZipFile(wheel)
    names = archive.namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"pulumi_atlas_lambda"}
    for sub in ("guardrails", "offline", "packaging", "pattern", "policy"):
        assert f"pulumi_atlas_lambda/{sub}/__init__.py" in names
    # py.typed: without it mypy and pyright skip the package (test_consumer_types.py).
    assert "pulumi_atlas_lambda/py.typed" in names
    # A copy of the project's Pulumi.yaml, not the link components/ holds.
    schema = archive.read("pulumi_atlas_lambda/Pulumi.yaml")
    assert schema == (REPO / "Pulumi.yaml").read_bytes()
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


def test_installed_atlas_lambda_is_the_dev_stack_in_under_15_lines(installed, tmp_path):
    """A program outside the repository, `AtlasLambda` with three args and a `function/`
    folder beside it, declares what `pulumi preview` of this repository's dev stack declares
    (less the Function URL dev turns on); its database user is the function's role; and
    900 reserved on an M10 is refused before anything is registered."""
    assert len(USER_PROGRAM.splitlines()) <= USER_PROGRAM_MAX_LINES
    python, site, env = installed.python, installed.site, installed.env
    project = tmp_path / "my-project"
    shutil.copytree(REPO / "function", project / "function", ignore=NOT_SOURCES)
    (project / "__main__.py").write_text(USER_PROGRAM)
    (project / "runner.py").write_text(RUNNER)
    result = json.loads(_run([str(python), "runner.py"], project, env))

    package = site / "pulumi_atlas_lambda"
    assert Path(result["package_file"]) == package / "__init__.py"
    assert result["version"] == result["dist_version"] == toolkit_version()
    assert Path(result["function_source_dir"]) == package / "function"
    # What components/ imports, each with a range (pymongo runs in the Lambda, not here).
    # Extras (`local`: the invoke harness's runtime client and test server) are opt-in.
    requires = [
        r for r in map(Requirement, result["requires"]) if "extra" not in str(r.marker or "")
    ]
    assert all(r.specifier for r in requires)
    assert {r.name.lower() for r in requires} == {
        "pulumi", "pulumi-aws", "pulumi-mongodbatlas", "uv", "packaging", "pyyaml"
    }

    # The dev stack, previewed here from the repository: the same resources, one for one.
    assert stack_config("dev")[0]["atlas-lambda:functionUrl"] == "true"
    dev = Counter(r.type for r in run_stack("dev").plan.resources)
    assert dev.pop(FUNCTION_URL) == 1
    assert Counter(result["counts"]) == dev
    assert (result["region"], result["reserved"]) == ("EU_CENTRAL_1", 100)

    # The IAM database user (a child of IamDatabaseUser) is the role the function runs as.
    role_arn = result["role_arn"]
    assert result["user_parent"] == "atlas-lambda:index:IamDatabaseUser"
    assert result["user"]["username"] == role_arn
    assert result["user"]["awsIamType"] == "ROLE"
    assert result["user"]["authDatabaseName"] == "$external"
    assert result["function_role"] == role_arn
    outputs = result["outputs"]
    assert outputs["databaseUser"] == outputs["roleArn"] == role_arn
    assert outputs.get("functionUrl") is None  # off by default

    # The user's function/ was packaged into the project's .build/ (never site-packages).
    assert result["build_dir"], "nothing was built in the project folder"
    [handler] = (project / ".build" / "artifacts").glob("*/handler.py")
    assert handler.read_bytes() == (REPO / "function" / "handler.py").read_bytes()
    assert list((project / ".build" / "artifacts").glob("*/python/pymongo/__init__.py"))
    assert not (package / ".build").exists() and not (site / ".build").exists()
    # The installed pack's policies over the installed components' plan: 100 reserved on
    # an M10 is within budget, so nothing to say.
    assert result["violations"] == []

    # Refused with the key and the largest value that fits; nothing registered.
    refusal = result["refusal"]
    assert refusal["key"] == "reservedConcurrency"
    assert "the largest safe value is 745" in refusal["message"]
    assert result["refusal_registered"] == []


@pytest.fixture
def installed_pack(installed: Installed) -> Iterator[tuple[Path, analyzer_pb2_grpc.AnalyzerStub]]:
    """The installed pack, started as the Pulumi CLI starts `--policy-pack DIR` for a pack
    whose PulumiPolicy.yaml names no virtualenv: `python -u -m pulumi.policy ENGINE DIR`,
    DIR the working directory, `python` the environment's."""
    pack_dir = Path(
        _run([str(installed.python), "-m", "pulumi_atlas_lambda.policy", "--path"],
             installed.site.parent, installed.env).strip()
    )  # fmt: skip
    with started_pack(installed.python, str(pack_dir), pack_dir, installed.env) as stub:
        yield pack_dir, stub


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


def test_every_components_package_ships_in_the_wheel() -> None:
    """pyproject lists the wheel's packages by hand: a new folder under components/ (or a
    nested one) that is not listed would install a toolkit whose imports fail."""
    import tomllib

    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    root = REPO / "components"
    folders = {
        ".".join(["pulumi_atlas_lambda", *init.parent.relative_to(root).parts])
        for init in root.rglob("__init__.py")
    }
    missing = folders - set(setuptools["packages"])
    assert missing == set(), f"add to pyproject [tool.setuptools] packages: {missing}"
