"""Catalog, issue 17 hostile pass: stack files that hang or crash the commands, long values
echoed whole, the policy pack's --config, and a Ctrl-C while the offline policy run loads.
Each case runs the real command in a fresh process (tests/cli_contract.py) and failed before
its fix (no answer, exit 70, a 10 MB line, a duplicate key silently winning, a traceback).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from components import cli
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli
from tests.errors.test_catalog import POLICY, PREVIEW, copy_project, stack

# 9 anchors of 9 aliases each: 9**9 (387 million) strings once constructed, in 400 bytes.
ALIAS_BOMB = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [
        f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    + ["config:", "  aws:region: us-east-1", "  atlas-lambda:tags: *i", ""]
)
DEV = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
COMMANDS = [PREVIEW, POLICY]
TIMEOUT_S = 60  # a hang is what these catch; each answer takes seconds


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path)


def run(module: str, project: Path, name: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli(module, name, "--cwd", str(project), *extra, timeout=TIMEOUT_S)


# --- stack files ---------------------------------------------------------------------------


@pytest.mark.parametrize("module", COMMANDS)
def test_yaml_alias_bomb_is_refused_at_once(project: Path, module: str) -> None:
    name = stack(project, ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 600
    result = run(module, project, name)
    error = assert_clean_failure(result, exit_code=1, names=[f"Pulumi.{name}.yaml", "anchor"])
    assert "line 1" in error


@pytest.mark.parametrize("module", COMMANDS)
def test_a_lone_alias_is_refused_too(project: Path, module: str) -> None:
    text = DEV.replace("config:", "config:\n  atlas-lambda:projectName: *nowhere", 1)
    name = stack(project, text)
    assert_clean_failure(run(module, project, name), exit_code=1, names=["alias (*nowhere)"])


@pytest.mark.parametrize("module", COMMANDS)
@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_a_config_error_not_a_crash(
    project: Path, module: str, nesting: str
) -> None:
    """It ended in exit 70 (RecursionError inside PyYAML's composer)."""
    name = stack(project, DEV.replace("config:", f"config:\n  atlas-lambda:tags: {nesting}", 1))
    result = run(module, project, name)
    assert_clean_failure(result, exit_code=1, names=[f"Pulumi.{name}.yaml", "nest deeper"])


@pytest.mark.parametrize("key", ["tags", "subnetIds"])
def test_deeply_nested_json_text_is_not_a_crash(project: Path, key: str) -> None:
    """A string value holding JSON is parsed as Pulumi hands it over: 100,000 levels ended
    in RecursionError (exit 70)."""
    text = "'" + "[" * 100_000 + "]" * 100_000 + "'"
    name = stack(project, DEV.replace("config:", f"config:\n  atlas-lambda:{key}: {text}", 1))
    line = assert_clean_failure(run(PREVIEW, project, name), exit_code=1, names=[key])
    assert len(line) < 400, len(line)


def test_a_long_value_is_echoed_short(project: Path) -> None:
    """A 900 KB clusterName came back as a 900 KB `error:` line (10 MB as 10 MB)."""
    value = "x" * 900_000
    entry = f"config:\n  atlas-lambda:clusterName: {value}"
    name = stack(project, DEV.replace("config:", entry, 1))
    line = assert_clean_failure(run(PREVIEW, project, name), exit_code=1, names=["clusterName"])
    assert len(line) < 400 and "x" * 79 + "…" in line, len(line)


def test_a_huge_stack_file_is_refused_unread(project: Path) -> None:
    name = stack(project, DEV + "# " + "x" * 10_000_000 + "\n")
    assert_clean_failure(
        run(PREVIEW, project, name), exit_code=1, names=[f"Pulumi.{name}.yaml", "larger than"]
    )


def test_a_5000_digit_number_is_refused_where_it_is(project: Path) -> None:
    """PyYAML converted it with int(): over Python's 4,300 digits, a ValueError (exit 70)."""
    digits = "1" * 5000
    entry = f"config:\n  atlas-lambda:memorySize: {digits}"
    name = stack(project, DEV.replace("config:", entry, 1))
    names = [f"Pulumi.{name}.yaml", "line 4", "5000"]
    line = assert_clean_failure(run(PREVIEW, project, name), exit_code=1, names=names)
    assert digits not in line


# --- the policy pack's --config ---------------------------------------------------------------


def policy_with_config(project: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return run(POLICY, project, "dev", "--config", str(config))


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("[" * 100_000 + "]" * 100_000, ["nest"]),
        ('{"all": ' + "1" * 5000 + "}", ["5000 digits"]),
        ('{"all": "advisory", "all": "mandatory"}', ["'all' is given twice"]),
        ('{"atlas-access-list": {"allowAccessList": true, "allowAccessList": false}}',
         ["'allowAccessList' is given twice"]),
        ('{"all": NaN}', ["NaN"]),
    ],
    ids=["deep", "5000 digits", "duplicate", "duplicate setting", "NaN"],
)  # fmt: skip
def test_pack_config_refusals(project: Path, tmp_path: Path, content: str, names: list) -> None:
    config = tmp_path / "pack.json"
    config.write_text(content)
    assert_clean_failure(policy_with_config(project, config), exit_code=1, names=names)


@pytest.mark.parametrize("endless", ["/dev/zero", "fifo"])
def test_pack_config_that_never_ends_is_refused(
    project: Path, tmp_path: Path, endless: str
) -> None:
    """/dev/zero was read until memory ran out; a FIFO with no writer waited for ever."""
    path = Path(endless)
    if endless == "fifo":
        path = tmp_path / "pack.json"
        os.mkfifo(path)
    assert_clean_failure(
        policy_with_config(project, path), exit_code=1, names=["not a regular file"]
    )


def test_pack_config_too_large_is_refused(project: Path, tmp_path: Path) -> None:
    config = tmp_path / "pack.json"
    config.write_text('{"all": "advisory"}' + " " * 2_000_000)
    assert_clean_failure(policy_with_config(project, config), exit_code=1, names=["larger than"])


# --- Ctrl-C while the offline policy run loads -----------------------------------------------


def test_ctrl_c_while_the_policy_run_imports_exits_130(project: Path) -> None:
    """The first 0.1-0.2 s are module imports (asyncio, pulumi_policy) before run_command
    installs its handler: a Ctrl-C there printed a KeyboardInterrupt traceback. `-X
    importtime` reports each import as it completes: the signal goes once asyncio is in."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop(cli.DEBUG_ENV, None)
    process = subprocess.Popen(
        [sys.executable, "-X", "importtime", "-m", POLICY, "dev", "--cwd", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    timer = threading.Timer(TIMEOUT_S, process.kill)
    timer.start()
    try:
        for line in process.stderr:
            seen.append(line)
            if line.rstrip().endswith("| asyncio"):
                process.send_signal(signal.SIGINT)
                break
        out, err = process.communicate(timeout=TIMEOUT_S)
    finally:
        timer.cancel()
    lines = [*seen, *err.splitlines(keepends=True)]
    err = "".join(line for line in lines if not line.startswith("import time:"))
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    assert_clean_failure(result, exit_code=cli.EXIT_INTERRUPTED, names=["interrupted"])
