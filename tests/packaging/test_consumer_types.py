"""A consumer's type checker catches a mistyped arg before `pulumi up` does.

The package ships `py.typed`, and AtlasLambdaArgs spells its closed sets as `Literal`s
(components/types.py), so mypy run over a user's program reports a tier, a runtime or a
number that cannot be, on the line that holds it. Checked against the wheel installed in a
fresh venv (test_pip_package.installed_toolkit): the name users import is
`pulumi_atlas_lambda`, and only an install shows whether the marker made it into the wheel.

mypy reads the provider SDKs only where our signatures name them (`follow_imports = skip`):
they are a few hundred thousand lines of generated code, a minute to analyse, and none of
the args checked here is theirs.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import get_args

import pytest

from components.types import Runtime, Tier

from .test_pip_package import Installed, installed_toolkit

pytest.importorskip("mypy", reason="mypy (requirements-dev.txt) is not installed")

MYPY_TIMEOUT_S = 120

MYPY_INI = """\
[mypy]
cache_dir = {cache}

[mypy-pulumi_aws.*]
follow_imports = skip

[mypy-pulumi_mongodbatlas.*]
follow_imports = skip
"""

CORRECT = """\
from pulumi_atlas_lambda import AtlasLambda

AtlasLambda("app", {"tier": "M10", "reserved_concurrency": 100})
"""

MISTYPED = """\
from pulumi_atlas_lambda import AtlasLambda

AtlasLambda("app", {
    "tier": "M5",
    "runtime": "python2.7",
    "reserved_concurrency": "100",
    "memory_size": 2048,
})
"""

ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: (?P<message>.*)$", re.MULTILINE)


@pytest.fixture(scope="module")
def installed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Installed:
    return installed_toolkit(request.config, tmp_path_factory)


def _mypy(installed: Installed, folder: Path, program: str) -> subprocess.CompletedProcess[str]:
    """mypy on `program`, run by the venv's Python so it finds what that venv has installed."""
    return subprocess.run(
        [str(installed.python), "-m", "mypy", "--config-file", "mypy.ini", program],
        cwd=folder,
        env=installed.env,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT_S,
    )


def _line_of(source: str, text: str) -> int:
    [number] = [n for n, line in enumerate(source.splitlines(), 1) if text in line]
    return number


def test_mypy_reports_each_mistyped_arg_on_its_line(installed, tmp_path):
    (tmp_path / "mypy.ini").write_text(MYPY_INI.format(cache=tmp_path / ".mypy_cache"))
    (tmp_path / "correct.py").write_text(CORRECT)
    (tmp_path / "mistyped.py").write_text(MISTYPED)

    correct = _mypy(installed, tmp_path, "correct.py")
    mistyped = _mypy(installed, tmp_path, "mistyped.py")

    for run in (correct, mistyped):
        # The marker is in the wheel: mypy read the package rather than skipping it.
        assert "missing library stubs or py.typed marker" not in run.stdout, run.stdout
        assert "import-untyped" not in run.stdout and "import-not-found" not in run.stdout
    assert correct.returncode == 0, correct.stdout + correct.stderr

    assert mistyped.returncode == 1, mistyped.stdout + mistyped.stderr
    errors = {int(m["line"]): m["message"] for m in ERROR.finditer(mistyped.stdout)}
    tier, runtime, concurrency = (
        _line_of(MISTYPED, '"tier"'),
        _line_of(MISTYPED, '"runtime"'),
        _line_of(MISTYPED, '"reserved_concurrency"'),
    )
    # Exactly the three mistyped lines; `memory_size: 2048` is fine.
    assert set(errors) == {tier, runtime, concurrency}, mistyped.stdout
    # Each names what the arg must be: every allowed tier and runtime, or int.
    assert "'M5'" in errors[tier] and '"tier"' in errors[tier]
    assert all(repr(value) in errors[tier] for value in get_args(Tier)), errors[tier]
    assert "'python2.7'" in errors[runtime] and '"runtime"' in errors[runtime]
    assert all(repr(value) in errors[runtime] for value in get_args(Runtime)), errors[runtime]
    assert 'expression has type "str"' in errors[concurrency]
    assert '"reserved_concurrency" has type "int"' in errors[concurrency]
