"""Catalog of failures (issue 10, classes 1, 2, 3, 5, 6): each case runs a real command in a
fresh process against a temp copy of the project and asserts the contract of
components/cli.py through tests/cli_contract.py: the documented exit code, one `error:`
line naming the problem, a `hint:`, no traceback, and no secret anywhere in the output.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from components import cli
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli

PREVIEW = "components.offline.preview"
PLAN_DIFF = "components.offline.plan_diff"
POLICY = "policy.offline"
DEV = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
ENV_SECRET = "hunter2-s3cr3t-value"
TOKEN = "ghp_tok3nValue"
IGNORED = shutil.ignore_patterns("__pycache__", ".build")


def copy_project(folder: Path) -> Path:
    """A project in `folder`: the repo's Pulumi.yaml, program and function/, the dev stack."""
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.dev.yaml"):
        shutil.copy(PROJECT_DIR / name, folder / name)
    shutil.copytree(PROJECT_DIR / "function", folder / "function", ignore=IGNORED)
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A temp copy of the project."""
    return copy_project(tmp_path)


def stack(project: Path, text: str | bytes, name: str = "t") -> str:
    path = project / f"Pulumi.{name}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return name


def preview(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(PREVIEW, *args, "--cwd", str(project))


# --- class 1: secrets stay secret --------------------------------------------------------


def test_secret_environment_never_echoed_in_errors(project: Path) -> None:
    """A decrypted --secret environment whose value trips a rule: the message names the key,
    never the value (the offline engine hands secure values undecrypted, so this runs the
    program as the Pulumi CLI would, with the value decrypted and marked secret)."""
    code = (
        "import sys\n"
        "from components import cli\nfrom components.stack.program import stack_program\n"
        ""
        "from components.offline import run_program\n"
        "config = {'aws:region': 'us-east-1', 'atlas-lambda:orgId': '5f0000000000000000000001',\n"
        f"  'atlas-lambda:environment': '[\"DB_URL=mongodb://u:{ENV_SECRET}@h/x\"]'}}\n"
        "def main(argv):\n"
        "    run_program(stack_program, config=config,\n"
        "                secret_keys=['atlas-lambda:environment'])\n"
        "    return 0\n"
        "sys.exit(cli.run_command(main, []))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(PROJECT_DIR)}, cwd=PROJECT_DIR, timeout=120,
    )  # fmt: skip
    assert_clean_failure(result, exit_code=1, names=["DB_URL"], secrets=[ENV_SECRET])


def test_secret_environment_is_a_secret_resource_input() -> None:
    """`pulumi config set --secret environment ...`: the Lambda's environment.variables are
    a secret in the plan (so encrypted in state), not plain text."""
    from components.offline import SECRET, run_program
    from components.stack.program import stack_program

    config = {
        "aws:region": "us-east-1",
        "atlas-lambda:orgId": "5f0000000000000000000001",
        "atlas-lambda:environment": '["FEATURE=' + ENV_SECRET + '"]',
    }
    run = run_program(
        stack_program,
        config=config,
        secret_keys=["atlas-lambda:environment"],
    )
    function = run.plan.one("aws:lambda/function:Function")
    assert function.inputs["environment"] == {"variables": SECRET}
    assert ENV_SECRET not in run.plan.to_json()


def test_credentials_in_urls_are_redacted_everywhere(project: Path) -> None:
    """Every message goes through cli.redact: a token inside a URL never reaches the output,
    even inside a file name the error echoes."""
    where = project / f"https:__user:{TOKEN}@host"
    where.mkdir()
    url = f"https://user:{TOKEN}@pypi.example/simple"
    result = run_cli(PLAN_DIFF, url, url)
    assert_clean_failure(result, exit_code=1, names=["pypi.example"], secrets=[TOKEN])
    assert cli.redact(f"--extra-index-url {url}") == (
        f"--extra-index-url https://{cli.REDACTED}@pypi.example/simple"
    )


# --- class 2: guardrails fail closed -----------------------------------------------------


def test_policy_config_string_false_is_refused(tmp_path: Path) -> None:
    """`"false"` is not a boolean: pulumi-policy's PolicyConfigSchema declares
    allowAccessList `{"type": "boolean"}` (policy/network_policies.py) and the Pulumi CLI
    validates pack config against that JSON schema; `bool("false")` would be True."""
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"atlas-access-list": {"allowAccessList": "false"}}))
    result = run_cli(POLICY, "dev", "--config", str(config))
    assert_clean_failure(result, exit_code=1, names=["atlas-access-list.allowAccessList"])


def test_usage_error_is_64_not_changes(tmp_path: Path) -> None:
    """The plan diff's 2 means "changes": a usage error must not look like one."""
    result = run_cli(PLAN_DIFF, "only-one.json")
    assert_clean_failure(result, exit_code=cli.EXIT_USAGE, names=["plan_diff", "head"])
    result = run_cli(POLICY, "--no-such-flag")
    assert_clean_failure(result, exit_code=cli.EXIT_USAGE, names=["--no-such-flag"])


