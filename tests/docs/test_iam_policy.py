"""The deploying identity's least-privilege policy (examples/iam/deployer-policy.json, shown
on docs/iam-permissions.md) against what the program actually registers.

Every AWS resource type the program registers, over every example stack and the variants
that add optional resources (SnapStart's alias, a public Function URL's permissions, a given
VPC's reads), maps to the IAM actions its create, read, update and delete call in the
Terraform AWS provider that pulumi-aws wraps (internal/service/<service>/<resource>.go);
every data source it reads maps to the actions of its Describe calls. The policy must hold
exactly their union: a new resource type or data source without actions here fails, and so
does an action the policy lacks or one nothing needs. Each action is checked against
botocore's service model (an API operation of that name), except permission-only actions.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from botocore.loaders import Loader

from components.offline.engine import stack_config
from tests.infra.conftest import given_vpc_config, run_project
from tests.infra.fake_cloud import FakeCloud, GivenVpc

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "examples" / "iam" / "deployer-policy.json"
STACKS = ("dev", "prod", "peering", "nat", "public")
SUBNETS = ("subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3")
NAT_A, NAT_B = "nat-0aaaaaaaaaaaaaaa1", "nat-0bbbbbbbbbbbbbbb2"
GIVEN_VPC = GivenVpc(
    route_tables={SUBNETS[0]: "rtb-0aaaaaaaaaaaaaaa1", SUBNETS[1]: "rtb-0bbbbbbbbbbbbbbb2"},
    nat_routes={"rtb-0aaaaaaaaaaaaaaa1": NAT_A, "rtb-0bbbbbbbbbbbbbbb2": NAT_B,
                "rtb-0main0000000000000": NAT_A},
    nat_public_ips={NAT_A: "198.51.100.7", NAT_B: "198.51.100.8"},
)  # fmt: skip
# Stack → config overrides that register what the example stacks leave out.
VARIANTS = {
    "dev with SnapStart, a public Function URL and an alarm topic": ("dev", {
        "atlas-lambda:snapStart": "true",
        "atlas-lambda:functionUrlAuthType": "NONE",
        "atlas-lambda:alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
    }),
    "private endpoint in a given VPC": ("dev", given_vpc_config("privateEndpoint")),
    "peering in a given VPC": ("peering", given_vpc_config("peering")),
    "NAT gateways of a given VPC": ("nat", given_vpc_config("natGateway")),
}  # fmt: skip

# Tags: EC2 tags on create through TagSpecifications (ec2:CreateTags authorizes them) and
# CreateTags/DeleteTags on update; the other services have their own tag calls.
EC2_TAGS = ("ec2:CreateTags", "ec2:DeleteTags")
# Security groups and subnets: delete first removes the network interfaces Lambda leaves
# behind (internal/service/ec2/vpc_network_interface.go deleteLingeringENIs).
LINGERING_ENIS = (
    "ec2:DescribeNetworkInterfaces", "ec2:DetachNetworkInterface", "ec2:DeleteNetworkInterface",
)  # fmt: skip

RESOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    # internal/service/cloudwatch/dashboard.go
    "aws:cloudwatch/dashboard:Dashboard": (
        "cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards",
    ),
    # internal/service/logs/group.go: create with tags, retention; read with tags
    "aws:cloudwatch/logGroup:LogGroup": (
        "logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:PutRetentionPolicy",
        "logs:DeleteRetentionPolicy", "logs:ListTagsForResource", "logs:TagResource",
        "logs:UntagResource", "logs:DeleteLogGroup",
    ),
    # internal/service/cloudwatch/metric_alarm.go
    "aws:cloudwatch/metricAlarm:MetricAlarm": (
        "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms",
        "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource",
        "cloudwatch:DeleteAlarms",
    ),
    # internal/service/ec2/vpc_eip.go: read includes the PTR record attribute; delete
    # disassociates first when the address is associated (a NAT gateway's)
    "aws:ec2/eip:Eip": (
        "ec2:AllocateAddress", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute",
        "ec2:DisassociateAddress", "ec2:ReleaseAddress", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_internet_gateway.go
    "aws:ec2/internetGateway:InternetGateway": (
        "ec2:CreateInternetGateway", "ec2:AttachInternetGateway",
        "ec2:DescribeInternetGateways", "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_nat_gateway.go
    "aws:ec2/natGateway:NatGateway": (
        "ec2:CreateNatGateway", "ec2:DescribeNatGateways", "ec2:DeleteNatGateway", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_route.go
    "aws:ec2/route:Route": (
        "ec2:CreateRoute", "ec2:DescribeRouteTables", "ec2:ReplaceRoute", "ec2:DeleteRoute",
    ),
    # internal/service/ec2/vpc_route_table.go: delete disassociates its subnets first
    "aws:ec2/routeTable:RouteTable": (
        "ec2:CreateRouteTable", "ec2:DescribeRouteTables", "ec2:DisassociateRouteTable",
        "ec2:DeleteRouteTable", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_route_table_association.go
    "aws:ec2/routeTableAssociation:RouteTableAssociation": (
        "ec2:AssociateRouteTable", "ec2:DescribeRouteTables",
        "ec2:ReplaceRouteTableAssociation", "ec2:DisassociateRouteTable",
    ),
    # internal/service/ec2/vpc_security_group.go: create revokes the default egress rule
    # (the rules are separate resources); delete removes lingering Lambda ENIs
    "aws:ec2/securityGroup:SecurityGroup": (
        "ec2:CreateSecurityGroup", "ec2:DescribeSecurityGroups",
        "ec2:RevokeSecurityGroupEgress", "ec2:DeleteSecurityGroup", *EC2_TAGS,
        *LINGERING_ENIS,
    ),
    # internal/service/ec2/vpc_subnet.go: attributes (mapPublicIpOnLaunch) on update
    "aws:ec2/subnet:Subnet": (
        "ec2:CreateSubnet", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute",
        "ec2:DeleteSubnet", *EC2_TAGS, *LINGERING_ENIS,
    ),
    # internal/service/ec2/vpc_.go: DNS attributes; read names the main route table,
    # default network ACL and default security group
    "aws:ec2/vpc:Vpc": (
        "ec2:CreateVpc", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute",
        "ec2:ModifyVpcAttribute", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls",
        "ec2:DescribeSecurityGroups", "ec2:DeleteVpc", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_endpoint.go (interface endpoint, private DNS off)
    "aws:ec2/vpcEndpoint:VpcEndpoint": (
        "ec2:CreateVpcEndpoint", "ec2:DescribeVpcEndpoints", "ec2:ModifyVpcEndpoint",
        "ec2:DeleteVpcEndpoints", *EC2_TAGS,
    ),
    # internal/service/ec2/vpc_peering_connection_accepter.go (delete only forgets it)
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": (
        "ec2:AcceptVpcPeeringConnection", "ec2:DescribeVpcPeeringConnections",
        "ec2:ModifyVpcPeeringConnectionOptions", *EC2_TAGS,
    ),
    # internal/service/iam/role.go: read lists inline and attached policies; delete
    # removes the role from instance profiles first
    "aws:iam/role:Role": (
        "iam:CreateRole", "iam:GetRole", "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies", "iam:UpdateRole", "iam:UpdateRoleDescription",
        "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
        "iam:ListInstanceProfilesForRole", "iam:DeleteRole",
    ),
    # internal/service/iam/role_policy_attachment.go
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": (
        "iam:AttachRolePolicy", "iam:ListAttachedRolePolicies", "iam:DetachRolePolicy",
    ),
    # internal/service/lambda/alias.go
    "aws:lambda/alias:Alias": (
        "lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias",
    ),
    # internal/service/lambda/function.go: passes the execution role; a VPC config and
    # layers need their reads by the caller (Lambda developer guide, "Giving Lambda
    # functions access to resources in an Amazon VPC", "Adding layers to functions");
    # reserved concurrency and published versions (SnapStart) have calls of their own
    "aws:lambda/function:Function": (
        "lambda:CreateFunction", "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig",
        "lambda:ListVersionsByFunction", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
        "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
        "lambda:ListTags", "lambda:TagResource", "lambda:UntagResource",
        "lambda:DeleteFunction", "lambda:GetLayerVersion", "iam:PassRole",
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    ),
    # internal/service/lambda/function_url.go
    "aws:lambda/functionUrl:FunctionUrl": (
        "lambda:CreateFunctionUrlConfig", "lambda:GetFunctionUrlConfig",
        "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig",
    ),
    # internal/service/lambda/layer_version.go
    "aws:lambda/layerVersion:LayerVersion": (
        "lambda:PublishLayerVersion", "lambda:GetLayerVersion", "lambda:DeleteLayerVersion",
    ),
    # internal/service/lambda/permission.go
    "aws:lambda/permission:Permission": (
        "lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission",
    ),
    # internal/service/ec2/vpc_security_group_egress_rule.go (ingress: the same file family)
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": (
        "ec2:AuthorizeSecurityGroupEgress", "ec2:DescribeSecurityGroupRules",
        "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupEgress", *EC2_TAGS,
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "ec2:AuthorizeSecurityGroupIngress", "ec2:DescribeSecurityGroupRules",
        "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupIngress", *EC2_TAGS,
    ),
}  # fmt: skip

INVOKE_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": ("ec2:DescribeAvailabilityZones",),
    # STS GetCallerIdentity needs no permission (AWS STS API reference).
    "aws:index/getCallerIdentity:getCallerIdentity": (),
    "aws:ec2/getVpcEndpointService:getVpcEndpointService": (
        "ec2:DescribeVpcEndpointServices",
    ),
    "aws:ec2/getSubnet:getSubnet": ("ec2:DescribeSubnets",),
    # internal/service/ec2/vpc_data_source.go: DNS attributes and the main route table
    "aws:ec2/getVpc:getVpc": (
        "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:DescribeRouteTables",
    ),
    "aws:ec2/getRouteTables:getRouteTables": ("ec2:DescribeRouteTables",),
    "aws:ec2/getRouteTable:getRouteTable": ("ec2:DescribeRouteTables",),
    "aws:ec2/getNatGateway:getNatGateway": ("ec2:DescribeNatGateways",),
}
# Actions that authorize something other than an API operation of the same name.
PERMISSION_ONLY = {"iam:PassRole"}
# IAM service prefix → botocore service name.
SERVICES = {"ec2": "ec2", "lambda": "lambda", "iam": "iam", "logs": "logs",
            "cloudwatch": "cloudwatch"}  # fmt: skip


@cache
def registered() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """AWS resource types and data sources → the runs that registered or read them."""
    types: dict[str, set[str]] = {}
    invokes: dict[str, set[str]] = {}
    runs = {stack: (stack, {}) for stack in STACKS} | VARIANTS
    for label, (stack, overrides) in runs.items():
        config = {**stack_config(stack)[0], **overrides}
        cloud = FakeCloud(
            region=config.get("aws:region", "us-east-1"),
            subnet_zones={SUBNETS[0]: f"{config.get('aws:region', 'us-east-1')}b",
                          SUBNETS[1]: f"{config.get('aws:region', 'us-east-1')}c",
                          SUBNETS[2]: f"{config.get('aws:region', 'us-east-1')}d"},
            vpcs=[GIVEN_VPC],
        )  # fmt: skip
        plan = run_project(config, mocks=cloud, stack=stack).plan
        for resource in plan.resources:
            if resource.custom and resource.type.startswith("aws:"):
                types.setdefault(resource.type, set()).add(label)
        for kind, token in cloud.events:
            if kind == "invoke" and token.startswith("aws:"):
                invokes.setdefault(token, set()).add(label)
    return types, invokes


def policy_statements() -> list[dict]:
    document = json.loads(POLICY.read_text(encoding="utf-8"))
    assert document["Version"] == "2012-10-17"
    return document["Statement"]


def policy_actions() -> set[str]:
    actions: set[str] = set()
    for statement in policy_statements():
        assert statement["Effect"] == "Allow"
        listed = statement["Action"]
        actions.update([listed] if isinstance(listed, str) else listed)
    return actions


def test_every_registered_resource_type_has_its_actions() -> None:
    types, _ = registered()
    missing = sorted(set(types) - set(RESOURCE_ACTIONS))
    assert not missing, (
        f"resource types without IAM actions: {missing}: add the actions the Terraform AWS "
        f"provider's create/read/update/delete call to RESOURCE_ACTIONS, and to {POLICY.name}"
    )


def test_every_data_source_read_has_its_actions() -> None:
    _, invokes = registered()
    missing = sorted(set(invokes) - set(INVOKE_ACTIONS))
    assert not missing, f"data sources without IAM actions: {missing} (INVOKE_ACTIONS)"


def test_the_variants_register_every_mapped_type() -> None:
    """No stale entry: every mapped type and data source is registered by some run."""
    types, invokes = registered()
    assert set(RESOURCE_ACTIONS) == set(types), set(RESOURCE_ACTIONS) ^ set(types)
    assert set(INVOKE_ACTIONS) == set(invokes), set(INVOKE_ACTIONS) ^ set(invokes)


def test_the_policy_holds_exactly_the_needed_actions() -> None:
    types, invokes = registered()
    needed = {a for t in types for a in RESOURCE_ACTIONS.get(t, ())}
    needed |= {a for t in invokes for a in INVOKE_ACTIONS.get(t, ())}
    granted = policy_actions()
    assert not needed - granted, f"{POLICY.name} lacks {sorted(needed - granted)}"
    extra = sorted(granted - needed)
    assert not extra, f"{POLICY.name} grants what nothing needs: {extra}"


@cache
def operations(service: str) -> set[str]:
    return set(Loader().load_service_model(service, "service-2")["operations"])


@pytest.mark.parametrize("action", sorted({a for v in RESOURCE_ACTIONS.values() for a in v}
                                          | {a for v in INVOKE_ACTIONS.values() for a in v}))
def test_each_action_is_an_api_operation(action: str) -> None:
    prefix, name = action.split(":")
    if action in PERMISSION_ONLY:
        return
    assert name in operations(SERVICES[prefix]), f"{action}: no {name} in botocore's {prefix}"


def test_no_wildcard_actions_and_pass_role_only_to_lambda() -> None:
    for statement in policy_statements():
        listed = statement["Action"]
        for action in [listed] if isinstance(listed, str) else listed:
            assert "*" not in action, action
        if "iam:PassRole" in listed:
            assert listed == ["iam:PassRole"], "PassRole gets a statement of its own"
            assert statement["Condition"] == {
                "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}
            }
