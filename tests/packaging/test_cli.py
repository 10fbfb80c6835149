"""`python -m components.packaging`: progress per step, a summary, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from components.packaging.build import main

from .conftest import REPO


def test_cli_prints_steps_and_summary(make_source, tmp_path, capsys):
    source = make_source()
    code = main(["--source", str(source), "--cache-dir", str(tmp_path / "cache"),
                 "--architecture", "x86_64"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    steps = [line.split(": ", 2)[1] for line in err.splitlines()]
    assert steps == ["target", "requirements", "handler", "code", "bytecode", "limits"]
    assert "x86_64" in err.splitlines()[0]
    (code_line, total_line, bytecode_line) = out.splitlines()
    assert bytecode_line.startswith("bytecode: ")
    assert code_line.startswith("code ") and total_line.startswith("total ")
    for part in ("1 files", "unzipped", "zipped", "sha256:"):
        assert part in total_line


def test_cli_json(make_source, tmp_path, capsys):
    cache = str(tmp_path / "cache")
    assert main(["--source", str(make_source()), "--cache-dir", cache, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["architecture"] == "arm64"
    assert result["runtime"] == "python3.14"
    assert result["file_count"] == 1
    assert len(result["hash"]) == 64
    assert result["layer"] is None


def test_cli_exit_codes(make_source, tmp_path, capsys):
    source = make_source()
    assert main(["--source", str(source), "--cache-dir", str(tmp_path), "--runtime", "py"]) == 1
    assert "error: runtime: 'py' is not a supported" in capsys.readouterr().err
    unpinned = make_source(requirements="pymongo\n")
    assert main(["--source", str(unpinned), "--cache-dir", str(tmp_path)]) == 1
    assert "requirements.txt:1: 'pymongo' has no version pin" in capsys.readouterr().err


def test_cli_runs_as_a_module(make_source, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "components.packaging", "--source", str(make_source()),
         "--cache-dir", str(tmp_path / "cache"), "--local"],
        capture_output=True, text=True, cwd=REPO, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "packaging: target: this machine" in result.stderr
    assert result.stdout.startswith("code ")
