"""AtlasLambda, the whole pattern as one component, and the guardrails inside the building
blocks when a program composes them by hand."""

from __future__ import annotations

import typing

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas
import pytest

from components import AtlasLambda, ConfigError, MongoLambda, types
from components.args_check import _hints
from components.cluster.component import MONGODB_MAJOR_VERSIONS
from components.component_package import provider
from components.database_user.component import DATABASE_ROLES
from components.guardrails import lambda_limits, rules, tiers
from components.locations import CONFIG_SCHEMA_FILE
from components.names import camel_case, snake_case
from components.offline import run_program, run_stack
from components.pattern.args import AtlasLambdaArgs
from components.stack.schema import declared_keys

from .fake_cloud import FakeCloud

ORG_ID = "5f0000000000000000000001"
# Args that exist only on the component (a program has no `aws:region` config of its own to
# lean on in other languages, and these extension points are not stack config).
COMPONENT_ONLY = {
    "aws_region", "source_dir", "secret_environment", "role_arn", "role_policy_arns",
    "security_group_ids",
}  # fmt: skip
# The dev stack (Pulumi.dev.yaml) written as a program would write it.
DEV_AS_ARGS: AtlasLambdaArgs = {
    "org_id": ORG_ID,
    "aws_region": "us-east-1",
    "tier": "M10",
    "reserved_concurrency": 50,
    "function_url": True,
}
LAMBDA_BY_HAND = {
    "function_name": "orders-api",
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "mongodb_srv": "mongodb+srv://orders-pl-0.abcde.mongodb.net",
    "database_name": "orders",
    "code": pulumi.AssetArchive({}),
}


def _build(component: type, args: dict) -> None:
    """A program declaring one component (run_program wants a mapping or None back)."""
    component("app", args)


def _config_keys() -> set[str]:
    return set(declared_keys(CONFIG_SCHEMA_FILE))


def test_args_are_the_stack_config_keys_in_snake_case() -> None:
    args = set(_hints(AtlasLambdaArgs))
    assert args - COMPONENT_ONLY == {snake_case(key) for key in _config_keys()}
    assert all(camel_case(snake_case(key)) == key for key in _config_keys())


def test_the_component_package_takes_the_config_keys_themselves() -> None:
    import json

    schema = json.loads(provider().schema)
    inputs = set(schema["resources"]["atlas-lambda:index:AtlasLambda"]["inputProperties"])
    assert inputs == _config_keys() | {camel_case(name) for name in COMPONENT_ONLY}


def test_literal_types_list_what_the_rules_accept() -> None:
    """The Literal types type checkers see are the tuples the guardrails validate against."""
    assert typing.get_args(types.Tier) == tiers.ALL_TIERS
    assert typing.get_args(types.ClusterType) == rules.CLUSTER_TYPES
    assert typing.get_args(types.MongoDBMajorVersion) == MONGODB_MAJOR_VERSIONS
    assert typing.get_args(types.Runtime) == lambda_limits.PYTHON_RUNTIMES
    assert typing.get_args(types.Architecture) == lambda_limits.ARCHITECTURES
    assert typing.get_args(types.FunctionUrlAuthType) == lambda_limits.FUNCTION_URL_AUTH_TYPES
    assert typing.get_args(types.DatabaseRole) == DATABASE_ROLES


def _resources(plan) -> list[tuple[str, str, str]]:
    import json

    return sorted(
        (r.type, r.name, json.dumps(r.inputs, sort_keys=True, default=str)) for r in plan.resources
    )


def test_a_program_gets_the_stack_resources_from_the_component() -> None:
    """The dev stack's config, written as AtlasLambda's args in a program: the same resources
    with the same inputs as `scripts/dev preview dev`."""
    stack = run_stack("dev").plan
    program = run_program(lambda: AtlasLambda("app", DEV_AS_ARGS).stack_outputs(), stack="dev")
    program = program.plan
    assert _resources(program) == _resources(stack)
    assert program.outputs.keys() == stack.outputs.keys()


