"""What EC2 and Lambda refuse at deploy, caught before it: descriptions, public Function
URL grants, the endpoint's availability zones, reserved concurrency beyond the account."""

from __future__ import annotations

import json

import pytest

from components.errors import ConfigError
from components.guardrails import rules
from components.offline import Plan
from components.offline.engine import stack_config
from components.private_endpoint.zones import endpoint_subnets, zones_for_subnets

from .conftest import run_project
from .fake_cloud import FakeCloud

SG = "aws:ec2/securityGroup:SecurityGroup"
RULE_TYPES = (
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
)
ROLE = "aws:iam/role:Role"
FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
VPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"
SUBNET = "aws:ec2/subnet:Subnet"

GIVEN_VPC = "vpc-0123456789abcdef0"
GIVEN_SUBNETS = {  # subnet → its zone, as EC2 would answer getSubnet
    "subnet-0aaaaaaaaaaaaaaa1": "us-east-1a",
    "subnet-0bbbbbbbbbbbbbbb2": "us-east-1b",
    "subnet-0ccccccccccccccc3": "us-east-1c",
}
BYO = {
    "atlas-lambda:vpcId": GIVEN_VPC,
    "atlas-lambda:subnetIds": json.dumps(list(GIVEN_SUBNETS)),
}
NO_PRIVATELINK = {
    **BYO,
    "atlas-lambda:networkPath": "natGateway",
    "atlas-lambda:accessListCidrs": json.dumps(["203.0.113.7/32"]),
    "atlas-lambda:allowAccessList": "true",
}
VARIANTS: dict[str, tuple[str, dict[str, str]]] = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "no-privatelink": ("dev", NO_PRIVATELINK),
    "bring-your-own-vpc": ("dev", BYO),
    "function-url-none": ("dev", {"atlas-lambda:functionUrlAuthType": "NONE"}),
}


def deployed(stack: str, overrides: dict[str, str], **cloud: object) -> tuple[Plan, FakeCloud]:
    config = {**stack_config(stack)[0], **overrides}
    fake = FakeCloud(region=config["aws:region"], subnet_zones=GIVEN_SUBNETS, **cloud)  # type: ignore[arg-type]
    return run_project(config, mocks=fake, stack=stack).plan, fake


def descriptions(plan: Plan) -> tuple[list[str], list[str]]:
    """(EC2 descriptions, IAM role descriptions) the plan hands AWS."""
    ec2, iam = [], []
    for resource in plan.resources:
        if resource.type == SG or resource.type in RULE_TYPES:
            ec2.append(resource.inputs["description"])
            for direction in ("ingress", "egress"):
                ec2 += [rule["description"] for rule in resource.inputs.get(direction, [])]
        elif resource.type == ROLE:
            iam.append(resource.inputs["description"])
    return ec2, iam


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("preview", [False, True], ids=["up", "offline-preview"])
def test_every_description_is_one_ec2_and_iam_accept(variant: str, preview: bool) -> None:
    """EC2 API reference (CreateSecurityGroup GroupDescription; IpRange / SecurityGroupRule
    Description) and IAM API reference (CreateRole Description), via the shared rules."""
    stack, overrides = VARIANTS[variant]
    if preview:
        config = {**stack_config(stack)[0], **overrides}
        plan = run_project(config, stack=stack, preview=True).plan
    else:
        plan, _ = deployed(stack, overrides)
    ec2, iam = descriptions(plan)
    assert len(ec2) >= 2 and len(iam) == 1  # the function's group and its egress at least
    findings = [f for text in ec2 for f in rules.ec2_description(text)]
    findings += [f for text in iam for f in rules.iam_description(text)]
    assert findings == []


def test_the_description_rule_refuses_what_ec2_refuses() -> None:
    """Same source as above; the apostrophe is the one the no-PrivateLink path used to send."""
    [finding] = rules.ec2_description("through the VPC's NAT", key="egress")
    assert finding.key == "egress" and finding.severity == "error"
    assert '"\'"' in finding.message and "._-:/()#,@[]+=&;{}!$*" in (finding.allowed or "")
    assert rules.ec2_description("x" * 256)[0].message == "256 characters is over EC2's 255"
    assert rules.ec2_description("aZ09 ._-:/()#,@[]+=&;{}!$*" + "x" * 229) == []
    assert rules.iam_description("the function's role") == []
    assert rules.iam_description("\u2014")[0].rule == "iam-description"


def test_function_url_none_grants_both_actions_to_everyone() -> None:
    """AWS Lambda docs, "Control access to Lambda function URLs" (urls-auth.html): since
    October 2025 a URL needs lambda:InvokeFunctionUrl and lambda:InvokeFunction, or it
    answers 403. pulumi_aws.lambda_.Permission: `function_url_auth_type` is valid only with
    InvokeFunctionUrl, `invoked_via_function_url` only with InvokeFunction (AddPermission
    InvokedViaFunctionUrl, API change of 2025-10-10)."""
    plan, _ = deployed("dev", {"atlas-lambda:functionUrlAuthType": "NONE"})
    grants = {resource.name: resource.inputs for resource in plan.by_type(PERMISSION)}
    assert grants == {
        "app-lambda-url-public": {
            "action": "lambda:InvokeFunctionUrl",
            "function": "atlas-lambda-dev",
            "functionUrlAuthType": "NONE",
            "principal": "*",
            "statementId": "AtlasLambdaPublicUrl",
        },
        "app-lambda-url-public-invoke": {
            "action": "lambda:InvokeFunction",
            "function": "atlas-lambda-dev",
            "invokedViaFunctionUrl": True,
            "principal": "*",
            "statementId": "AtlasLambdaPublicUrlInvoke",
        },
    }


