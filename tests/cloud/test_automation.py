"""Real cloud, end to end, through the Automation API: up → invoke → preview → destroy.

An ephemeral stack with a local backend in a temporary folder (no Pulumi Cloud account)
deploys the real program. The function is invoked with a `GET /health` event, which pings
the cluster through the PrivateLink endpoint as the execution role (MONGODB-AWS); a second
preview must show nothing to change (a reproducible package, auto-scaling ignored); then
everything is destroyed and the stack removed, also when a step failed.

Skipped, naming what is missing, unless the Pulumi CLI, AWS credentials, Atlas credentials
and an Atlas organization (ATLAS_LAMBDA_ORG_ID) or project (ATLAS_LAMBDA_PROJECT_ID) are
present. It takes 20-40 minutes and creates billable resources (an M10 cluster).
"""

from __future__ import annotations

import json
import secrets
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.harness.events import http_event

from .prerequisites import missing, settings

pytestmark = pytest.mark.cloud

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_FILES = ("__main__.py", "components", "function", "requirements.txt")
# The endpoint's DNS and the first environment's network interface can lag `up` a little.
INVOKE_ATTEMPTS, INVOKE_PAUSE_S = 10, 30


def _project_copy(into: Path) -> Path:
    """The program in a folder of its own, so the stack's Pulumi.<stack>.yaml is not
    written into the repository. Pulumi.yaml is copied with its virtualenv pointing at
    the interpreter running the tests, which has every requirement installed."""
    project = into / "project"
    project.mkdir()
    for name in PROGRAM_FILES:
        (project / name).symlink_to(ROOT / name)
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    document["runtime"]["options"]["virtualenv"] = sys.prefix
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return project


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[object]:
    lacking = missing()
    if lacking:
        pytest.skip("real-cloud test needs: " + "; ".join(lacking))
    from pulumi import automation as auto

    state = tmp_path / "state"
    state.mkdir()
    workspace = auto.LocalWorkspaceOptions(
        env_vars={
            "PULUMI_BACKEND_URL": state.as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": secrets.token_urlsafe(24),
        }
    )
    name = f"it{secrets.token_hex(4)}"
    stack = auto.create_stack(name, work_dir=str(_project_copy(tmp_path)), opts=workspace)
    config = {**settings().stack_config(), "atlas-lambda:reservedConcurrency": "5"}
    stack.set_all_config({key: auto.ConfigValue(value) for key, value in config.items()})
    try:
        yield stack
    finally:
        stack.destroy(on_output=print, remove=True)


def invoke_health(function_name: str, region: str) -> dict:
    import boto3

    client = boto3.client("lambda", region_name=region)
    event = json.dumps(http_event("GET", "/health")).encode()
    answer: dict = {}
    for _ in range(INVOKE_ATTEMPTS):
        response = client.invoke(FunctionName=function_name, Payload=event)
        answer = {"function_error": response.get("FunctionError")}
        answer.update(json.loads(response["Payload"].read() or b"{}"))
        if answer.get("statusCode") == 200:
            break
        time.sleep(INVOKE_PAUSE_S)
    return answer


def test_up_invoke_preview_destroy(stack) -> None:
    result = stack.up(on_output=print)
    outputs = result.outputs
    assert outputs["privateSrvConnectionString"].value, "no private endpoint SRV string"

    answer = invoke_health(outputs["functionName"].value, settings().aws_region)
    assert answer.get("function_error") is None, answer
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"]) == {"status": "ok"}

    preview = stack.preview(diff=True, on_output=print)
    assert set(preview.change_summary) == {"same"}, preview.change_summary
