"""The pack over the real stacks' offline plans, and over a deliberately broken one.

The plans come from running the project's own program under the mock engine
(`components.offline.run_stack`): the properties are the wire-form inputs a real preview
hands the analyzer, unknowns included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from components.cli import run_command
from components.lambda_function.connection_string import build_lambda_uri
from components.offline import Plan, PlannedResource, run_stack
from policy.offline import evaluate, main
from policy.pack import POLICIES

from .helpers import ACCESS_LIST, CLUSTER, LAMBDA, USER, cluster_props

ROLE = "aws:iam/role:Role"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_stack(stack).plan for stack in ("dev", "prod")}


def edited(plan: Plan, type_token: str, edit: Callable[[dict[str, Any]], None]) -> Plan:
    """A copy of `plan` whose (one) resource of `type_token` has had `edit` applied."""
    resources = []
    for resource in plan.resources:
        if resource.type == type_token:
            inputs = dict(resource.inputs)
            edit(inputs)
            resource = dataclasses.replace(resource, inputs=inputs)
        resources.append(resource)
    return Plan(plan.project, plan.stack, resources, dict(plan.outputs))


def added(plan: Plan, type_token: str, name: str, inputs: dict[str, Any]) -> Plan:
    urn = f"urn:pulumi:{plan.stack}::{plan.project}::{type_token}::{name}"
    extra = PlannedResource(urn, type_token, name, None, True, inputs)
    return Plan(plan.project, plan.stack, [*plan.resources, extra], dict(plan.outputs))


def with_uri(plan: Plan, uri: str) -> Plan:
    def edit(inputs: dict[str, Any]) -> None:
        variables = {**inputs["environment"]["variables"], "MONGODB_URI": uri}
        inputs["environment"] = {"variables": variables}

    return edited(plan, LAMBDA, edit)


def private_srv(stack: str) -> str:
    return f"mongodb+srv://atlas-lambda-{stack}-pl-0.abcde.mongodb.net"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_example_stacks_pass_the_pack(plans: dict[str, Plan], stack: str) -> None:
    assert evaluate(plans[stack]) == []


@pytest.mark.parametrize(("stack", "sharded"), [("dev", False), ("prod", True)])
def test_the_uri_the_components_deploy_passes(
    plans: dict[str, Plan], stack: str, sharded: bool
) -> None:
    """At `up` the URI is known: the one MongoLambda builds satisfies the URI policy."""
    uri = build_lambda_uri(private_srv(stack), database="app", app_name="fn", sharded=sharded)
    assert evaluate(with_uri(plans[stack], uri)) == []


def test_the_prod_uri_without_srv_max_hosts_is_caught(plans: dict[str, Plan]) -> None:
    uri = build_lambda_uri(private_srv("prod"), database="app", app_name="fn", sharded=False)
    violations = evaluate(with_uri(plans["prod"], uri))
    assert [(v.policy, v.message.split(":")[0]) for v in violations] == [
        ("lambda-mongodb-uri-options", "environment.variables.MONGODB_URI")
    ]
    assert "srvMaxHosts" in violations[0].message


def broken(plan: Plan) -> Plan:
    """The dev plan with one mistake per policy, as another program might declare it."""

    def function(inputs: dict[str, Any]) -> None:
        inputs["memorySize"] = 256
        inputs["reservedConcurrentExecutions"] = 5000
        inputs["environment"] = {
            "variables": {
                "MONGODB_URI": "mongodb+srv://atlas-lambda-dev-pl-0.abcde.mongodb.net/app",
                "AWS_REGION": "us-east-1",
                "DB_PASSWORD": "hunter2",
            }
        }

    def user(inputs: dict[str, Any]) -> None:
        inputs["awsIamType"] = "NONE"
        inputs["password"] = "hunter2"

    def role(inputs: dict[str, Any]) -> None:
        inputs["description"] = "Execution role \u2014 of the function"

    plan = edited(edited(edited(plan, LAMBDA, function), USER, user), ROLE, role)
    plan = added(plan, ACCESS_LIST, "open", {"cidrBlock": "0.0.0.0/0", "projectId": "p"})
    plan = added(plan, EGRESS, "nat", {"description": "Atlas, through the VPC's NAT"})
    return added(plan, CLUSTER, "scratch", cluster_props("M0", name="scratch"))


def test_a_broken_plan_violates_every_policy(plans: dict[str, Plan]) -> None:
    violations = evaluate(broken(plans["dev"]))
    by_policy = {v.policy: v for v in violations}
    # 256 MB is only advisory; 5000 is over the limit (mandatory), so no budget advisory.
    expected = {p.name for p in POLICIES} - {
        "lambda-memory-size",
        "atlas-connection-budget-advisory",
    }
    assert set(by_policy) == expected
    keys = {v.policy: v.message.split(":")[0] for v in violations}
    assert keys == {
        "atlas-access-list": "cidrBlock",
        "lambda-environment-secrets": "environment.variables.DB_PASSWORD",
        "lambda-reserved-environment-keys": "environment.variables.AWS_REGION",
        "lambda-memory-size-advisory": "memorySize",
        "atlas-database-user-iam": "app-db-user-user.password",
        "lambda-mongodb-uri-options": "environment.variables.MONGODB_URI",
        "atlas-private-endpoint-tier": "scratch.instanceSize",
        "atlas-connection-budget": "app-lambda-function.reservedConcurrentExecutions",
        "ec2-descriptions": "description",
        "iam-role-description": "description",
        "lambda-account-concurrency-advisory": "reservedConcurrentExecutions",
    }
    assert by_policy["lambda-memory-size-advisory"].enforcement == "advisory"
    assert by_policy["atlas-connection-budget"].enforcement == "mandatory"
    assert all(v.urn for v in violations)


def test_the_access_list_opt_in_comes_from_pack_config(plans: dict[str, Plan]) -> None:
    plan = added(plans["dev"], ACCESS_LIST, "office", {"cidrBlock": "203.0.113.0/24"})
    assert [v.policy for v in evaluate(plan)] == ["atlas-access-list"]
    assert evaluate(plan, {"atlas-access-list": {"allowAccessList": True}}) == []


def test_an_unknown_entry_is_noted_not_failed(plans: dict[str, Plan]) -> None:
    plan = added(plans["dev"], ACCESS_LIST, "nat", {"cidrBlock": "(known after deploy)"})
    [violation] = evaluate(plan)
    assert violation.enforcement == "advisory"
    assert violation.message.startswith("can't run during preview: string value at .cidrBlock")


def test_cli_exit_codes(
    plans: dict[str, Plan], capsys: pytest.CaptureFixture[str], tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Exit codes per components/cli.py: 3 violations, 1 bad stack or config."""
    assert run_command(main, ["dev"]) == 0
    assert "0 mandatory and 0 advisory violations" in capsys.readouterr().out
    run = type("Run", (), {"plan": broken(plans["dev"])})
    monkeypatch.setattr("components.offline.run_stack", lambda stack, project_dir: run)
    assert run_command(main, ["dev"]) == 3
    out = capsys.readouterr().out
    assert "mandatory: atlas-access-list [open]: cidrBlock: 0.0.0.0/0" in out
    monkeypatch.undo()
    assert run_command(main, ["nosuchstack"]) == 1
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    assert run_command(main, ["dev", "--config", str(bad)]) == 1


def test_a_no_privatelink_variant_passes_the_pack() -> None:
    """privateEndpoint false with a given VPC and an opted-in access list: every rule holds,
    including EC2's description charset on the NAT egress rule (once an apostrophe)."""
    import json

    from components.offline import run_program
    from components.offline.engine import stack_config
    from components.stack.program import stack_program

    config = {
        **stack_config("dev")[0],
        "atlas-lambda:privateEndpoint": "false",
        "atlas-lambda:vpcId": "vpc-0123456789abcdef0",
        "atlas-lambda:subnetIds": json.dumps(
            ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
        ),
        "atlas-lambda:accessListCidrs": json.dumps(["203.0.113.7/32"]),
        "atlas-lambda:allowAccessList": "true",
    }
    plan = run_program(stack_program, stack="dev", config=config).plan
    [egress] = plan.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
    assert egress.inputs["cidrIpv4"] == "0.0.0.0/0"
    assert evaluate(plan, {"atlas-access-list": {"allowAccessList": True}}) == []