def test_function_url_aws_iam_grants_nothing_public() -> None:
    plan, _ = deployed("dev", {})
    assert plan.one("aws:lambda/functionUrl:FunctionUrl").inputs["authorizationType"] == "AWS_IAM"
    assert plan.by_type(PERMISSION) == []


def subnet_zone(plan: Plan, fake: FakeCloud, name: str) -> tuple[str, str]:
    subnet = fake.ids[(SUBNET, name)]
    return subnet, fake.subnet_zones[subnet]


def test_created_subnets_go_where_the_service_is_and_the_endpoint_only_there() -> None:
    """EC2 API reference, DescribeVpcEndpointServices: zones are names in the caller's view,
    narrowed to the shared ones; compared here with the subnet's zone name in one account."""
    plan, fake = deployed("dev", {}, service_zones="d")  # serves one zone of six
    zones = dict(subnet_zone(plan, fake, f"app-network-private-{i}") for i in range(2))
    assert sorted(zones.values()) == ["us-east-1a", "us-east-1d"]  # served first, then fill
    served = [subnet for subnet, zone in zones.items() if zone == "us-east-1d"]
    assert plan.one(VPCE).inputs["subnetIds"] == served
    assert sorted(plan.one(FUNCTION).inputs["vpcConfig"]["subnetIds"]) == sorted(zones)


def test_given_subnets_are_filtered_by_their_zone() -> None:
    plan, _ = deployed("dev", BYO, service_zones="bcd")
    served = ["subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"]  # us-east-1b and 1c
    assert plan.one(VPCE).inputs["subnetIds"] == served
    assert plan.one(FUNCTION).inputs["vpcConfig"]["subnetIds"] == list(GIVEN_SUBNETS)
    assert plan.by_type(SUBNET) == []


def test_no_overlap_fails_naming_subnets_and_both_zone_lists() -> None:
    with pytest.raises(Exception) as raised:
        deployed("dev", BYO, service_zones="ef")
    error = raised.value
    while not isinstance(error, ConfigError) and error.__cause__ is not None:
        error = error.__cause__
    assert isinstance(error, ConfigError), raised.value
    message = str(error)
    assert message.startswith("subnetIds: no subnet is in an availability zone")
    assert "subnet-0aaaaaaaaaaaaaaa1 in us-east-1a" in message
    assert "it serves us-east-1e, us-east-1f" in message


def test_zone_choice_and_filter_as_plain_functions() -> None:
    region = ["z-a", "z-b", "z-c", "z-d"]
    assert zones_for_subnets(region, ["z-c", "z-d"], 3) == ["z-c", "z-d", "z-a"]
    assert zones_for_subnets(region, None, 2) == ["z-a", "z-b"]
    # EC2 takes one subnet per zone for an interface endpoint: the first of each is kept.
    subnets = {"s1": "z-b", "s2": "z-b", "s3": "z-a", "s4": "z-c"}
    assert endpoint_subnets(subnets, ["z-b", "z-c"]) == ["s1", "s4"]
    with pytest.raises(ConfigError, match=r"s3 in z-a.*it serves z-d \(allowed: at least one"):
        endpoint_subnets({"s3": "z-a"}, ["z-d"], "svc")


def test_reserved_concurrency_beyond_a_default_account_is_flagged() -> None:
    """Lambda quotas page (gettingstarted-limits.html): 1,000 concurrent executions by
    default; Lambda keeps 100 unreserved (configuration-concurrency.html)."""
    assert rules.account_concurrency(900) == [] and rules.account_concurrency(None) == []
    [finding] = rules.account_concurrency(901)
    assert finding.severity == "advisory" and finding.key == "reservedConcurrency"
    assert finding.allowed == "1-900 on a default account"
    # prod is sharded M30: 950 fits the connection budget, but not a default account.
    plan, _ = deployed("prod", {"atlas-lambda:reservedConcurrency": "950"})
    [warning] = [w for w in plan.warnings if w.startswith("reservedConcurrency: 950")]
    assert "raise the Lambda quota 'Concurrent executions'" in warning
    dev, _ = deployed("dev", {})
    assert not [w for w in dev.warnings if "default account" in w]


def test_private_endpoint_on_its_own_in_one_step() -> None:
    """A user's program hands vpc_id and subnet_ids at construction, as before."""
    from components import PrivateEndpoint
    from components.offline import run_program

    def program() -> dict[str, object]:
        endpoint = PrivateEndpoint(
            "pl",
            {
                "project_id": "65a1b2c3d4e5f60718293a4b",
                "cluster_name": "analytics",
                "aws_region": "us-east-1",
                "vpc_id": GIVEN_VPC,
                "subnet_ids": list(GIVEN_SUBNETS),
            },
        )
        return {"zones": endpoint.service_zones, "vpce": endpoint.vpc_endpoint_id}

    fake = FakeCloud(subnet_zones=GIVEN_SUBNETS, service_zones="ab")
    plan = run_program(program, stack="user", mocks=fake, preview=False).plan
    assert plan.outputs["zones"] == ["us-east-1a", "us-east-1b"]
    assert plan.one(VPCE).inputs["subnetIds"] == list(GIVEN_SUBNETS)[:2]
    with pytest.raises(ConfigError, match="vpc_id and subnet_ids go together"):
        run_program(
            lambda: PrivateEndpoint("pl", {"project_id": "65a1b2c3d4e5f60718293a4b",
                                           "cluster_name": "c", "aws_region": "us-east-1",
                                           "vpc_id": GIVEN_VPC}),
            mocks=FakeCloud(), preview=False,
        )  # fmt: skip
