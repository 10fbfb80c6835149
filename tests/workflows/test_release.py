"""release.yml: a `v*` tag, and only a tag, publishes; the tag is checked against the
version before anything else runs; the tests, the build and its check come before the
release; the release carries the sdist, the wheel and the changelog section. The check
step runs here as the runner runs it (`bash -e`), with a good and a bad tag."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from components.locations import toolkit_version

from .test_workflows import ROOT, WORKFLOWS, load, runs

RELEASE = WORKFLOWS / "release.yml"


@pytest.fixture(scope="module")
def release() -> dict[str, Any]:
    return load(RELEASE)


@pytest.fixture(scope="module")
def job(release: dict[str, Any]) -> dict[str, Any]:
    [only] = release["jobs"].values()
    return only


def step_running(job: dict[str, Any], text: str) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(job["steps"]) if text in str(s.get("run", ""))]
    assert len(found) == 1, f"one step runs {text!r}: {found}"
    return found[0]


def test_a_version_tag_is_the_only_trigger(release: dict[str, Any]) -> None:
    assert release["on"] == {"push": {"tags": ["v*"]}}


def test_only_the_release_job_may_write(release: dict[str, Any], job: dict[str, Any]) -> None:
    assert release["permissions"] == {"contents": "read"}
    assert job["permissions"] == {"contents": "write"}
    assert release["concurrency"]["cancel-in-progress"] is False
    assert "secrets." not in RELEASE.read_text()  # the job's own token, nothing else


def test_order_check_test_build_verify_publish(job: dict[str, Any]) -> None:
    check, _ = step_running(job, "scripts/release.py check")
    tests, _ = step_running(job, "scripts/dev test")
    build, build_step = step_running(job, "-m build")
    twine, _ = step_running(job, "-m twine check --strict dist/*")
    publish, publish_step = step_running(job, "gh release create")
    assert check < tests < build < twine < publish == len(job["steps"]) - 1
    # The backend from the lock (requirements-dev.lock pins setuptools), not the newest.
    assert "--no-isolation" in build_step["run"] and "--outdir dist" in build_step["run"]
    assert publish_step["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_the_release_carries_the_files_and_the_notes(job: dict[str, Any]) -> None:
    _, check = step_running(job, "scripts/release.py check")
    _, publish = step_running(job, "gh release create")
    command = " ".join(publish["run"].split())
    notes = '"$RUNNER_TEMP/notes.md"'
    assert f"--notes {notes}" in check["run"] and f"--notes-file {notes}" in command
    assert 'gh release create "$GITHUB_REF_NAME" dist/*' in command
    assert "--verify-tag" in command  # never creates a tag of its own
    assert 'scripts/release.py dist dist "$GITHUB_REF_NAME"' in runs(job)


def test_runs_on_a_supported_python(job: dict[str, Any]) -> None:
    [setup] = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-")]
    assert setup["uses"] == "actions/setup-python@v5"
    major, minor = map(int, setup["with"]["python-version"].split("."))
    assert (major, minor) >= (3, 11)  # pyproject's requires-python


def _run_check_step(job: dict[str, Any], tag: str, temp: Path) -> subprocess.CompletedProcess:
    _, check = step_running(job, "scripts/release.py check")
    env = {**os.environ, "GITHUB_REF_NAME": tag, "RUNNER_TEMP": str(temp)}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", check["run"]],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_the_check_step_accepts_the_version_tag(job: dict[str, Any], tmp_path: Path) -> None:
    result = _run_check_step(job, f"v{toolkit_version()}", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = (tmp_path / "notes.md").read_text()
    assert notes.startswith("### ") and "Unreleased" not in notes


@pytest.mark.parametrize("tag", ["v9.9.9", toolkit_version(), f"v{toolkit_version()}-rc1"])
def test_the_check_step_refuses_another_tag(
    job: dict[str, Any], tmp_path: Path, tag: str
) -> None:
    result = _run_check_step(job, tag, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: tag ") and lines[1].startswith("hint:")
    assert not (tmp_path / "notes.md").exists()
