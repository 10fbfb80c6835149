"""The pack over the real stacks' offline plans, and over a deliberately broken one.

The plans come from running the project's own program under the mock engine
(`components.offline.run_stack`): the properties are the wire-form inputs a real preview
hands the analyzer, unknowns included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.cli import run_command
from components.lambda_function.connection_string import build_lambda_uri
from components.offline import Plan, PlannedResource, run_stack
from policy import pack_config
from policy.offline import evaluate, main
from policy.pack import POLICIES

from .helpers import ACCESS_LIST, CLUSTER, LAMBDA, USER, cluster_props

ROLE = "aws:iam/role:Role"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


STACKS = ("dev", "prod", "peering", "nat", "public")
PUBLIC_PACK_CONFIG = Path(__file__).resolve().parents[2] / "policy" / "config" / "public.json"


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {stack: run_stack(stack).plan for stack in STACKS}


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


def edited_named(plan: Plan, name: str, edit: Callable[[dict[str, Any]], None]) -> Plan:
    """A copy of `plan` whose resources named `name` have had `edit` applied."""
    resources = []
    for resource in plan.resources:
        if resource.name == name and resource.custom:
            inputs = dict(resource.inputs)
            edit(inputs)
            resource = dataclasses.replace(resource, inputs=inputs)
        resources.append(resource)
    return Plan(plan.project, plan.stack, resources, dict(plan.outputs))


def setter(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda inputs: inputs.update(values)


def without(plan: Plan, type_token: str, name: str) -> Plan:
    kept = [r for r in plan.resources if not (r.type == type_token and r.name == name)]
    return Plan(plan.project, plan.stack, kept, dict(plan.outputs))


def with_uri(plan: Plan, uri: str) -> Plan:
    def edit(inputs: dict[str, Any]) -> None:
        variables = {**inputs["environment"]["variables"], "MONGODB_URI": uri}
        inputs["environment"] = {"variables": variables}

    return edited(plan, LAMBDA, edit)


def private_srv(stack: str) -> str:
    return f"mongodb+srv://atlas-lambda-{stack}-pl-0.abcde.mongodb.net"


@pytest.mark.parametrize("stack", ["dev", "prod", "peering", "nat"])
def test_the_example_stacks_pass_the_pack(plans: dict[str, Plan], stack: str) -> None:
    """Every path's own access-list entries (the peered VPC's CIDR, each NAT Elastic IP)
    pass without allowAccessList: the path made them, nobody typed them."""
    assert evaluate(plans[stack]) == []


def test_the_public_stack_passes_only_opted_in_and_warns(plans: dict[str, Plan]) -> None:
    """0.0.0.0/0 is MongoDB's last resort: refused unless the pack's config accepts it
    (policy/config/public.json, what CI hands the pack for this stack), then warned about,
    as is the function that reaches Atlas over the internet."""
    advisories = [
        ("atlas-access-from-anywhere-advisory", "advisory", "app-atlas-anywhere-0"),
        ("lambda-public-path-advisory", "advisory", "app-lambda-function"),
    ]

    def seen(config: dict | None) -> list[tuple[str, str, str]]:
        violations = evaluate(plans["public"], config)
        return sorted((v.policy, v.enforcement, (v.urn or "").split("::")[-1]) for v in violations)

    refused = ("atlas-access-list", "mandatory", "app-atlas-anywhere-0")
    assert seen(None) == sorted([refused, *advisories])
    config, levels = pack_config.load(PUBLIC_PACK_CONFIG, POLICIES)
    assert levels == {}
    assert config["atlas-access-list"] == {
        "allowAccessList": False,
        "allowAccessFromAnywhere": True,
    }
    assert seen(config) == advisories


def test_nat_entries_are_judged_by_value_once_deployed(plans: dict[str, Plan]) -> None:
    """At `pulumi up` the Elastic IPs and the entries are known: each entry must be its own
    Elastic IP /32 (AWS NAT gateway guide: the NAT's public address is its Elastic IP)."""
    plan = plans["nat"]
    for index in (0, 1):
        address = f"198.51.100.{10 + index}"
        plan = edited_named(plan, f"app-network-nat-eip-{index}", setter(publicIp=address))
        plan = edited_named(plan, f"app-atlas-nat-{index}", setter(cidrBlock=f"{address}/32"))
    assert evaluate(plan) == []
    swapped = edited_named(plan, "app-atlas-nat-1", setter(cidrBlock="203.0.113.7/32"))
    [violation] = evaluate(swapped)
    assert violation.policy == "atlas-access-list"
    assert violation.message.startswith("cidrBlock: 203.0.113.7/32 needs an explicit opt-in")


def test_an_entry_typed_into_a_nat_stack_still_needs_the_opt_in(plans: dict[str, Plan]) -> None:
    plan = added(plans["nat"], ACCESS_LIST, "office", {"cidrBlock": "203.0.113.0/24"})
    [violation] = evaluate(plan)
    assert (violation.policy, violation.urn.split("::")[-1]) == ("atlas-access-list", "office")
    assert evaluate(plan, {"atlas-access-list": {"allowAccessList": True}}) == []


VPC = "aws:ec2/vpc:Vpc"
ROUTE = "aws:ec2/route:Route"
CONTAINER = "mongodbatlas:index/networkContainer:NetworkContainer"
WIDE = "192.168.0.0/20"  # routed consistently, but wider than a container may be (/21)


# One mistake another program could make on the peering path, the policy that catches it,
# and the resource it is reported on.
PEERING_MISTAKES: dict[str, tuple[Callable[[Plan], Plan], str, str]] = {
    "vpc-overlaps-container": (
        lambda p: edited(p, VPC, setter(cidrBlock="192.168.0.0/16")),
        "atlas-network-container-cidr", "app-atlas-container",
    ),
    "container-too-wide": (
        lambda p: edited(edited(p, CONTAINER, setter(atlasCidrBlock=WIDE)),
                         ROUTE, setter(destinationCidrBlock=WIDE)),
        "atlas-network-container-cidr", "app-atlas-container",
    ),
    "dns-hostnames-off": (
        lambda p: edited(p, VPC, setter(enableDnsHostnames=False)),
        "atlas-peering-vpc-dns", "app-network-vpc",
    ),
    "route-missing": (
        lambda p: without(p, ROUTE, "app-peering-route-1"),
        "atlas-peering-routes", "app-network-private-rt-1",
    ),
    "access-list-not-the-vpc": (
        lambda p: edited(p, ACCESS_LIST, setter(cidrBlock="10.1.0.0/16")),
        "atlas-access-list", "app-peering-access",
    ),
    "peering-on-m0": (
        lambda p: edited(p, CLUSTER, setter(**cluster_props("M0"))),
        "atlas-private-endpoint-tier", "app-atlas-cluster",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("mistake", "policy", "where"), PEERING_MISTAKES.values(), ids=PEERING_MISTAKES.keys()
)
def test_each_peering_mistake_is_caught_by_its_policy(
    plans: dict[str, Plan], mistake: Callable[[Plan], Plan], policy: str, where: str
) -> None:
    """The peering stack with one mistake another program could make: only that
    mistake's policy speaks, on the resource at fault."""
    violations = evaluate(mistake(plans["peering"]))
    assert [(v.policy, v.enforcement, (v.urn or "").split("::")[-1]) for v in violations] == [
        (policy, "mandatory", where)
    ]


def test_given_vpc_paths_leave_what_they_read_to_up() -> None:
    """A given VPC: the peering's CIDR comes from EC2 (unknown offline), so the access
    list can't be judged until `up`; a NAT's addresses typed in config are typed by hand."""
    import json

    from components.offline import run_program
    from components.offline.engine import stack_config
    from components.stack.program import stack_program

    given = {
        "atlas-lambda:vpcId": "vpc-0123456789abcdef0",
        "atlas-lambda:subnetIds": json.dumps(
            ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
        ),
    }
    peering = run_program(
        stack_program, stack="peering", config={**stack_config("peering")[0], **given}
    ).plan
    [note] = evaluate(peering)
    assert (note.policy, note.enforcement) == ("atlas-access-list", "advisory")
    assert note.message == (
        "can't run during preview: app-peering-access.cidrBlock can't be known during preview"
    )
    typed = {
        **given,
        "atlas-lambda:accessListCidrs": json.dumps(["203.0.113.7/32"]),
        "atlas-lambda:allowAccessList": "true",
    }
    nat = run_program(stack_program, stack="nat", config={**stack_config("nat")[0], **typed}).plan
    assert [v.policy for v in evaluate(nat)] == ["atlas-access-list"]
    assert evaluate(nat, {"atlas-access-list": {"allowAccessList": True}}) == []


def test_offline_plans_with_property_dependencies_pass_them_on(plans: dict[str, Plan]) -> None:
    """A plan that records each property's dependencies (as the engine hands them to a
    stack policy) is judged by them: an entry that only depends on an Elastic IP, its
    cidrBlock typed by hand, is no NAT entry."""

    plan = plans["nat"]
    resources = []
    for resource in plan.resources:
        by_property = {key: () for key in resource.inputs}
        if resource.name.startswith("app-atlas-nat-"):
            eip = next(d for d in resource.dependencies if "/eip:Eip::" in d)
            by_property["cidrBlock"] = (eip,)
            if resource.name.endswith("-1"):  # typed by hand, merely ordered after the EIP
                by_property["cidrBlock"] = ()
                resource = dataclasses.replace(resource, inputs={
                    **resource.inputs, "cidrBlock": "203.0.113.7/32"})  # fmt: skip
        resources.append(dataclasses.replace(resource, property_dependencies=by_property))
    recorded = Plan(plan.project, plan.stack, resources, dict(plan.outputs))
    [violation] = evaluate(recorded)
    assert violation.urn.split("::")[-1] == "app-atlas-nat-1"
    assert violation.message.startswith("cidrBlock: 203.0.113.7/32 needs an explicit opt-in")


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
    # The peering and public-path policies have nothing to judge in the dev stack (their
    # mistakes are the peering plan's, below, and the public stack's).
    expected = {p.name for p in POLICIES} - {
        "lambda-memory-size",
        "atlas-connection-budget-advisory",
        "atlas-network-container-cidr",
        "atlas-peering-vpc-dns",
        "atlas-peering-routes",
        "lambda-public-path-advisory",
    }
    assert set(by_policy) == expected
    keys = {v.policy: v.message.split(":")[0] for v in violations}
    assert keys == {
        "atlas-access-list": "allowAccessFromAnywhere",
        "atlas-access-from-anywhere-advisory": "allowAccessFromAnywhere",
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


def test_every_policy_speaks_on_some_broken_example_plan(plans: dict[str, Plan]) -> None:
    """The broken dev plan, the peering plan's mistakes and the public stack without its
    opt-in, together: no policy of the pack is left without a plan that triggers it (only
    the two that the dev plan's mistakes outrank)."""
    spoken = {v.policy for v in evaluate(broken(plans["dev"]))}
    for mistake, _, _ in PEERING_MISTAKES.values():
        spoken |= {v.policy for v in evaluate(mistake(plans["peering"]))}
    spoken |= {v.policy for v in evaluate(plans["public"])}
    assert spoken == {p.name for p in POLICIES} - {
        "lambda-memory-size",
        "atlas-connection-budget-advisory",
    }


def test_the_access_list_opt_in_comes_from_pack_config(plans: dict[str, Plan]) -> None:
    plan = added(plans["dev"], ACCESS_LIST, "office", {"cidrBlock": "203.0.113.0/24"})
    assert [v.policy for v in evaluate(plan)] == ["atlas-access-list"]
    assert evaluate(plan, {"atlas-access-list": {"allowAccessList": True}}) == []


def test_an_unknown_entry_is_noted_not_failed(plans: dict[str, Plan]) -> None:
    """From no Elastic IP of the stack: pulumi-policy's "can't run during preview" note."""
    plan = added(plans["dev"], ACCESS_LIST, "nat", {"cidrBlock": "(known after deploy)"})
    [violation] = evaluate(plan)
    assert violation.enforcement == "advisory"
    assert violation.message == (
        "can't run during preview: nat.cidrBlock can't be known during preview"
    )


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
    assert "mandatory: atlas-access-list [open]: allowAccessFromAnywhere: " in out
    monkeypatch.undo()
    assert run_command(main, ["nosuchstack"]) == 1
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    assert run_command(main, ["dev", "--config", str(bad)]) == 1
