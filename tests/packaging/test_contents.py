"""What the package holds: the function's dependencies, nothing the runtime ships, and
nothing that names or depends on the build machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from components.packaging.build import build_function_package
from components.packaging.install import RUNTIME_PROVIDED, effective_exclusions
from components.packaging.requirements import parse_requirements
from components.packaging.tree import pulumi_view

from .conftest import unpack

RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six.py", "urllib3")


def members(package) -> list[str]:
    names = [e.name for e in pulumi_view(package.code_dir).entries]
    if package.layer_dir:
        names += [e.name for e in pulumi_view(package.layer_dir).entries]
    return names


def top_level(package) -> set[str]:
    names = set()
    for name in members(package):
        parts = name.split("/")
        names.add(parts[1] if parts[0] == "python" and len(parts) > 1 else parts[0])
    return names


@pytest.fixture(params=["arm64", "local"])
def package(request, arm64_package, local_package):
    return arm64_package if request.param == "arm64" else local_package


def test_dependencies_are_installed_and_runtime_packages_left_out(package):
    assert [d.split("==")[0] for d in package.distributions] == [
        "dnspython", "pymongo", "pymongo-auth-aws",
    ]  # fmt: skip
    assert "pymongo==4.20.0" in package.distributions
    assert package.excluded == tuple(sorted(RUNTIME_PROVIDED))
    names = top_level(package)
    assert {"pymongo", "bson", "gridfs", "dns", "pymongo_auth_aws"} <= names
    for module in RUNTIME_MODULES:
        assert module not in names
    dist_infos = {n.split("-")[0].lower() for n in names if n.endswith(".dist-info")}
    assert dist_infos == {"dnspython", "pymongo", "pymongo_auth_aws"}


def test_no_foreign_bytecode_scripts_or_installer_records(package):
    """Bytecode only as compiled for the target: one `.pyc` beside each source, its tag."""
    tag = package.bytecode.cache_tag if package.bytecode else None
    names = set(members(package))
    for name in names:
        parts = name.split("/")
        if "__pycache__" in parts or name.endswith((".pyc", ".pyo")):
            assert tag is not None, name
            assert parts[-2] == "__pycache__" and parts[-1].endswith(f".{tag}.pyc"), name
            stem = parts[-1].removesuffix(f".{tag}.pyc")
            assert "/".join([*parts[:-2], f"{stem}.py"]) in names, name
        assert parts[0] != "bin" and parts[:2] != ["python", "bin"], name
        assert parts[-1] not in {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}, name
        assert parts[-1] != ".lock", name
        assert parts[-1] != "requirements.txt", name  # build input, not runtime


def test_no_build_machine_paths(package, session_cache, function_source):
    needles = [str(session_cache).encode(), str(function_source).encode(),
               sys.prefix.encode(), b"/.cache/uv"]  # fmt: skip
    folders = [package.code_dir] + ([package.layer_dir] if package.layer_dir else [])
    for folder in folders:
        for entry in pulumi_view(folder).entries:
            data = (folder / entry.name).read_bytes()
            for needle in needles:
                assert needle not in data, (entry.name, needle)


def test_licenses_are_kept(arm64_package):
    licenses = [n for n in members(arm64_package) if "/licenses/" in n]
    assert len(licenses) == 3


def test_local_artifact_imports_with_the_runtime_sdk_beside_it(local_package, tmp_path):
    """As on Lambda: our pymongo from the package, boto3/botocore from the runtime."""
    script = (
        "import json, boto3, botocore, pymongo, pymongo_auth_aws, bson;"
        "from pymongo_auth_aws.auth import AwsSaslContext;"
        "print(json.dumps({m.__name__: m.__file__ for m in (boto3, botocore, pymongo,"
        " pymongo_auth_aws)} | {'c': pymongo.has_c() and bson.has_c()}))"
    )
    task_root = unpack(local_package, tmp_path / "lambda")[0]
    env = {**os.environ, "PYTHONPATH": str(task_root)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
        check=True,
    )  # fmt: skip
    found = json.loads(result.stdout)
    code_dir = str(task_root)
    assert found["pymongo"].startswith(code_dir)
    assert found["pymongo_auth_aws"].startswith(code_dir)
    assert not found["boto3"].startswith(code_dir)  # from the "runtime" (this venv)
    assert not found["botocore"].startswith(code_dir)
    assert found["c"] is True  # the compiled extensions match this interpreter


def test_pinning_a_runtime_package_bundles_the_sdk():
    pins = parse_requirements("pymongo[aws]==4.20.0\nboto3==1.40.0\n")
    assert effective_exclusions(pins, RUNTIME_PROVIDED) == ()
    pins = parse_requirements("pymongo[aws]==4.20.0\n")
    assert effective_exclusions(pins, RUNTIME_PROVIDED) == tuple(sorted(RUNTIME_PROVIDED))


def test_source_files_are_filtered(make_source, tmp_path):
    source = make_source({
        "handler.py": "def handler(e, c):\n    return e\n",
        "lib/data.json": "{}",
        ".env": "MONGODB_URI=mongodb://secret",
        "__pycache__/handler.cpython-311.pyc": "x",
        "lib/__pycache__/x.pyc": "x",
        ".venv/lib/site.py": "x",
    })  # fmt: skip
    package = build_function_package(
        source, handler="handler.handler", cache_dir=tmp_path / "cache", progress=None
    )
    assert [e.name for e in pulumi_view(package.code_dir).entries] == [
        "handler.py", "lib/data.json",
    ]  # fmt: skip
    assert package.layer is None  # no requirements: nothing to put in a layer
    assert package.installer == "none"


def test_a_source_file_may_not_shadow_a_dependency(tmp_path, session_cache):
    from components.packaging.errors import PackagingError

    from .conftest import FUNCTION_REQUIREMENTS, write_source

    source = write_source(tmp_path / "fn", {
        "handler.py": "def handler(e, c):\n    return e\n",
        "requirements.txt": FUNCTION_REQUIREMENTS,
        "bson/__init__.py": "# my own bson\n",
    })  # fmt: skip
    with pytest.raises(PackagingError, match=r"bson/__init__.py would overwrite"):
        build_function_package(
            source, handler="handler.handler", local=True, layer=False,
            cache_dir=session_cache, progress=None,
        )  # fmt: skip


def test_layer_layout(arm64_package):
    assert arm64_package.layer is not None
    layer_names = [e.name for e in pulumi_view(arm64_package.layer_dir).entries]
    assert all(name.startswith("python/") for name in layer_names)
    assert [e.name for e in pulumi_view(arm64_package.code_dir).entries] == ["handler.py"]
    assert arm64_package.python_path() == [
        arm64_package.code_dir, Path(arm64_package.layer_dir) / "python",
    ]  # fmt: skip
