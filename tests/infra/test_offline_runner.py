"""The offline runner a pip user previews their own program with (issue 15, item 4).

Each case that used to hang or flood runs in a fresh process with a timeout: an Output
created before `run_program()` (it waited forever on another event loop), a program that
never finishes, and a connection string with a password refused inside an apply (some
20,000 lines of "Future exception was never retrieved", naming an alarm's input).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from components.errors import ConfigError
from components.offline import run_program
from components.offline.engine import TIMEOUT_ENV, run_timeout
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli
from tests.errors.test_catalog import PREVIEW, copy_project

PASSWORD = "hunter2-pw-s3cr3t"
MONGO_LAMBDA = f"""\
MongoLambda("app", {{
    "function_name": "orders",
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    # A secret Output (a plain string is refused before any resource): refused in the apply.
    "mongodb_srv": pulumi.Output.secret("mongodb+srv://user:{PASSWORD}@cluster0.example.mongodb.net"),
    "database_name": "app",
    "database_security_group_id": "sg-0123456789abcdef0",
}})
"""
TIMEOUT_S = 120  # far above a run's few seconds; a hang is what it catches


def run_python(code: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` as a user's script, in a fresh process that may not outlive TIMEOUT_S."""
    environment = {k: v for k, v in os.environ.items() if k != TIMEOUT_ENV}
    environment.update({"PYTHONPATH": str(PROJECT_DIR), **env})
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip


def own_lines(stderr: str) -> list[str]:
    """stderr without packaging's progress lines (the function is packaged first)."""
    return [line for line in stderr.splitlines() if not line.startswith("packaging: ")]


def test_plain_outputs_created_before_run_program_resolve(tmp_path: Path) -> None:
    """A module that makes Outputs at import time: they are plain values, so the run uses
    them as if they had been made inside it (it used to wait for them forever)."""
    result = run_python(
        """
        import json
        import pulumi
        from components.offline import SECRET, run_program

        name = pulumi.Output.from_input("x")
        token = pulumi.Output.secret("s3cr3t")
        upper = name.apply(str.upper)

        def program():
            inside = pulumi.Output.from_input(1)
            return {"name": name, "token": token, "upper": upper, "inside": inside}

        outputs = run_program(program).plan.outputs
        print(json.dumps({"outputs": outputs, "secret": outputs["token"] == SECRET}))
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["outputs"]["name"] == "x" and shown["outputs"]["upper"] == "X"
    assert shown["outputs"]["inside"] == 1 and shown["secret"], shown


def test_resource_created_before_run_program_fails_fast(tmp_path: Path) -> None:
    """A resource declared before run_program() never reaches the mock engine: one error
    naming the cause and the fix, not a hang."""
    result = run_python(
        """
        import pulumi_aws as aws
        from components.offline import OfflineRunError, run_program

        bucket = aws.s3.Bucket("early")
        try:
            run_program(lambda: {"bucket": bucket.id})
        except OfflineRunError as error:
            raise SystemExit(f"refused: {error}")
        """,
        tmp_path,
    )
    assert result.returncode == 1, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("refused: a resource"), result.stderr
    assert "before run_program()" in last and "inside the program function" in last, last


def test_a_stuck_program_ends_with_a_clear_error(tmp_path: Path) -> None:
    """An Output that never resolves: the run's time limit ends it, saying how to raise it."""
    result = run_python(
        """
        import asyncio
        import pulumi
        from components.offline import OfflineRunError, run_program

        def program():
            never = asyncio.get_event_loop().create_future()
            return {"never": pulumi.Output.from_input(never)}

        try:
            run_program(program)
        except OfflineRunError as error:
            raise SystemExit(f"refused: {error}")
        """,
        tmp_path,
        **{TIMEOUT_ENV: "2"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()], result.stderr
    assert "did not finish within 2 s" in result.stderr and TIMEOUT_ENV in result.stderr


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf")])
def test_time_limit_must_be_positive(timeout: float) -> None:
    with pytest.raises(ConfigError, match=r"^timeout: .*seconds above 0"):
        run_timeout(timeout)


def test_time_limit_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TIMEOUT_ENV, "45")
    assert run_timeout() == 45
    monkeypatch.setenv(TIMEOUT_ENV, "soon")
    with pytest.raises(ConfigError, match=f"^{TIMEOUT_ENV}: 'soon' is not a number"):
        run_timeout()


def test_password_in_connection_string_is_one_error(tmp_path: Path) -> None:
    """run_program() raises the ConfigError naming the input (mongodbSrv) the apply refused, with
    the password nowhere, and the failed run's futures stay quiet."""
    program = "def program():\n" + textwrap.indent(MONGO_LAMBDA, "    ")
    (tmp_path / "user_program.py").write_text(
        "import pulumi\nfrom components import MongoLambda\n\n" + program
    )
    result = run_python(
        """
        import sys
        from components.errors import ConfigError
        from components.offline import run_program
        from user_program import program

        try:
            run_program(program)
        except ConfigError as error:
            print(f"refused: {error}", file=sys.stderr)
            sys.exit(1)
        """,
        tmp_path,
        PYTHONPATH=f"{PROJECT_DIR}{os.pathsep}{tmp_path}",
    )
    lines = own_lines(result.stderr)
    assert result.returncode == 1, result.stderr[-3000:]
    assert "never retrieved" not in result.stderr, result.stderr[-3000:]
    assert len(lines) < 5, lines[:20]
    assert lines[-1].startswith("refused: mongodbSrv:"), lines
    assert "carries a user or password" in lines[-1], lines
    assert PASSWORD not in result.stdout + result.stderr


def test_password_in_connection_string_preview(tmp_path: Path) -> None:
    """The same program as a project's __main__.py, through the preview command: one
    `error:` line naming mongodbSrv, a `hint:`, exit 1, no flood, no password."""
    project = copy_project(tmp_path)
    (project / "__main__.py").write_text(
        "import pulumi\nfrom components import MongoLambda\n\n" + MONGO_LAMBDA
    )
    result = run_cli(PREVIEW, "dev", "--cwd", str(project), timeout=TIMEOUT_S)
    error = assert_clean_failure(result, exit_code=1, names=["mongodbSrv"], secrets=[PASSWORD])
    assert "carries a user or password" in error, error
    assert "never retrieved" not in result.stderr
    assert len(own_lines(result.stderr)) == 2, result.stderr[-3000:]


@pytest.mark.parametrize(
    "raised", [ConfigError("mongodbSrv", "carries a password"), KeyError("missing")]
)
def test_an_error_inside_an_apply_is_raised_as_itself(raised: Exception) -> None:
    """Not the SDK's "While processing input: ..." wrapper around it, naming a dependent."""

    def refuse(value: str) -> str:
        raise raised

    def program() -> None:
        name = pulumi.Output.from_input("orders").apply(refuse)
        bucket = aws.s3.Bucket("data", bucket=name)
        aws.s3.BucketPolicy("data-policy", bucket=bucket.id, policy="{}")

    with pytest.raises(type(raised)) as caught:
        run_program(program)
    assert caught.value is raised
