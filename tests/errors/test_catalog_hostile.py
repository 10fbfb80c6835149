"""Catalog, continued: what a hostile-user pass over the commands found (issue 10 follow-up).

Each case runs the real command in a fresh process (tests/cli_contract.py) against a temp
copy of the project, or calls the code it concerns directly.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from components import cli
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli
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


# --- 2: stdout is redacted too -------------------------------------------------------------


def test_plan_diff_redacts_url_credentials(tmp_path: Path) -> None:
    """A plan is user data: a URL with a password in it must not reach a CI log."""
    base, head = tmp_path / "a.json", tmp_path / "b.json"
    resource = {"urn": "u", "type": "t", "name": "n", "inputs": {"uri": "mongodb://h/"}}
    base.write_text(json.dumps({"resources": [resource]}))
    resource["inputs"] = {"uri": "mongodb://admin:hunter2pw@h/"}
    head.write_text(json.dumps({"resources": [resource]}))
    result = run_cli(PLAN_DIFF, str(base), str(head))
    assert result.returncode == 2, result.stderr
    assert "hunter2pw" not in result.stdout and "mongodb://[redacted]@h/" in result.stdout


def test_stdout_is_redacted_line_by_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL written in pieces (print writes text, then the newline) is still caught."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)

    def main(argv: list[str]) -> int:
        sys.stdout.write("uri: https://user:")
        sys.stdout.write("tok3n@host/x\n")
        print("tail https://a:b@c", end="")
        return 0

    assert cli.run_command(main, []) == 0
    assert out.getvalue() == "uri: https://[redacted]@host/x\ntail https://[redacted]@c"
    assert sys.stdout is out


def test_stdout_escapes_control_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Preview and policy output quote stack config values: ESC or CR must not reach a
    terminal or CI log raw; newlines and tabs still shape the output."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)

    def main(argv: list[str]) -> int:
        print("a\tb\x1b[2J\rc\u200b")
        return 0

    assert cli.run_command(main, []) == 0
    assert out.getvalue() == "a\tb\\x1b[2J\\x0dc\\u200b\n"


# --- 4, 5: Ctrl-C at any moment, closed or broken stdout ----------------------------------

RUN = "import sys\nfrom components import cli\n{body}\nsys.exit(cli.run_command(main))\n"


def run_script(body: str, *redirect: str) -> subprocess.CompletedProcess[str]:
    code = RUN.format(body=body)
    return subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -c "$0" {" ".join(redirect)}', code],
        capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)},
    )  # fmt: skip


def test_ctrl_c_swallowed_by_a_finalizer_still_exits_130() -> None:
    """The garbage collector runs finalizers anywhere; a KeyboardInterrupt raised in one was
    printed as "Exception ignored ... KeyboardInterrupt" and the run ended 0."""
    body = (
        "import gc, signal\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "        sum(range(1000))\n"
        "def main(argv):\n"
        "    item = Finalized(); item.cycle = item; del item; gc.collect()\n"
        "    print('done')\n"
        "    return 0\n"
    )
    result = run_script(body)
    assert_clean_failure(result, exit_code=cli.EXIT_INTERRUPTED, names=["interrupted"])


def test_ctrl_c_after_the_output_is_complete_is_ignored() -> None:
    """At interpreter shutdown (atexit hooks, thread joins) a Ctrl-C used to print a
    traceback or kill the process silently with 130 after a complete run."""
    body = (
        "import atexit, signal, time\n"
        "def late():\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    time.sleep(0.1)\n"
        "def main(argv):\n"
        "    atexit.register(late)\n"
        "    print('done')\n"
        "    return 0\n"
    )
    result = run_script(body)
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")


def test_closed_stdout_is_a_user_error() -> None:
    result = run_script("def main(argv):\n    print('x')\n    return 0\n", ">&-")
    assert_clean_failure(result, exit_code=1, names=["stdout is closed"])


def test_reader_that_stops_early_ends_quietly() -> None:
    """`| head -1` on a long output: no error, no "Exception ignored ... BrokenPipeError"."""
    body = "def main(argv):\n    print('line\\n' * 200000)\n    return 0\n"
    result = run_script(body, "| head -1")
    assert result.stdout == "line\n" and result.stderr == "", result.stderr


# --- 5, 6, 7: plan diff: hostile plan files ----------------------------------------------


def plans(tmp_path: Path, base: object, head: object) -> tuple[str, str]:
    paths = tmp_path / "base.json", tmp_path / "head.json"
    for path, document in zip(paths, (base, head), strict=True):
        path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(paths[0]), str(paths[1])


def one(inputs: dict, **fields: str) -> dict:
    return {"resources": [{"urn": "u", "type": "t", "name": "n", "inputs": inputs, **fields}]}


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("[" * 100_000 + "]" * 100_000, ["head.json", "deeper"]),
        (json.dumps(one({"a": json.loads("[" * 80 + "]" * 80)})), ["head.json", "deeper"]),
        ('{"resources": [], "outputs": {"x": NaN}}', ["head.json", "NaN"]),
        ('{"resources": [], "outputs": {"x": -Infinity}}', ["head.json", "-Infinity"]),
        (json.dumps({"resources": one({})["resources"] * 2}), ["head.json", "more than once"]),
    ],
    ids=["recursion", "deep", "nan", "infinity", "duplicate-urn"],
)
def test_plan_diff_refuses_what_is_not_a_plan(tmp_path: Path, content: str, names: list) -> None:
    result = run_cli(PLAN_DIFF, *plans(tmp_path, {"resources": []}, content))
    assert_clean_failure(result, exit_code=1, names=names)


@pytest.mark.parametrize(
    ("base", "head", "line"),
    [
        ({"m": 1}, {"m": True}, "m: 1 => true"),
        ({"a.b": 1}, {"a": {"b": 1}}, '["a.b"]: 1 => (absent)'),
    ],
)
def test_plan_diff_sees_json_not_python_equality(tmp_path, base, head, line) -> None:
    """JSON `true` is not `1`; a key with a dot is not a nested key."""
    result = run_cli(PLAN_DIFF, *plans(tmp_path, one(base), one(head)))
    assert result.returncode == 2, result.stdout + result.stderr
    assert line in result.stdout.splitlines()[1], result.stdout


def test_plan_diff_escapes_control_characters(tmp_path: Path) -> None:
    """A fork's head plan must not drive the terminal or inject `::error::` into a CI log."""
    evil = "x\x1b[2J\r\n::error::pwned\u202e"
    head = one({evil: evil}, type=evil, name=evil)
    head["advisories"] = [{"rule": evil, "key": evil, "message": evil}]
    result = run_cli(PLAN_DIFF, *plans(tmp_path, one({}), head))
    assert result.returncode == 2, result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout
    assert "\u202e" not in result.stdout
    assert not any(line.startswith("::") for line in result.stdout.splitlines()), result.stdout
    assert "\\x1b[2J\\x0d\\x0a::error::pwned\\u202e" in result.stdout