def test_crash_is_internal_not_violations(project: Path) -> None:
    """A bug in the program is exit 70, never 3 (violations) or 2 (changes)."""
    (project / "__main__.py").write_text("raise RuntimeError('boom')\n")
    result = run_cli(POLICY, "dev", "--cwd", str(project))
    assert_clean_failure(result, exit_code=cli.EXIT_INTERNAL, names=["internal error", "boom"])


def test_policy_pack_survives_unparsable_environment_values() -> None:
    """An environment value the rules cannot parse (a malformed IPv6 host) is reported as a
    finding, not a crash of the pack."""
    from components.guardrails import rules

    findings = rules.environment_secrets({"DB": "mongodb://[broken/x"})
    assert [f.rule for f in findings] == ["env-secret"]
    assert rules.lambda_mongodb_uri("mongodb://[broken", sharded=False)[0].rule == "uri-format"


# --- class 3: no traceback from any CLI --------------------------------------------------

BROKEN_FILES = {
    "malformed YAML": (b"config: [\n", ["Pulumi.t.yaml", "line"]),
    "not a mapping": (b"- a\n- b\n", ["Pulumi.t.yaml", "not a mapping"]),
    "config not a mapping": (b"config: 3\n", ["Pulumi.t.yaml", "config"]),
    "not UTF-8": (b"config:\n  aws:region: us-\xe9ast-1\n", ["Pulumi.t.yaml", "UTF-8"]),
    "UTF-16": ("config: {}\n".encode("utf-16"), ["Pulumi.t.yaml", "UTF-16"]),
    "declares latin-1": (b"# -*- coding: latin-1 -*-\nconfig: {}\n", ["latin-1"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN_FILES))
def test_broken_stack_file(project: Path, case: str) -> None:
    text, names = BROKEN_FILES[case]
    assert_clean_failure(preview(project, stack(project, text)), exit_code=1, names=names)


def test_broken_project_file(project: Path) -> None:
    (project / "Pulumi.yaml").write_text("name: x\nconfig:\n  tier: {type: [\n")
    assert_clean_failure(preview(project, "dev"), exit_code=1, names=["Pulumi.yaml"])
    (project / "Pulumi.yaml").write_text("name: x\nconfig:\n  tier: M10\n")
    assert_clean_failure(preview(project, "dev"), exit_code=1, names=["config.tier"])


def test_stack_file_that_is_a_directory(project: Path) -> None:
    (project / "Pulumi.dir.yaml").mkdir()
    assert_clean_failure(preview(project, "dir"), exit_code=1, names=["Pulumi.dir.yaml"])


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ('{"resources": [{"urn": 1}]}', ["bad.json", "resources[0].urn"]),
        ("[]", ["bad.json", "not a plan"]),
        ("{nope", ["bad.json", "not JSON"]),
        ('{"resources": [], "advisories": [1]}', ["bad.json", "advisories"]),
    ],
)
def test_plan_file_of_the_wrong_shape(tmp_path: Path, content: str, names: list[str]) -> None:
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"resources": [], "outputs": {}}')
    bad.write_text(content)
    assert_clean_failure(run_cli(PLAN_DIFF, str(good), str(bad)), exit_code=1, names=names)


