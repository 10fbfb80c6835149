"""From a registered resource's Pulumi inputs to the API requests its provider sends.

Pulumi's aws and mongodbatlas packages bridge the Terraform providers, so a resource's
inputs become the provider's schema values, and the provider's create function builds the
request from them. Each mapping below names that function (and the expand/flatten helper
that shapes a nested member), read from the providers' sources:

- AWS: github.com/hashicorp/terraform-provider-aws `internal/service/<service>/<file>.go`
  (read at the commits the search index holds, e.g. lambda/function.go @ 0156d84e6bb4);
- Atlas: github.com/mongodb/terraform-provider-mongodbatlas `internal/service/...`
  @ 468253dbf681 (v2.16.0-17), the commit the pinned spec was cut from.

A mapping lists the inputs it reads; an input no mapping reads fails the test (a new input
must be mapped before it counts as checked). Optional members the provider fills with its
own constant defaults (PackageType Zip, Path /, InvokeMode BUFFERED, ...) are left out:
they are the provider's, not the program's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .aws_models import OPAQUE

# Pulumi autonames a resource given no name `<resource name>-<7 random hex>` (tfbridge
# AutoName; DESIGN.md): the longest such suffix, so a name is checked at its full length.
AUTONAME_SUFFIX = "-" + "f" * 7

AWS_TF = "hashicorp/terraform-provider-aws"
ATLAS_TF = "mongodb/terraform-provider-mongodbatlas"


@dataclass(frozen=True)
class ApiRequest:
    """One request a provider sends for a resource."""

    api: str
    """`botocore:<service>` or `atlas`."""
    operation: str
    body: Any
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Atlas path parameters (the project id, ...)."""


@dataclass(frozen=True)
class Mapping_:
    type: str
    provider: str
    """The provider source file and function(s) that build the request."""
    inputs: frozenset[str]
    build: Callable[[Mapping[str, Any], str], list[ApiRequest]]
    autoname: str | None = None
    """The input Pulumi autonames when it is absent (its request member is then checked at
    the autoname's length)."""


MAPPINGS: dict[str, Mapping_] = {}


def mapping(
    type_: str, provider: str, inputs: Sequence[str], autoname: str | None = None
) -> Callable[[Callable[[Mapping[str, Any], str], list[ApiRequest]]], Any]:
    def register(build: Callable[[Mapping[str, Any], str], list[ApiRequest]]) -> Any:
        MAPPINGS[type_] = Mapping_(type_, provider, frozenset(inputs), build, autoname)
        return build

    return register


def autonamed(inputs: Mapping[str, Any], key: str, name: str) -> Any:
    """The input, or the name Pulumi generates when it is absent."""
    value = inputs.get(key)
    return value if value is not None else name + AUTONAME_SUFFIX


def _present(**members: Any) -> dict[str, Any]:
    """Members that are set (the providers leave unset optionals out of the request)."""
    return {key: value for key, value in members.items() if value is not None}


def _tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    """`getTagsIn` for services whose tags are a list of {Key, Value} (IAM, CloudWatch, EC2)."""
    if not isinstance(tags, Mapping) or not tags:
        return None
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _tag_specifications(resource_type: str, tags: Any) -> list[dict[str, Any]] | None:
    """EC2 `getTagSpecificationsIn(ctx, <resource type>)`: tags on create."""
    listed = _tag_list(tags)
    return None if listed is None else [{"ResourceType": resource_type, "Tags": listed}]


def _lambda(operation: str, body: dict[str, Any]) -> ApiRequest:
    return ApiRequest("botocore:lambda", operation, body)


def _ec2(operation: str, body: dict[str, Any]) -> ApiRequest:
    return ApiRequest("botocore:ec2", operation, body)


# --- Lambda ---------------------------------------------------------------------------------


