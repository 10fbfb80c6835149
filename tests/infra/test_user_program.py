"""A user's own Pulumi program importing two components and composing them its own way:
an existing Atlas project, and a database user for a role that program already has."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from components import AtlasCluster, ConfigError, IamDatabaseUser
from components.offline import run_program

from .fake_cloud import FakeCloud

PROJECT_ID = "65a1b2c3d4e5f60718293a4b"


def users_program() -> dict[str, pulumi.Output]:
    worker_role = aws.iam.Role(
        "batch-worker",
        assume_role_policy='{"Statement":[],"Version":"2012-10-17"}',
    )
    cluster = AtlasCluster(
        "analytics",
        {
            "cluster_name": "analytics",
            "aws_region": "eu-central-1",
            "project_id": PROJECT_ID,
            "tier": "M40",
            "auto_scaling_max_tier": "M60",
        },
    )
    user = IamDatabaseUser(
        "reporting",
        {
            "project_id": cluster.project_id,
            "role_arn": worker_role.arn,
            "cluster_name": cluster.cluster_name,
            "database_name": "reports",
            "roles": ["read"],
        },
    )
    return {"user": user.username, "srv": cluster.srv_connection_string}


def test_two_components_composed_by_a_user_program():
    cloud = FakeCloud(region="eu-central-1")
    run = run_program(users_program, stack="analytics", mocks=cloud, preview=False)
    plan = run.plan
    assert not plan.by_type("mongodbatlas:index/project:Project")  # existing project used
    cluster = plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster")
    assert cluster.inputs["projectId"] == PROJECT_ID
    region = cluster.inputs["replicationSpecs"][0]["regionConfigs"][0]
    assert region["regionName"] == "EU_CENTRAL_1"
    assert region["autoScaling"] == {
        "computeEnabled": True,
        "computeMaxInstanceSize": "M60",
        "computeMinInstanceSize": "M40",
        "computeScaleDownEnabled": True,
        "diskGbEnabled": True,
    }
    user = plan.one("mongodbatlas:index/databaseUser:DatabaseUser").inputs
    assert user["username"].startswith("arn:aws:iam::123456789012:role/batch-worker-")
    assert user["roles"] == [{"databaseName": "reports", "roleName": "read"}]
    assert user["scopes"] == [{"name": "analytics", "type": "CLUSTER"}]
    assert plan.outputs["user"] == user["username"]
    assert plan.outputs["srv"] == "mongodb+srv://analytics." + plan.outputs["srv"].split(".", 1)[1]
    parents = {r.name: r.parent for r in plan.resources}
    assert parents["reporting-user"].endswith("::reporting")
    assert parents["analytics-cluster"].endswith("::analytics")


def test_component_refuses_bad_args_before_registering():
    cloud = FakeCloud()

    def program() -> None:
        AtlasCluster("bad", {"cluster_name": "bad", "aws_region": "us-east-1", "tier": "M10",
                             "project_id": PROJECT_ID, "auto_scaling_max_tier": "M10"})  # fmt: skip

    with pytest.raises(ConfigError, match=r"autoScalingMaxTier: .*\(allowed: M20, M30, M40, M50,"):
        run_program(program, mocks=cloud, preview=False)
    assert cloud.events == []
