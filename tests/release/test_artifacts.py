"""What the release workflow publishes, built here the way it builds it: `python -m build
--no-isolation` (the locked setuptools) on a checkout's sources makes the sdist, and the
wheel from it; `twine check --strict` passes both; `scripts/release.py dist` accepts them
for the version's tag; both carry the licence and the version, and the wheel built from the
sdist holds what the one built from the tree holds (the sdist is complete)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from components.locations import toolkit_version

ROOT = Path(__file__).resolve().parents[2]
# What a checkout holds that the build reads (Pulumi.yaml: components/ links to it).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "Pulumi.yaml", "components", "function",
           "policy")  # fmt: skip
NOT_SOURCES = shutil.ignore_patterns("venv", "__pycache__", ".build")
BUILD_TIMEOUT_S = 300


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    checkout = tmp_path_factory.mktemp("checkout")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, checkout / name, symlinks=True, ignore=NOT_SOURCES)
        else:
            shutil.copy(source, checkout / name)
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), "."], checkout)
    return out


def test_twine_check_strict_passes(dist: Path) -> None:
    files = sorted(str(p) for p in dist.iterdir())
    result = _run([sys.executable, "-m", "twine", "check", "--strict", *files], ROOT)
    assert result.stdout.count("PASSED") == 2


def test_the_release_script_accepts_them_for_the_tag(dist: Path) -> None:
    tag = f"v{toolkit_version()}"
    _run([sys.executable, "scripts/release.py", "dist", str(dist), tag], ROOT)
    wrong = subprocess.run(
        [sys.executable, "scripts/release.py", "dist", str(dist), "v0.0.0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert wrong.returncode == 1 and wrong.stderr.startswith("error: ")


def test_both_carry_the_licence_and_the_version(dist: Path) -> None:
    version = toolkit_version()
    licence = (ROOT / "LICENSE").read_bytes()
    with zipfile.ZipFile(dist / f"pulumi_atlas_lambda-{version}-py3-none-any.whl") as wheel:
        info = f"pulumi_atlas_lambda-{version}.dist-info"
        metadata = wheel.read(f"{info}/METADATA").decode()
        assert f"\nVersion: {version}\n" in metadata
        assert "\nLicense-Expression: Apache-2.0\n" in metadata
        assert wheel.read(f"{info}/licenses/LICENSE") == licence
        names = set(wheel.namelist())
    with tarfile.open(dist / f"pulumi_atlas_lambda-{version}.tar.gz") as sdist:
        root = f"pulumi_atlas_lambda-{version}"
        member = sdist.extractfile(f"{root}/LICENSE")
        assert member is not None and member.read() == licence
        schema = sdist.getmember(f"{root}/components/Pulumi.yaml")
        assert schema.isfile()  # the link is resolved: the sdist builds anywhere
    # The wheel was built from the sdist: its packages are all there.
    for package in ("local", "offline", "packaging", "policy", "function/atlas_lambda"):
        assert f"pulumi_atlas_lambda/{package}/__init__.py" in names, package
    assert "pulumi_atlas_lambda/Pulumi.yaml" in names