@mapping(
    "aws:lambda/function:Function",
    f"{AWS_TF} internal/service/lambda/function.go: resourceFunctionCreate builds "
    "lambda.CreateFunctionInput (VpcConfig from vpc_config via flex.ExpandStringValueSet, "
    "Environment via flex.ExpandStringValueMap, expandLoggingConfig, expandSnapStart, "
    "getTagsIn), then PutFunctionConcurrency for reserved_concurrent_executions >= 0",
    ["architectures", "code", "environment", "handler", "layers", "loggingConfig",
     "memorySize", "name", "publish", "reservedConcurrentExecutions", "role", "runtime",
     "snapStart", "tags", "timeout", "vpcConfig"],
)  # fmt: skip
def _function(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    vpc = inputs.get("vpcConfig")
    logging = inputs.get("loggingConfig")
    snap = inputs.get("snapStart")
    variables = (inputs.get("environment") or {}).get("variables")
    create = _present(
        FunctionName=autonamed(inputs, "name", name),
        Role=inputs.get("role"),
        Runtime=inputs.get("runtime"),
        Handler=inputs.get("handler"),
        Code={"ZipFile": b""},  # the archive; packaging enforces Lambda's size limits
        MemorySize=inputs.get("memorySize"),
        Timeout=inputs.get("timeout"),
        Publish=inputs.get("publish"),
        Architectures=inputs.get("architectures"),
        Layers=inputs.get("layers"),
        Environment=None if variables is None else {"Variables": variables},
        VpcConfig=None
        if vpc is None
        else _present(SubnetIds=vpc.get("subnetIds"), SecurityGroupIds=vpc.get("securityGroupIds")),
        LoggingConfig=None
        if logging is None
        else _present(LogFormat=logging.get("logFormat"), LogGroup=logging.get("logGroup")),
        SnapStart=None if snap is None else _present(ApplyOn=snap.get("applyOn")),
        Tags=inputs.get("tags") or None,
    )
    requests = [_lambda("CreateFunction", create)]
    reserved = inputs.get("reservedConcurrentExecutions")
    if isinstance(reserved, int) and reserved >= 0:
        requests.append(
            _lambda(
                "PutFunctionConcurrency",
                {"FunctionName": create["FunctionName"], "ReservedConcurrentExecutions": reserved},
            )
        )
    return requests


@mapping(
    "aws:lambda/permission:Permission",
    f"{AWS_TF} internal/service/lambda/permission.go: resourcePermissionCreate builds "
    "lambda.AddPermissionInput (statement_id through create.Name)",
    ["action", "function", "principal", "statementId", "qualifier", "functionUrlAuthType",
     "invokedViaFunctionUrl", "sourceArn", "sourceAccount"],
)  # fmt: skip
def _permission(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _lambda(
            "AddPermission",
            _present(
                Action=inputs.get("action"),
                FunctionName=inputs.get("function"),
                Principal=inputs.get("principal"),
                StatementId=inputs.get("statementId"),
                Qualifier=inputs.get("qualifier"),
                FunctionUrlAuthType=inputs.get("functionUrlAuthType"),
                InvokedViaFunctionUrl=inputs.get("invokedViaFunctionUrl"),
                SourceArn=inputs.get("sourceArn"),
                SourceAccount=inputs.get("sourceAccount"),
            ),
        )
    ]


@mapping(
    "aws:lambda/alias:Alias",
    f"{AWS_TF} internal/service/lambda/alias.go: resourceAliasCreate builds "
    "lambda.CreateAliasInput (RoutingConfig: expandAliasRoutingConfiguration)",
    ["functionName", "functionVersion", "name", "description"],
)
def _alias(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _lambda(
            "CreateAlias",
            _present(
                FunctionName=inputs.get("functionName"),
                FunctionVersion=inputs.get("functionVersion"),
                Name=autonamed(inputs, "name", name),
                Description=inputs.get("description"),
            ),
        )
    ]


@mapping(
    "aws:lambda/functionUrl:FunctionUrl",
    f"{AWS_TF} internal/service/lambda/function_url.go: resourceFunctionURLCreate builds "
    "lambda.CreateFunctionUrlConfigInput (Cors: expandCors)",
    ["authorizationType", "functionName", "qualifier", "invokeMode"],
)
def _function_url(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _lambda(
            "CreateFunctionUrlConfig",
            _present(
                AuthType=inputs.get("authorizationType"),
                FunctionName=inputs.get("functionName"),
                Qualifier=inputs.get("qualifier"),
                InvokeMode=inputs.get("invokeMode"),
            ),
        )
    ]


@mapping(
    "aws:lambda/layerVersion:LayerVersion",
    f"{AWS_TF} internal/service/lambda/layer_version.go: resourceLayerVersionPublish builds "
    "lambda.PublishLayerVersionInput (compatible_* via flex.ExpandStringyValueSet)",
    ["layerName", "code", "description", "compatibleRuntimes", "compatibleArchitectures",
     "licenseInfo"],
)  # fmt: skip
def _layer(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _lambda(
            "PublishLayerVersion",
            _present(
                LayerName=inputs.get("layerName"),
                Content={"ZipFile": b""},
                Description=inputs.get("description"),
                CompatibleRuntimes=inputs.get("compatibleRuntimes"),
                CompatibleArchitectures=inputs.get("compatibleArchitectures"),
                LicenseInfo=inputs.get("licenseInfo"),
            ),
        )
    ]


# --- IAM ------------------------------------------------------------------------------------


@mapping(
    "aws:iam/role:Role",
    f"{AWS_TF} internal/service/iam/role.go: resourceRoleCreate builds iam.CreateRoleInput "
    "(RoleName: create.Name(name, name_prefix); Tags: getTagsIn)",
    ["name", "assumeRolePolicy", "description", "path", "maxSessionDuration", "tags"],
    autoname="name",
)
def _role(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        ApiRequest(
            "botocore:iam",
            "CreateRole",
            _present(
                RoleName=autonamed(inputs, "name", name),
                AssumeRolePolicyDocument=inputs.get("assumeRolePolicy"),
                Description=inputs.get("description"),
                Path=inputs.get("path"),
                MaxSessionDuration=inputs.get("maxSessionDuration"),
                Tags=_tag_list(inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    f"{AWS_TF} internal/service/iam/role_policy_attachment.go: "
    "resourceRolePolicyAttachmentCreate -> attachPolicyToRole (iam.AttachRolePolicyInput)",
    ["role", "policyArn"],
)
def _attachment(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        ApiRequest(
            "botocore:iam",
            "AttachRolePolicy",
            {"RoleName": inputs.get("role"), "PolicyArn": inputs.get("policyArn")},
        )
    ]


# --- EC2 ------------------------------------------------------------------------------------


@mapping(
    "aws:ec2/vpc:Vpc",
    f"{AWS_TF} internal/service/ec2/vpc_.go: resourceVPCCreate builds ec2.CreateVpcInput "
    "(TagSpecifications: getTagSpecificationsIn(ctx, awstypes.ResourceTypeVpc)), then "
    "modifyVPCDNSSupport / modifyVPCDNSHostnames (ec2.ModifyVpcAttributeInput, one attribute "
    "per call)",
    ["cidrBlock", "enableDnsHostnames", "enableDnsSupport", "instanceTenancy", "tags"],
)
def _vpc(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    requests = [
        _ec2(
            "CreateVpc",
            _present(
                CidrBlock=inputs.get("cidrBlock"),
                InstanceTenancy=inputs.get("instanceTenancy"),
                TagSpecifications=_tag_specifications("vpc", inputs.get("tags")),
            ),
        )
    ]
    vpc_id = "vpc-" + "0" * 17
    for key, member in (("enableDnsSupport", "EnableDnsSupport"),
                        ("enableDnsHostnames", "EnableDnsHostnames")):  # fmt: skip
        if key in inputs:
            requests.append(
                _ec2("ModifyVpcAttribute", {"VpcId": vpc_id, member: {"Value": inputs[key]}})
            )
    return requests


@mapping(
    "aws:ec2/subnet:Subnet",
    f"{AWS_TF} internal/service/ec2/vpc_subnet.go: resourceSubnetCreate builds "
    "ec2.CreateSubnetInput (TagSpecifications: getTagSpecificationsIn(ctx, "
    "awstypes.ResourceTypeSubnet)); map_public_ip_on_launch only when true "
    "(modifySubnetMapPublicIPOnLaunch)",
    ["availabilityZone", "cidrBlock", "vpcId", "mapPublicIpOnLaunch", "tags"],
)
def _subnet(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateSubnet",
            _present(
                AvailabilityZone=inputs.get("availabilityZone"),
                CidrBlock=inputs.get("cidrBlock"),
                VpcId=inputs.get("vpcId"),
                TagSpecifications=_tag_specifications("subnet", inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:ec2/routeTable:RouteTable",
    f"{AWS_TF} internal/service/ec2/vpc_route_table.go: resourceRouteTableCreate builds "
    "ec2.CreateRouteTableInput (getTagSpecificationsIn(ctx, awstypes.ResourceTypeRouteTable))",
    ["vpcId", "tags"],
)
def _route_table(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateRouteTable",
            _present(
                VpcId=inputs.get("vpcId"),
                TagSpecifications=_tag_specifications("route-table", inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    f"{AWS_TF} internal/service/ec2/vpc_route_table_association.go: "
    "resourceRouteTableAssociationCreate builds ec2.AssociateRouteTableInput",
    ["routeTableId", "subnetId", "gatewayId"],
)
def _association(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "AssociateRouteTable",
            _present(
                RouteTableId=inputs.get("routeTableId"),
                SubnetId=inputs.get("subnetId"),
                GatewayId=inputs.get("gatewayId"),
            ),
        )
    ]


@mapping(
    "aws:ec2/route:Route",
    f"{AWS_TF} internal/service/ec2/vpc_route.go: resourceRouteCreate builds "
    "ec2.CreateRouteInput (one destination, one target)",
    ["routeTableId", "destinationCidrBlock", "gatewayId", "natGatewayId",
     "vpcPeeringConnectionId"],
)  # fmt: skip
def _route(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateRoute",
            _present(
                RouteTableId=inputs.get("routeTableId"),
                DestinationCidrBlock=inputs.get("destinationCidrBlock"),
                GatewayId=inputs.get("gatewayId"),
                NatGatewayId=inputs.get("natGatewayId"),
                VpcPeeringConnectionId=inputs.get("vpcPeeringConnectionId"),
            ),
        )
    ]


@mapping(
    "aws:ec2/securityGroup:SecurityGroup",
    f"{AWS_TF} internal/service/ec2/vpc_security_group.go: resourceSecurityGroupCreate "
    "builds ec2.CreateSecurityGroupInput (GroupName: create.Name(name, name_prefix); "
    "getTagSpecificationsIn(ctx, awstypes.ResourceTypeSecurityGroup))",
    ["name", "description", "vpcId", "tags"],
    autoname="name",
)
def _security_group(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateSecurityGroup",
            _present(
                GroupName=autonamed(inputs, "name", name),
                Description=inputs.get("description"),
                VpcId=inputs.get("vpcId"),
                TagSpecifications=_tag_specifications("security-group", inputs.get("tags")),
            ),
        )
    ]


RULE_INPUTS = ["securityGroupId", "ipProtocol", "fromPort", "toPort", "cidrIpv4",
               "referencedSecurityGroupId", "description", "tags"]  # fmt: skip


def _rule(operation: str) -> Callable[[Mapping[str, Any], str], list[ApiRequest]]:
    def build(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
        description = inputs.get("description")
        permission = _present(
            IpProtocol=inputs.get("ipProtocol"),
            FromPort=inputs.get("fromPort"),
            ToPort=inputs.get("toPort"),
        )
        if inputs.get("cidrIpv4") is not None:
            permission["IpRanges"] = [_present(CidrIp=inputs["cidrIpv4"], Description=description)]
        if inputs.get("referencedSecurityGroupId") is not None:
            permission["UserIdGroupPairs"] = [
                _present(GroupId=inputs["referencedSecurityGroupId"], Description=description)
            ]
        return [
            _ec2(
                operation,
                _present(
                    GroupId=inputs.get("securityGroupId"),
                    IpPermissions=[permission],
                    TagSpecifications=_tag_specifications(
                        "security-group-rule", inputs.get("tags")
                    ),
                ),
            )
        ]

    return build


mapping(
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    f"{AWS_TF} internal/service/ec2/vpc_security_group_egress_rule.go: create -> "
    "ec2.AuthorizeSecurityGroupEgressInput with IpPermissions "
    "[securityGroupRuleResourceModel.expandIPPermission] (vpc_security_group_ingress_rule.go)",
    RULE_INPUTS,
)(_rule("AuthorizeSecurityGroupEgress"))
mapping(
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    f"{AWS_TF} internal/service/ec2/vpc_security_group_ingress_rule.go: create -> "
    "ec2.AuthorizeSecurityGroupIngressInput with IpPermissions "
    "[securityGroupRuleResourceModel.expandIPPermission]",
    RULE_INPUTS,
)(_rule("AuthorizeSecurityGroupIngress"))


@mapping(
    "aws:ec2/vpcEndpoint:VpcEndpoint",
    f"{AWS_TF} internal/service/ec2/vpc_endpoint.go: resourceVPCEndpointCreate builds "
    "ec2.CreateVpcEndpointInput (subnet and security group sets via "
    "flex.ExpandStringValueSet; getTagSpecificationsIn(ctx, awstypes.ResourceTypeVpcEndpoint))",
    ["vpcId", "serviceName", "vpcEndpointType", "subnetIds", "securityGroupIds",
     "privateDnsEnabled", "tags"],
)  # fmt: skip
def _vpc_endpoint(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateVpcEndpoint",
            _present(
                VpcId=inputs.get("vpcId"),
                ServiceName=inputs.get("serviceName"),
                VpcEndpointType=inputs.get("vpcEndpointType"),
                SubnetIds=inputs.get("subnetIds"),
                SecurityGroupIds=inputs.get("securityGroupIds"),
                PrivateDnsEnabled=inputs.get("privateDnsEnabled"),
                TagSpecifications=_tag_specifications("vpc-endpoint", inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:ec2/eip:Eip",
    f"{AWS_TF} internal/service/ec2/ec2_eip.go: resourceEIPCreate builds "
    "ec2.AllocateAddressInput (getTagSpecificationsIn(ctx, awstypes.ResourceTypeElasticIp))",
    ["domain", "tags"],
)
def _eip(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "AllocateAddress",
            _present(
                Domain=inputs.get("domain"),
                TagSpecifications=_tag_specifications("elastic-ip", inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:ec2/natGateway:NatGateway",
    f"{AWS_TF} internal/service/ec2/vpc_nat_gateway.go: resourceNATGatewayCreate builds "
    "ec2.CreateNatGatewayInput (getTagSpecificationsIn(ctx, awstypes.ResourceTypeNatgateway))",
    ["allocationId", "subnetId", "connectivityType", "tags"],
)
def _nat(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateNatGateway",
            _present(
                AllocationId=inputs.get("allocationId"),
                SubnetId=inputs.get("subnetId"),
                ConnectivityType=inputs.get("connectivityType"),
                TagSpecifications=_tag_specifications("natgateway", inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:ec2/internetGateway:InternetGateway",
    f"{AWS_TF} internal/service/ec2/vpc_internet_gateway.go: resourceInternetGatewayCreate "
    "builds ec2.CreateInternetGatewayInput (getTagSpecificationsIn(ctx, "
    "awstypes.ResourceTypeInternetGateway)), then attachInternetGateway "
    "(ec2.AttachInternetGatewayInput)",
    ["vpcId", "tags"],
)
def _internet_gateway(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _ec2(
            "CreateInternetGateway",
            _present(TagSpecifications=_tag_specifications("internet-gateway", inputs.get("tags"))),
        ),
        _ec2(
            "AttachInternetGateway",
            {"InternetGatewayId": "igw-" + "0" * 17, "VpcId": inputs.get("vpcId")},
        ),
    ]


@mapping(
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    f"{AWS_TF} internal/service/ec2/vpc_peering_connection_accepter.go: "
    "resourceVPCPeeringAccepterCreate -> acceptVPCPeeringConnection "
    "(ec2.AcceptVpcPeeringConnectionInput), then createTags (ec2.CreateTagsInput)",
    ["vpcPeeringConnectionId", "autoAccept", "tags"],
)
def _accepter(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    connection = inputs.get("vpcPeeringConnectionId")
    requests = [_ec2("AcceptVpcPeeringConnection", {"VpcPeeringConnectionId": connection})]
    tags = _tag_list(inputs.get("tags"))
    if tags:
        requests.append(_ec2("CreateTags", {"Resources": [connection], "Tags": tags}))
    return requests


# --- CloudWatch and CloudWatch Logs -----------------------------------------------------------


@mapping(
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    f"{AWS_TF} internal/service/cloudwatch/metric_alarm.go: expandPutMetricAlarmInput "
    "(Dimensions: expandMetricAlarmDimensions; actions via flex.ExpandStringValueSet; "
    "Tags: getTagsIn)",
    ["name", "alarmDescription", "namespace", "metricName", "dimensions", "statistic",
     "period", "evaluationPeriods", "comparisonOperator", "threshold", "treatMissingData",
     "alarmActions", "okActions", "actionsEnabled", "tags"],
    autoname="name",
)  # fmt: skip
def _alarm(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    dimensions = inputs.get("dimensions")
    return [
        ApiRequest(
            "botocore:cloudwatch",
            "PutMetricAlarm",
            _present(
                AlarmName=autonamed(inputs, "name", name),
                AlarmDescription=inputs.get("alarmDescription"),
                Namespace=inputs.get("namespace"),
                MetricName=inputs.get("metricName"),
                Dimensions=None
                if not isinstance(dimensions, Mapping)
                else [{"Name": k, "Value": v} for k, v in dimensions.items()],
                Statistic=inputs.get("statistic"),
                Period=inputs.get("period"),
                EvaluationPeriods=inputs.get("evaluationPeriods"),
                ComparisonOperator=inputs.get("comparisonOperator"),
                Threshold=inputs.get("threshold"),
                TreatMissingData=inputs.get("treatMissingData"),
                AlarmActions=inputs.get("alarmActions") or None,
                OKActions=inputs.get("okActions") or None,
                ActionsEnabled=inputs.get("actionsEnabled"),
                Tags=_tag_list(inputs.get("tags")),
            ),
        )
    ]


@mapping(
    "aws:cloudwatch/dashboard:Dashboard",
    f"{AWS_TF} internal/service/cloudwatch/dashboard.go: resourceDashboardPut builds "
    "cloudwatch.PutDashboardInput",
    ["dashboardName", "dashboardBody"],
)
def _dashboard(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        ApiRequest(
            "botocore:cloudwatch",
            "PutDashboard",
            {"DashboardName": inputs.get("dashboardName"),
             "DashboardBody": inputs.get("dashboardBody")},
        )
    ]  # fmt: skip


@mapping(
    "aws:cloudwatch/logGroup:LogGroup",
    f"{AWS_TF} internal/service/logs/group.go: resourceGroupCreate builds "
    "cloudwatchlogs.CreateLogGroupInput (logGroupName: create.Name(name, name_prefix); "
    "Tags: getTagsIn), then PutRetentionPolicy for retention_in_days > 0",
    ["name", "retentionInDays", "kmsKeyId", "logGroupClass", "tags"],
    autoname="name",
)
def _log_group(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    group = autonamed(inputs, "name", name)
    requests = [
        ApiRequest(
            "botocore:logs",
            "CreateLogGroup",
            _present(
                logGroupName=group,
                kmsKeyId=inputs.get("kmsKeyId"),
                logGroupClass=inputs.get("logGroupClass"),
                tags=inputs.get("tags") or None,
            ),
        )
    ]
    if inputs.get("retentionInDays"):
        requests.append(
            ApiRequest(
                "botocore:logs",
                "PutRetentionPolicy",
                {"logGroupName": group, "retentionInDays": inputs["retentionInDays"]},
            )
        )
    return requests


# --- MongoDB Atlas --------------------------------------------------------------------------


def _atlas(operation: str, body: Any, project_id: Any = None, **parameters: Any) -> ApiRequest:
    params = dict(parameters)
    if project_id is not None:
        params["groupId"] = project_id
    return ApiRequest("atlas", operation, body, params)


def _resource_tags(tags: Any) -> list[dict[str, str]] | None:
    """conversion.NewResourceTags / advancedcluster newResourceTag: map -> [{key, value}]."""
    if not isinstance(tags, Mapping) or not tags:
        return None
    return [{"key": key, "value": value} for key, value in tags.items()]


@mapping(
    "mongodbatlas:index/project:Project",
    f"{ATLAS_TF} internal/service/project/resource_project.go: Create builds admin.Group "
    "(Tags: conversion.NewResourceTags) for CreateGroup",
    ["name", "orgId", "tags"],
)
def _project(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _atlas(
            "createGroup",
            _present(
                name=inputs.get("name"),
                orgId=inputs.get("orgId"),
                tags=_resource_tags(inputs.get("tags")),
            ),
        )
    ]


def _region_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """newRegionConfig / newHardwareSpec / newAdvancedAutoScalingSettings
    (newAdvancedComputeAutoScaling, newDiskGBAutoScaling)."""
    electable = config.get("electableSpecs")
    scaling = config.get("autoScaling")
    return _present(
        providerName=config.get("providerName"),
        backingProviderName=config.get("backingProviderName"),
        regionName=config.get("regionName"),
        priority=config.get("priority"),
        electableSpecs=None
        if electable is None
        else _present(
            instanceSize=electable.get("instanceSize"), nodeCount=electable.get("nodeCount")
        ),
        autoScaling=None
        if scaling is None
        else {
            "compute": _present(
                enabled=scaling.get("computeEnabled"),
                scaleDownEnabled=scaling.get("computeScaleDownEnabled"),
                maxInstanceSize=scaling.get("computeMaxInstanceSize"),
                minInstanceSize=scaling.get("computeMinInstanceSize"),
            ),
            "diskGB": _present(enabled=scaling.get("diskGbEnabled")),
        },
    )


@mapping(
    "mongodbatlas:index/advancedCluster:AdvancedCluster",
    f"{ATLAS_TF} internal/service/advancedcluster/model_to_ClusterDescription20240805.go: "
    "newAtlasReq (newReplicationSpec, newRegionConfig, newHardwareSpec, "
    "newAdvancedAutoScalingSettings, newResourceTag) for CreateCluster; resource.go Create "
    "sends a FLEX region config as newFlexCreateReq (model_flex.go) to CreateFlexCluster",
    ["backupEnabled", "clusterType", "mongoDbMajorVersion", "name", "projectId",
     "replicationSpecs", "tags", "terminationProtectionEnabled", "useEffectiveFields"],
)  # fmt: skip
def _cluster(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    specs = inputs.get("replicationSpecs") or []
    configs = [
        [_region_config(config) for config in spec.get("regionConfigs") or []] for spec in specs
    ]
    project = inputs.get("projectId")
    if configs and configs[0] and configs[0][0].get("providerName") == "FLEX":
        flex = configs[0][0]
        return [
            _atlas(
                "createGroupFlexCluster",
                _present(
                    name=inputs.get("name"),
                    providerSettings=_present(
                        backingProviderName=flex.get("backingProviderName"),
                        regionName=flex.get("regionName"),
                    ),
                    terminationProtectionEnabled=inputs.get("terminationProtectionEnabled"),
                    tags=_resource_tags(inputs.get("tags")),
                ),
                project,
            )
        ]
    return [
        _atlas(
            "createGroupCluster",
            _present(
                name=inputs.get("name"),
                clusterType=inputs.get("clusterType"),
                mongoDBMajorVersion=inputs.get("mongoDbMajorVersion"),
                backupEnabled=inputs.get("backupEnabled"),
                terminationProtectionEnabled=inputs.get("terminationProtectionEnabled"),
                replicationSpecs=[
                    {"regionConfigs": regions, "zoneName": "ZoneName managed by Terraform"}
                    for regions in configs
                ],
                tags=_resource_tags(inputs.get("tags")),
            ),
            project,
        )
    ]


@mapping(
    "mongodbatlas:index/databaseUser:DatabaseUser",
    f"{ATLAS_TF} internal/service/databaseuser/model_database_user.go: "
    "NewMongoDBDatabaseUser (NewMongoDBAtlasRoles, NewMongoDBAtlasScopes) for "
    "CreateDatabaseUser",
    ["authDatabaseName", "awsIamType", "projectId", "roles", "scopes", "username"],
)
def _database_user(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    project = inputs.get("projectId")
    return [
        _atlas(
            "createGroupDatabaseUser",
            _present(
                groupId=project,
                username=inputs.get("username"),
                awsIAMType=inputs.get("awsIamType"),
                databaseName=inputs.get("authDatabaseName"),
                roles=[
                    _present(roleName=r.get("roleName"), databaseName=r.get("databaseName"))
                    for r in inputs.get("roles") or []
                ],
                scopes=[
                    _present(name=s.get("name"), type=s.get("type"))
                    for s in inputs.get("scopes") or []
                ],
            ),
            project,
        )
    ]


@mapping(
    "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList",
    f"{ATLAS_TF} internal/service/projectipaccesslist/model_project_ip_access_list.go: "
    "NewMongoDBProjectIPAccessList (one NetworkPermissionEntry) for "
    "CreateAccessListEntry",
    ["projectId", "cidrBlock", "awsSecurityGroup", "ipAddress", "comment"],
)
def _access_entry(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _atlas(
            "createGroupAccessListEntry",
            [
                _present(
                    cidrBlock=inputs.get("cidrBlock"),
                    awsSecurityGroup=inputs.get("awsSecurityGroup"),
                    ipAddress=inputs.get("ipAddress"),
                    comment=inputs.get("comment"),
                )
            ],
            inputs.get("projectId"),
        )
    ]


@mapping(
    "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint",
    f"{ATLAS_TF} internal/service/privatelinkendpoint/resource.go: resourceCreate builds "
    "admin.CloudProviderEndpointServiceRequest for CreatePrivateEndpointService",
    ["projectId", "providerName", "region"],
)
def _private_link(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _atlas(
            "createGroupPrivateEndpointEndpointService",
            _present(providerName=inputs.get("providerName"), region=inputs.get("region")),
            inputs.get("projectId"),
        )
    ]


@mapping(
    "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService",
    f"{ATLAS_TF} internal/service/privatelinkendpointservice/resource.go: resourceCreate "
    "builds admin.CreateEndpointRequest (AWS: Id = endpoint_service_id) for "
    "CreatePrivateEndpoint",
    ["projectId", "privateLinkId", "endpointServiceId", "providerName"],
)
def _private_link_service(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    return [
        _atlas(
            "createGroupPrivateEndpointEndpointServiceEndpoint",
            _present(id=inputs.get("endpointServiceId")),
            inputs.get("projectId"),
            endpointServiceId=inputs.get("privateLinkId"),
        )
    ]


@mapping(
    "mongodbatlas:index/networkContainer:NetworkContainer",
    f"{ATLAS_TF} internal/service/networkcontainer/resource_network_container.go: "
    "resourceCreate builds admin.CloudProviderContainer (RegionName through "
    "conversion.ValRegion) for CreateContainer",
    ["projectId", "atlasCidrBlock", "providerName", "regionName"],
)
def _container(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    region = inputs.get("regionName")
    return [
        _atlas(
            "createGroupContainer",
            _present(
                atlasCidrBlock=inputs.get("atlasCidrBlock"),
                providerName=inputs.get("providerName"),
                regionName=region.replace("-", "_") if isinstance(region, str) else region,
            ),
            inputs.get("projectId"),
        )
    ]


@mapping(
    "mongodbatlas:index/networkPeering:NetworkPeering",
    f"{ATLAS_TF} internal/service/networkpeering/resource.go: resourceCreate builds "
    "admin.BaseNetworkPeeringConnectionSettings (accepter region through "
    'conversion.ValRegion(..., "network_peering"): lower case, hyphens) for '
    "CreatePeeringConnection",
    ["projectId", "containerId", "providerName", "accepterRegionName", "awsAccountId",
     "vpcId", "routeTableCidrBlock"],
)  # fmt: skip
def _peering(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    region = inputs.get("accepterRegionName")
    return [
        _atlas(
            "createGroupPeer",
            _present(
                containerId=inputs.get("containerId"),
                providerName=inputs.get("providerName"),
                accepterRegionName=region.lower().replace("_", "-")
                if isinstance(region, str)
                else region,
                awsAccountId=inputs.get("awsAccountId"),
                vpcId=inputs.get("vpcId"),
                routeTableCidrBlock=inputs.get("routeTableCidrBlock"),
            ),
            inputs.get("projectId"),
        )
    ]


@mapping(
    "mongodbatlas:index/alertConfiguration:AlertConfiguration",
    f"{ATLAS_TF} internal/service/alertconfiguration/resource.go: Create builds "
    "admin.GroupAlertsConfig (model.go: NewMetricThreshold, NewNotificationList) for "
    "CreateAlertConfig",
    ["projectId", "eventType", "enabled", "metricThresholdConfig", "notifications"],
)
def _alert(inputs: Mapping[str, Any], name: str) -> list[ApiRequest]:
    threshold = inputs.get("metricThresholdConfig")
    notifications = []
    for item in inputs.get("notifications") or []:
        notifications.append(
            _present(
                typeName=item.get("typeName"),
                roles=item.get("roles") or None,
                emailEnabled=item.get("emailEnabled"),
                smsEnabled=item.get("smsEnabled"),
                emailAddress=item.get("emailAddress"),
                intervalMin=item.get("intervalMin"),
                delayMin=item.get("delayMin"),
            )
        )
    return [
        _atlas(
            "createGroupAlertConfig",
            _present(
                eventTypeName=inputs.get("eventType"),
                enabled=inputs.get("enabled"),
                metricThreshold=None
                if threshold is None
                else _present(
                    metricName=threshold.get("metricName"),
                    operator=threshold.get("operator"),
                    threshold=threshold.get("threshold"),
                    units=threshold.get("units"),
                    mode=threshold.get("mode"),
                ),
                notifications=notifications,
            ),
            inputs.get("projectId"),
        )
    ]


def unknown_inputs(type_: str, inputs: Mapping[str, Any]) -> list[str]:
    """Inputs the type's mapping does not read (so nothing checks them)."""
    return sorted(set(inputs) - MAPPINGS[type_].inputs)


def is_opaque(value: Any) -> bool:
    return isinstance(value, str) and value in OPAQUE