def test_the_component_refuses_what_the_stack_refuses_with_nothing_registered() -> None:
    registered: list[str] = []

    def program() -> None:
        AtlasLambda("app", {**DEV_AS_ARGS, "reserved_concurrency": 900})
        registered.append("constructed")

    safe = r"reservedConcurrency: .*the largest safe value is 745"
    with pytest.raises(ConfigError, match=safe) as caught:
        run_program(program, stack="dev")
    assert caught.value.allowed == "1-745"
    assert registered == []


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"tier": "M0"}, "networkPath"),
        ({"aws_region": "cn-north-1"}, "aws:region"),
        ({"function_name": "a b"}, "functionName"),
        ({"access_list_cidrs": ["0.0.0.0/0"], "allow_access_list": True}, "accessListCidrs"),
        ({"tags": {"aws:owner": "x"}}, "tags.aws:owner"),
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "environment.AWS_REGION"),
        ({"tier": "M5"}, "tier"),
        ({"reserved_concurency": 5}, "reserved_concurency"),
    ],
    ids=["m0-privatelink", "region", "function-name", "anywhere", "tag", "reserved-env",
         "tier", "typo"],
)  # fmt: skip
def test_each_refusal_names_the_key(overrides: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: _build(AtlasLambda, {**DEV_AS_ARGS, **overrides}), stack="dev")
    assert caught.value.key.removeprefix("atlas-lambda:") == key, str(caught.value)


# --- the building blocks enforce the cross-resource rules that concern them -------------


def test_mongolambda_given_the_tier_refuses_an_over_budget_concurrency() -> None:
    args = {**LAMBDA_BY_HAND, "database_security_group_id": "sg-0a1b2c3d4e5f60718",
            "cluster_tier": "M10", "reserved_concurrency": 900}  # fmt: skip
    with pytest.raises(ConfigError, match="the largest safe value is 745"):
        run_program(lambda: _build(MongoLambda, args))


def test_mongolambda_without_the_tier_says_the_budget_is_unchecked() -> None:
    args = {**LAMBDA_BY_HAND, "database_security_group_id": "sg-0a1b2c3d4e5f60718",
            "reserved_concurrency": 900}  # fmt: skip
    run = run_program(lambda: _build(MongoLambda, args))
    assert "connection-budget-unchecked" in {a["rule"] for a in run.plan.advisories}


def test_mongolambda_with_no_path_to_its_cluster_names_the_missing_piece() -> None:
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: _build(MongoLambda, dict(LAMBDA_BY_HAND)))
    assert caught.value.key == "cluster_access_list"
    assert "database_security_group_id" in str(caught.value)
    # Through the cluster's access list (a NAT address), it is a path.
    run = run_program(
        lambda: _build(MongoLambda, {**LAMBDA_BY_HAND, "cluster_access_list": ["203.0.113.7/32"]})
    )
    assert run.plan.one("aws:lambda/function:Function")


def test_mongolambda_checks_a_sharded_string_again_at_deploy() -> None:
    """Budgeted as load-balanced at preview (M30, 2,000 environments x 1 connection per mongos
    fit, 2,000 of 2,990); Atlas answers with a legacy string: 2 per mongos (4,000) do not,
    and the deploy stops."""
    legacy = "mongodb+srv://orders-pl-0.abcde.mongodb.net"
    args = {**LAMBDA_BY_HAND, "database_security_group_id": "sg-0a1b2c3d4e5f60718",
            "cluster_tier": "M30", "sharded": True, "shard_optimized": True,
            "reserved_concurrency": 2000}  # fmt: skip

    def program() -> None:
        MongoLambda("api", {**args, "mongodb_srv": pulumi.Output.from_input(legacy)})

    with pytest.raises(ConfigError, match="no shard-optimized private string"):
        run_program(program, mocks=FakeCloud())


# --- extension points ------------------------------------------------------------------

# Every AWS and Atlas resource type the pattern declares, with its SDK args class: a type
# whose args have `tags` must carry the tags (pulumi_aws/pulumi_mongodbatlas *Args classes).
ARGS_CLASSES = {
    "aws:iam/role:Role": aws.iam.RoleArgs,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": aws.iam.RolePolicyAttachmentArgs,
    "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroupArgs,
    "aws:cloudwatch/metricAlarm:MetricAlarm": aws.cloudwatch.MetricAlarmArgs,
    "aws:cloudwatch/dashboard:Dashboard": aws.cloudwatch.DashboardArgs,
    "aws:ec2/securityGroup:SecurityGroup": aws.ec2.SecurityGroupArgs,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        aws.vpc.SecurityGroupEgressRuleArgs
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        aws.vpc.SecurityGroupIngressRuleArgs
    ),
    "aws:ec2/vpc:Vpc": aws.ec2.VpcArgs,
    "aws:ec2/subnet:Subnet": aws.ec2.SubnetArgs,
    "aws:ec2/vpcEndpoint:VpcEndpoint": aws.ec2.VpcEndpointArgs,
    "aws:lambda/function:Function": aws.lambda_.FunctionArgs,
    "aws:lambda/layerVersion:LayerVersion": aws.lambda_.LayerVersionArgs,
    "aws:lambda/functionUrl:FunctionUrl": aws.lambda_.FunctionUrlArgs,
    "mongodbatlas:index/project:Project": atlas.ProjectArgs,
    "mongodbatlas:index/advancedCluster:AdvancedCluster": atlas.AdvancedClusterArgs,
    "mongodbatlas:index/alertConfiguration:AlertConfiguration": atlas.AlertConfigurationArgs,
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint": atlas.PrivateLinkEndpointArgs,
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService": (
        atlas.PrivateLinkEndpointServiceArgs
    ),
    "mongodbatlas:index/databaseUser:DatabaseUser": atlas.DatabaseUserArgs,
}  # fmt: skip