# --- 3: `secure:` values are never printed -----------------------------------------------

CIPHERTEXT = "AAABAKx2c2VjcmV0dmFsdWU="
NOT_CIPHERTEXT = "not one ciphertext string"
DEV_STACK = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        (
            f"  atlas-lambda:environment:\n    - secure: {CIPHERTEXT}\n",
            ["atlas-lambda:environment", "cannot be decrypted offline"],
        ),
        # Pulumi's isSecureValue (sdk/go/common/resource/config/object.go): exactly one key,
        # `secure`, with a string; anything else would silently be a plain object.
        ("  atlas-lambda:environment:\n    secure: [1, 2]\n", ["environment", NOT_CIPHERTEXT]),
        (
            f"  atlas-lambda:environment:\n    secure: {CIPHERTEXT}\n    other: x\n",
            ["atlas-lambda:environment", NOT_CIPHERTEXT],
        ),
    ],
    ids=["nested", "not-a-string", "extra-keys"],
)
def test_secure_values_are_never_printed(project: Path, extra: str, names: list[str]) -> None:
    text = DEV_STACK.rstrip("\n") + "\n" + extra
    result = preview(project, stack(project, text))
    assert_clean_failure(result, exit_code=1, names=names, secrets=[CIPHERTEXT])


def test_secure_region_says_it_cannot_be_decrypted(project: Path) -> None:
    text = DEV_STACK.replace("aws:region: us-east-1", f"aws:region:\n    secure: {CIPHERTEXT}")
    result = preview(project, stack(project, text))
    assert_clean_failure(
        result, exit_code=1, names=["aws:region", "cannot be decrypted offline"],
        secrets=[CIPHERTEXT],
    )  # fmt: skip


# --- 8: a cache dir that is not a cache ---------------------------------------------------

PACKAGING = "components.packaging"
PLAIN_HANDLER = "def handler(event, context):\n    return 1\n"


@pytest.mark.parametrize("where", ["project", "full"])
def test_cache_dir_among_other_files_is_refused(tmp_path: Path, where: str) -> None:
    """`--cache-dir .` or `--cache-dir /` would scatter deps/ artifacts/ sizes/ tmp/ there."""
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "handler.py").write_text(PLAIN_HANDLER)
    (folder / "requirements.txt").write_text("")
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    root = tmp_path if where == "project" else full
    result = run_cli(PACKAGING, "--source", str(folder), "--cache-dir", str(root))
    assert_clean_failure(result, exit_code=1, names=["cache_dir", str(root)])
    assert sorted(p.name for p in root.iterdir()) == sorted(
        ["fn", "full"] if where == "project" else ["notes.txt"]
    )


