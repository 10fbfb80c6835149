"""The failure contract every command keeps (components/cli.py), as one assertion.

A command run as a user runs it (`python -m ...`, a fresh process) must end a failure with
its documented exit code, exactly one `error:` line naming the problem, a `hint:` line,
no traceback, and no secret anywhere in its output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def run_cli(
    module: str,
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`python -m module args...` with the project importable, as a user would run it."""
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), **(env or {})}
    environment.pop("ATLAS_LAMBDA_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd or PROJECT_DIR,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_clean_failure(
    result: subprocess.CompletedProcess[str],
    *,
    exit_code: int,
    names: Sequence[str],
    secrets: Sequence[str] = (),
) -> str:
    """Assert the contract; return the `error:` line for further checks."""
    output = result.stdout + result.stderr
    assert result.returncode == exit_code, (result.returncode, output)
    assert "Traceback" not in output, output
    assert "Exception ignored" not in output, output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    hints = [line for line in result.stderr.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1 and len(hints[0]) > len("hint: "), result.stderr
    for name in names:
        assert name in errors[0], (name, errors[0])
    for secret in secrets:
        assert secret not in output, f"secret {secret!r} leaked: {output}"
    return errors[0]