def test_ctrl_c_exits_130(project: Path) -> None:
    """SIGINT during a preview: exit 130 and the contract (no KeyboardInterrupt trace)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop(cli.DEBUG_ENV, None)
    process = subprocess.Popen(
        [sys.executable, "-m", PREVIEW, "dev", "--cwd", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert process.stderr is not None
    first = process.stderr.readline()  # the packaging step reports: the run is under way
    assert first.startswith("packaging:"), first
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    err = first + err
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    assert_clean_failure(result, exit_code=cli.EXIT_INTERRUPTED, names=["interrupted"])


def test_successful_preview_prints_no_event_loop_noise(project: Path) -> None:
    """Worker-thread event loops are closed: no "Exception ignored in BaseEventLoop.__del__"."""
    for _ in range(2):  # it was intermittent
        result = preview(project, "dev")
        assert result.returncode == 0, result.stderr
        assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr


def test_debug_shows_the_traceback(project: Path) -> None:
    result = run_cli(PREVIEW, "nosuchstack", "--cwd", str(project), "--debug")
    assert result.returncode == 1 and "Traceback" in result.stderr


# --- class 5: stack config behaves as Pulumi's does --------------------------------------


def with_config(extra: str) -> str:
    return DEV.rstrip("\n") + "\n" + extra


CONFIG_CASES = {
    # Pulumi's ParseKey (pulumi/sdk/go/common/resource/config/key.go) refuses a stack config
    # key that is not <namespace>:<name>; silently ignoring it planned M10 for `tier: M0`.
    "no namespace": ("  tier: M0\n", ["tier", "namespace"]),
    "duplicate key": ("  atlas-lambda:tier: M20\n", ["duplicate key", "atlas-lambda:tier"]),
    "non-ASCII digits": ('  atlas-lambda:memorySize: "١٠٢٤"\n', ["atlas-lambda:memorySize"]),
    "secure typed key": (
        "  atlas-lambda:memorySize:\n    secure: v1:AAAA\n",
        ["atlas-lambda:memorySize", "cannot be decrypted offline"],
    ),
    # Atlas "Atlas Service Limits" → Label Limits; terraform-provider-mongodbatlas
    # ValidateClusterName: 1-64 letters, digits, hyphens, alphanumeric at both ends.
    "cluster name": ("  atlas-lambda:clusterName: bad_name-\n", ["clusterName"]),
    "cluster name length": (f"  atlas-lambda:clusterName: {'a' * 65}\n", ["clusterName"]),
    # Label Limits, Project Name: ^[\p{L}\p{N}\-_.(),:&@+']{1,64}$
    "project name": ("  atlas-lambda:projectName: a/b\n", ["projectName"]),
    "duplicate subnets": (
        "  atlas-lambda:vpcId: vpc-0abc1234\n  atlas-lambda:subnetIds:\n"
        "    - subnet-0abc1234\n    - subnet-0abc1234\n",
        ["subnetIds", "subnet-0abc1234"],
    ),
    # AWS Lambda quotas: environment variables, 4 KB in aggregate.
    "environment over 4 KB": (
        "  atlas-lambda:environment:\n" + "".join(f"    - K{i}={'v' * 400}\n" for i in range(10)),
        ["environment", "4096"],
    ),
    "credential-looking name": (
        "  atlas-lambda:environment:\n    - DB_PASSWD=x\n",
        ["environment.DB_PASSWD"],
    ),
    "environment key twice": (
        "  atlas-lambda:environment:\n    - A_B=1\n    - A_B=2\n",
        ["environment.A_B"],
    ),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_stack_config_case(project: Path, case: str) -> None:
    extra, names = CONFIG_CASES[case]
    result = preview(project, stack(project, with_config(extra)))
    assert_clean_failure(result, exit_code=1, names=names)


# --- class 6: plans tell the whole story -------------------------------------------------


def test_advisories_reach_the_json_plan_and_the_diff(project: Path, tmp_path: Path) -> None:
    base = preview(project, "dev", "--json")
    low = stack(project, with_config("  atlas-lambda:memorySize: 256\n"), "low")
    head = preview(project, low, "--json")
    assert base.returncode == head.returncode == 0, head.stderr
    advisories = json.loads(head.stdout)["advisories"]
    assert {"rule": "memory-size", "key": "memorySize"}.items() <= advisories[0].items()
    (tmp_path / "base.json").write_text(base.stdout)
    (tmp_path / "head.json").write_text(head.stdout)
    diff = run_cli(PLAN_DIFF, str(tmp_path / "base.json"), str(tmp_path / "head.json"))
    assert diff.returncode == cli.EXIT_CHANGES, diff.stderr
    assert "+ advisory memory-size: memorySize:" in diff.stdout
    assert "Advisories:" in preview(project, low).stdout


def test_every_event_loop_a_run_opens_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The root of the intermittent "Exception ignored in BaseEventLoop.__del__": loops the
    SDK's mock monitor opens on worker threads and never closes. A run must close them all."""
    import asyncio

    from components.offline import run_stack

    opened: list[asyncio.AbstractEventLoop] = []
    new_event_loop = asyncio.new_event_loop

    def recording() -> asyncio.AbstractEventLoop:
        opened.append(new_event_loop())
        return opened[-1]

    monkeypatch.setattr(asyncio, "new_event_loop", recording)
    run_stack("dev")
    assert len(opened) > 1  # the run's own loop and the worker threads'
    assert all(loop.is_closed() for loop in opened)
