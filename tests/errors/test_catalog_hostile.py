"""Catalog, continued: what a hostile-user pass over the commands found (issue 10 follow-up).

Each case runs the real command in a fresh process (tests/cli_contract.py) against a temp
copy of the project, or calls the code it concerns directly.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli_contract import assert_clean_failure, run_cli
from tests.errors.test_catalog import PLAN_DIFF, POLICY, PREVIEW, copy_project, preview, stack

PER_INVOCATION_HANDLER = (
    "def handler(event, context):\n"
    "    from pymongo import MongoClient\n"
    "    return MongoClient('x')\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return copy_project(folder)


# --- 1: the project's own function/ is what gets packaged and checked --------------------


@pytest.mark.parametrize("module", [PREVIEW, POLICY])
def test_cwd_project_function_is_the_one_checked(project: Path, module: str) -> None:
    """`--cwd X` deploys X/function (Pulumi runs a program with cwd = project directory), so
    a per-invocation MongoClient in X/function/handler.py is refused, naming file:line."""
    (project / "function" / "handler.py").write_text(PER_INVOCATION_HANDLER)
    result = run_cli(module, "dev", "--cwd", str(project), cwd=project.parent)
    assert_clean_failure(result, exit_code=1, names=["function/handler.py:3"])


def test_run_stack_restores_the_working_directory(project: Path) -> None:
    from components.offline import run_stack

    before = os.getcwd()
    plan = run_stack("dev", project_dir=project).plan
    assert os.getcwd() == before
    function = plan.one("aws:lambda/function:Function")
    assert function.inputs["code"].startswith("archive: .build/"), function.inputs["code"]