def test_tags_reach_every_taggable_resource_with_the_stack_named() -> None:
    run = run_program(
        lambda: _build(AtlasLambda, {**DEV_AS_ARGS, "tags": {"team": "payments"}}), stack="dev"
    )
    custom = [r for r in run.plan.resources if r.custom]
    assert {r.type for r in custom} <= set(ARGS_CLASSES), "a new resource type: classify it"
    taggable = [r for r in custom if hasattr(ARGS_CLASSES[r.type], "tags")]
    assert len(taggable) >= 12
    for resource in taggable:
        tags = resource.inputs.get("tags") or {}
        assert tags.get("team") == "payments", resource.name
        assert tags.get("pulumi:stack") == "dev", resource.name
        assert tags.get("pulumi:project") == "atlas-lambda", resource.name


def test_extra_role_policies_and_security_groups() -> None:
    policy = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    run = run_program(
        lambda: _build(AtlasLambda, {**DEV_AS_ARGS, "role_policy_arns": [policy],
                                    "security_group_ids": ["sg-0a1b2c3d4e5f60718"]}),
        stack="dev",
    )  # fmt: skip
    attached = {r.inputs["policyArn"] for r in run.plan.by_type(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment")}  # fmt: skip
    assert policy in attached and len(attached) == 2
    groups = run.plan.one("aws:lambda/function:Function").inputs["vpcConfig"]["securityGroupIds"]
    assert groups[-1] == "sg-0a1b2c3d4e5f60718" and len(groups) == 2


def policy_arn() -> str:
    return "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"


def test_an_existing_role_is_used_and_left_alone() -> None:
    role = "arn:aws:iam::123456789012:role/platform/orders-api"
    run = run_program(
        lambda: _build(AtlasLambda, {**DEV_AS_ARGS, "role_arn": role}),
        stack="dev",
        mocks=FakeCloud(),
    )
    assert not run.plan.by_type("aws:iam/role:Role")
    assert not run.plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert run.plan.one("aws:lambda/function:Function").inputs["role"] == role
    assert run.plan.one("mongodbatlas:index/databaseUser:DatabaseUser").inputs["username"] == role
    with pytest.raises(ConfigError, match="role_policy_arns"):
        both = {**DEV_AS_ARGS, "role_arn": role, "role_policy_arns": [policy_arn()]}
        run_program(lambda: _build(AtlasLambda, both), stack="dev")


def test_the_stack_keeps_resources_deployed_before_the_pattern() -> None:
    """`pulumi up` of an older stack: the five components then sat at the top level under
    their bare names; each direct child of the pattern gets an alias to that name (its own
    children inherit it, Pulumi deriving theirs from the name prefix), so nothing is
    replaced. Nothing else is aliased."""
    from components.stack.program import LEGACY_NAMES, alias_legacy_names

    aliased: dict[str, list] = {}

    def spy(args: pulumi.ResourceTransformationArgs):
        result = alias_legacy_names(args)
        if result is not None:
            aliased[args.name] = result.opts.aliases
        return result

    run_program(
        lambda: _build_with(spy),
        stack="dev",
    )
    assert set(aliased) == {f"app-{name}" for name in LEGACY_NAMES}
    for name, aliases in aliased.items():
        (alias,) = aliases
        assert alias.name == name.removeprefix("app-")
        assert alias.parent is pulumi.ROOT_STACK_RESOURCE


def _build_with(transformation) -> None:
    AtlasLambda("app", DEV_AS_ARGS, opts=pulumi.ResourceOptions(transformations=[transformation]))
