"""SnapStart wiring: a published version behind the `live` alias, reached by the URL and
the outputs, and the runtimes Lambda refuses it on.

Sources: pulumi_aws lambda_.Function (`snap_start.apply_on`: valid value
`PublishedVersions`; `publish`; `version`: latest published version), lambda_.Alias
(`function_version`: `$LATEST` or a number), lambda_.FunctionUrl (`qualifier`: alias name
or `$LATEST`); AWS Lambda docs "Improving startup performance with Lambda SnapStart"
(Python 3.12 and later; only published versions and aliases on them restore from a
snapshot, never $LATEST) and the AddPermission API (a qualified statement covers only the
version or alias it names).
"""

from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.lambda_function.component import SNAP_START_ALIAS

from .conftest import run_project

P = "atlas-lambda:"
FUNCTION = "aws:lambda/function:Function"
ALIAS = "aws:lambda/alias:Alias"
URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
ON = {P + "snapStart": "true", P + "functionUrl": "true"}


def test_snap_start_publishes_and_serves_through_the_alias(deploy):
    run, _ = deploy("dev", **ON)
    function = run.plan.one(FUNCTION).inputs
    assert function["publish"] is True
    assert function["snapStart"] == {"applyOn": "PublishedVersions"}
    alias = run.plan.one(ALIAS).inputs
    assert alias == {
        "functionName": "atlas-lambda-dev",
        "functionVersion": "1",  # the version the function published, not $LATEST
        "name": SNAP_START_ALIAS,
    }
    assert run.plan.one(URL).inputs["qualifier"] == SNAP_START_ALIAS
    outputs = run.plan.outputs
    assert outputs["invocationArn"] == f"{outputs['functionArn']}:{SNAP_START_ALIAS}"


def test_snap_start_off_changes_nothing(deploy):
    """Off (the default): no publish, no snapshot, no alias, an unqualified URL."""
    run, _ = deploy("dev", **{P + "functionUrl": "true"})
    function = run.plan.one(FUNCTION).inputs
    assert "publish" not in function and "snapStart" not in function
    assert run.plan.by_type(ALIAS) == []
    assert "qualifier" not in run.plan.one(URL).inputs
    assert run.plan.outputs["invocationArn"] == run.plan.outputs["functionArn"]


def test_public_url_on_the_alias_is_granted_on_the_alias(deploy):
    run, _ = deploy("dev", **ON, **{P + "functionUrlAuthType": "NONE"})
    grants = run.plan.by_type(PERMISSION)
    assert len(grants) == 2
    assert {grant.inputs.get("qualifier") for grant in grants} == {SNAP_START_ALIAS}


@pytest.mark.parametrize("runtime", ["python3.11"])
def test_snap_start_refused_below_python_3_12(dev_config, runtime):
    config = {**dev_config, P + "snapStart": "true", P + "runtime": runtime}
    with pytest.raises(ConfigError) as refused:
        run_project(config, preview=True)
    assert refused.value.key == "snapStart"
    assert "python3.11" in str(refused.value)
    assert "python3.12, python3.13, python3.14" in str(refused.value.allowed)


def test_python_3_11_without_snap_start_still_deploys(dev_config):
    run_project({**dev_config, P + "runtime": "python3.11"}, preview=True)
