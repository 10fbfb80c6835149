"""Runtimes and regions follow the providers' own enums (pulumi_aws 7.51 `_enums.py`)."""

from __future__ import annotations

import pytest
from pulumi_aws import Region
from pulumi_aws.lambda_ import Runtime

from components.errors import ConfigError
from components.guardrails import lambda_limits
from components.guardrails.regions import ATLAS_AWS_REGIONS, atlas_region
from components.packaging.target import RUNTIMES
from components.stack.config import declared_keys

from .conftest import run_project


def test_every_python_runtime_we_accept_is_in_the_lambda_runtime_enum():
    """pulumi_aws/lambda_/_enums.py Runtime lists python3.14 (PYTHON3D14)."""
    offered = {runtime.value for runtime in Runtime}
    assert "python3.14" in lambda_limits.PYTHON_RUNTIMES
    assert set(lambda_limits.PYTHON_RUNTIMES) <= offered
    assert set(lambda_limits.PYTHON_RUNTIMES) <= set(RUNTIMES)  # packaging can build each


def test_python314_is_the_default_everywhere():
    assert lambda_limits.DEFAULT_RUNTIME == "python3.14"
    assert declared_keys()["runtime"].default == lambda_limits.DEFAULT_RUNTIME


def test_dev_stack_deploys_python314(deploy):
    run, _ = deploy("dev")
    assert run.plan.one("aws:lambda/function:Function").inputs["runtime"] == "python3.14"
    layer = run.plan.one("aws:lambda/layerVersion:LayerVersion").inputs
    assert layer["compatibleRuntimes"] == ["python3.14"]


NEW_REGIONS = ["ap-east-2", "ap-southeast-6", "ap-southeast-7", "mx-central-1"]


@pytest.mark.parametrize("region", NEW_REGIONS)
def test_new_regions_are_accepted(region):
    assert atlas_region(region) == region.upper().replace("-", "_")


@pytest.mark.parametrize(
    "region", ["us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1", "us-iso-east-1"]
)
def test_govcloud_china_and_isolated_regions_stay_refused(region):
    """Atlas AWS reference: all AWS regions "other than some regions in China and US GovCloud"."""
    with pytest.raises(ConfigError) as error:
        atlas_region(region)
    assert error.value.key == "aws:region" and "us-east-1" in error.value.allowed


def test_regions_come_from_the_enum_minus_other_partitions_only():
    """Every region the enum lists is accepted unless it is in China, GovCloud or an
    isolated/sovereign partition; the regions Atlas listed before stay accepted."""
    refused = {r.value for r in Region} - ATLAS_AWS_REGIONS
    assert refused and all(
        r.startswith(("cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-")) for r in refused
    ), refused
    earlier = {"us-east-1", "eu-central-2", "ap-southeast-5", "ca-west-1", "il-central-1"}
    assert earlier | set(NEW_REGIONS) <= ATLAS_AWS_REGIONS


def test_a_stack_in_a_new_region_previews(dev_config):
    run = run_project({**dev_config, "aws:region": "ap-southeast-7"}, preview=True)
    cluster = run.plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster").inputs
    assert cluster["replicationSpecs"][0]["regionConfigs"][0]["regionName"] == "AP_SOUTHEAST_7"
