"""The example stacks end to end under the mock engine, as the offline preview runs them."""

from __future__ import annotations

import json
from collections import Counter

from components.cli import run_command
from components.offline import UNKNOWN
from components.offline.preview import main as preview_main
from components.offline.render import render

EXPECTED_TYPES = {
    "atlas-lambda:index:AtlasLambda": 1,
    "atlas-lambda:index:AtlasCluster": 1,
    "atlas-lambda:index:IamDatabaseUser": 1,
    "atlas-lambda:index:MongoLambda": 1,
    "atlas-lambda:index:Network": 1,
    "atlas-lambda:index:PrivateEndpoint": 1,
    "mongodbatlas:index/project:Project": 1,
    "mongodbatlas:index/advancedCluster:AdvancedCluster": 1,
    "mongodbatlas:index/databaseUser:DatabaseUser": 1,
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint": 1,
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService": 1,
    "aws:ec2/vpc:Vpc": 1,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 1,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
    "aws:iam/role:Role": 1,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1,
    "aws:cloudwatch/logGroup:LogGroup": 1,
    "aws:lambda/function:Function": 1,
    "aws:lambda/layerVersion:LayerVersion": 1,
    # Run-time watching (alerts: true by default): tests/infra/test_operations.py.
    "mongodbatlas:index/alertConfiguration:AlertConfiguration": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 3,
    "aws:cloudwatch/dashboard:Dashboard": 1,
}


def test_dev_stack_previews_offline(preview_stack):
    plan = preview_stack("dev").plan
    counts = Counter(resource.type for resource in plan.resources)
    assert counts == Counter(
        {**EXPECTED_TYPES, "aws:ec2/subnet:Subnet": 2, "aws:lambda/functionUrl:FunctionUrl": 1}
    )
    cluster = plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster").inputs
    assert cluster["replicationSpecs"][0]["regionConfigs"][0]["regionName"] == "US_EAST_1"
    assert cluster["backupEnabled"] is True and "useEffectiveFields" not in cluster
    # Deploy-time values are shown as unknown, never invented.
    assert plan.outputs["privateSrvConnectionString"] == UNKNOWN
    assert plan.outputs["roleArn"] == UNKNOWN
    assert plan.outputs["functionName"] == "atlas-lambda-dev"
    env = plan.one("aws:lambda/function:Function").inputs["environment"]["variables"]
    assert env == {"AWS_STS_REGIONAL_ENDPOINTS": "regional", "MONGODB_URI": UNKNOWN}


def test_prod_stack_previews_offline(preview_stack):
    plan = preview_stack("prod").plan
    counts = Counter(resource.type for resource in plan.resources)
    assert counts == Counter({**EXPECTED_TYPES, "aws:ec2/subnet:Subnet": 3})
    cluster = plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster").inputs
    assert cluster["clusterType"] == "SHARDED"
    assert cluster["terminationProtectionEnabled"] is True
    specs = cluster["replicationSpecs"]
    assert len(specs) == 2
    region = specs[0]["regionConfigs"][0]
    assert region["regionName"] == "EU_WEST_1"
    assert region["electableSpecs"] == {"instanceSize": "M30", "nodeCount": 3}
    assert region["autoScaling"]["computeMaxInstanceSize"] == "M50"
    function = plan.one("aws:lambda/function:Function").inputs
    assert function["reservedConcurrentExecutions"] == 500
    assert function["memorySize"] == 2048


def test_children_are_parented_to_their_component(preview_stack):
    plan = preview_stack("dev").plan
    components = {r.urn: r.name for r in plan.resources if not r.custom}
    parents = {r.name: components.get(r.parent or "") for r in plan.resources if r.custom}
    assert parents["app-lambda-function"] == "app-lambda"
    assert parents["app-privatelink-vpce"] == "app-privatelink"
    assert parents["app-db-user-user"] == "app-db-user"
    assert parents["app-atlas-cluster"] == "app-atlas"
    assert parents["app-network-vpc"] == "app-network"
    assert all(parent is not None for parent in parents.values())
    # Every component but the pattern itself sits under the pattern.
    pattern = next(r for r in plan.resources if r.type == "atlas-lambda:index:AtlasLambda")
    children = [r for r in plan.resources if not r.custom and r is not pattern]
    assert {r.parent for r in children} == {pattern.urn}


def test_plan_json_is_stable_across_runs(preview_stack):
    first = preview_stack("dev").plan.to_json()
    second = preview_stack("dev").plan.to_json()
    assert first == second
    document = json.loads(first)
    assert [r["urn"] for r in document["resources"]] == sorted(
        r["urn"] for r in document["resources"]
    )
    assert document["summary"] == {"resources": 24, "components": 6}


def test_rendered_preview_has_tree_and_summary(preview_stack):
    text = render(preview_stack("dev").plan)
    assert "+ pulumi:pulumi:Stack  atlas-lambda-dev" in text
    assert "\n    + atlas-lambda:index:AtlasLambda  app\n" in text
    assert "\n        + atlas-lambda:index:MongoLambda  app-lambda\n" in text
    assert "\n            + aws:lambda/function:Function  app-lambda-function\n" in text
    assert text.rstrip().splitlines()[-1].startswith("Resources: + 24 to create (6 components)")


def test_secret_config_is_masked(tmp_path, preview_stack):
    import pulumi

    from components.offline import SECRET, run_program
    from components.stack.program import stack_program

    def program():
        outputs = stack_program()
        outputs["orgToken"] = pulumi.Output.secret("do-not-print")
        return outputs

    from components.offline.engine import stack_config

    plan = run_program(program, stack="dev", config=stack_config("dev")[0]).plan
    assert plan.outputs["orgToken"] == SECRET
    assert "do-not-print" not in plan.to_json() and "do-not-print" not in render(plan)


def test_preview_cli_exit_codes(capsys):
    assert run_command(preview_main, ["dev"]) == 0
    assert "Offline preview of atlas-lambda/dev" in capsys.readouterr().out
    assert run_command(preview_main, ["nosuchstack"]) == 1  # components/cli.py: 1 = bad input
    assert "no Pulumi.nosuchstack.yaml" in capsys.readouterr().err


def test_main_program_exports_outputs(preview_stack):
    outputs = preview_stack("dev").plan.outputs
    assert set(outputs) == {
        "projectId", "clusterName", "clusterType", "networkPath", "vpcId", "vpcEndpointId",
        "privateSrvConnectionString", "functionName", "functionArn", "invocationArn", "functionUrl",
        "roleArn", "databaseUser", "logGroup",
    }  # fmt: skip


def test_secret_org_id_is_masked_offline(tmp_path):
    import shutil
    from pathlib import Path

    from components.offline import SECRET, run_stack

    root = Path(__file__).resolve().parents[2]
    for name in ("Pulumi.yaml", "__main__.py"):
        (tmp_path / name).write_text((root / name).read_text())
    shutil.copytree(root / "function", tmp_path / "function")
    (tmp_path / "Pulumi.sec.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  atlas-lambda:orgId:\n    secure: v1:AAAAencrypted\n"
    )
    plan = run_stack("sec", project_dir=tmp_path).plan
    project = plan.one("mongodbatlas:index/project:Project")
    assert project.inputs["orgId"] == SECRET
    assert render(plan).rstrip().endswith("; 1 secrets masked")