def test_cache_dir_is_marked_and_reused(tmp_path: Path) -> None:
    from components.packaging.cache import CACHE_MARKER, is_cache_or_empty

    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "handler.py").write_text(PLAIN_HANDLER)
    cache = tmp_path / "cache"
    for _ in range(2):
        result = run_cli(PACKAGING, "--source", str(folder), "--cache-dir", str(cache))
        assert result.returncode == 0, result.stderr
    assert (cache / CACHE_MARKER).is_file()
    legacy = tmp_path / "legacy"
    (legacy / "deps").mkdir(parents=True)
    assert is_cache_or_empty(legacy) and is_cache_or_empty(tmp_path / "missing")


# --- 9: config read as the Pulumi CLI reads it ----------------------------------------------


@pytest.mark.parametrize("word", ["yes", "on", "no", "off", "y"])
def test_yaml_1_1_booleans_are_strings(project: Path, word: str) -> None:
    """The CLI reads a config value into a Go string first (`unmarshalValue` in pulumi/pulumi
    sdk/go/common/resource/config/value.go), so `yes` reaches the program as "yes", which
    `Config.get_bool` refuses; PyYAML's YAML 1.1 reading made it True."""
    text = DEV_STACK.replace("functionUrl: true", f"functionUrl: {word}")
    result = preview(project, stack(project, text))
    assert_clean_failure(result, exit_code=1, names=["atlas-lambda:functionUrl", repr(word)])


def test_scalars_keep_their_source_text(tmp_path: Path) -> None:
    from components.offline.engine import stack_config

    (tmp_path / "Pulumi.s.yaml").write_text(
        "config:\n  a:hex: 0x10\n  a:flag: True\n  a:none: ~\n  a:list: [yes, 1]\n"
    )
    config, _ = stack_config("s", tmp_path)
    assert config == {"a:hex": "0x10", "a:flag": "True", "a:none": "", "a:list": "[true, 1]"}


def test_legacy_config_key_form_is_read_as_pulumi_reads_it(project: Path) -> None:
    """`ParseKey` (pulumi/pulumi sdk/go/common/resource/config/key.go) reads
    `<namespace>:config:<name>` as `<namespace>:<name>`."""
    text = DEV_STACK.replace("atlas-lambda:tier: M10", "atlas-lambda:config:tier: M20")
    result = preview(project, stack(project, text), "--json")
    assert result.returncode == 0, result.stderr
    assert '"M20"' in result.stdout
    twice = DEV_STACK + "  atlas-lambda:config:tier: M20\n"
    result = preview(project, stack(project, twice))
    assert_clean_failure(result, exit_code=1, names=["atlas-lambda:tier", "twice"])


# --- 10: messages that say what is wrong ------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "names"),
    [
        # Lambda API reference, Environment: "Key Pattern: [a-zA-Z]([a-zA-Z0-9_])+".
        ("  atlas-lambda:environment:\n    - B=1\n", ["environment.B"]),
        ("  atlas-lambda:autoScalingMaxTier: M9000\n", ["autoScalingMaxTier", "unknown tier"]),
        ("  atlas-lambda:ti\u200ber: M20\n", ["atlas-lambda:ti\\u200ber"]),
    ],
    ids=["env-key", "max-tier", "zero-width"],
)
def test_messages_name_the_rule(project: Path, extra: str, names: list[str]) -> None:
    text = DEV_STACK.rstrip("\n") + "\n" + extra
    result = preview(project, stack(project, text))
    error = assert_clean_failure(result, exit_code=1, names=names)
    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint:"))
    if "B=1" in extra:
        assert "[a-zA-Z][a-zA-Z0-9_]+" in hint and "2 or more" in hint, hint
    if "M9000" in extra:
        assert "M20" in hint and "M300" in hint, hint
    assert "\u200b" not in result.stderr, error


@pytest.mark.parametrize(
    ("content", "names"),
    [
        (b"def handler(event, context):\n    return '\xff'\n", ["function/handler.py", "UTF-8"]),
        ("def handler(e, c):\n    return 1\n".encode("utf-32"), ["handler.py", "not UTF-8"]),
    ],
    ids=["latin-1-bytes", "utf-32"],
)
def test_handler_that_is_not_utf8_is_named(project: Path, content: bytes, names: list) -> None:
    (project / "function" / "handler.py").write_bytes(content)
    assert_clean_failure(preview(project, "dev"), exit_code=1, names=names)


def test_utf32_stack_file_is_not_called_utf16(project: Path) -> None:
    name = stack(project, DEV_STACK.encode("utf-32"))
    error = assert_clean_failure(preview(project, name), exit_code=1, names=["UTF-32"])
    assert "UTF-16" not in error
