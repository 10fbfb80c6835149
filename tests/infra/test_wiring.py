"""The wiring between components, checked on what the program hands the providers."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

from components.offline import PlannedResource

ROLE = "aws:iam/role:Role"
FUNCTION = "aws:lambda/function:Function"
USER = "mongodbatlas:index/databaseUser:DatabaseUser"
ATLAS_ENDPOINT = "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint"
VPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"
LINK = "mongodbatlas:index/privateLinkEndpointService:PrivateLinkEndpointService"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"


def named(resources: list[PlannedResource], name: str) -> PlannedResource:
    return next(resource for resource in resources if resource.name == name)


def test_database_user_is_the_function_role(deploy):
    run, cloud = deploy("dev")
    role = run.plan.one(ROLE)
    user = run.plan.one(USER).inputs
    assert user["username"] == cloud.role_arn(role.name)
    assert user["awsIamType"] == "ROLE"
    assert user["authDatabaseName"] == "$external"
    assert user["roles"] == [{"databaseName": "app", "roleName": "readWrite"}]
    assert user["scopes"] == [{"name": "atlas-lambda-dev", "type": "CLUSTER"}]
    assert run.plan.one(FUNCTION).inputs["role"] == user["username"]


def test_vpc_endpoint_connects_to_the_atlas_endpoint_service(deploy):
    run, cloud = deploy("dev")
    atlas_endpoint = run.plan.one(ATLAS_ENDPOINT)
    vpce = run.plan.one(VPCE).inputs
    assert vpce["serviceName"] == cloud.endpoint_service_name(atlas_endpoint.name)
    assert atlas_endpoint.inputs == {
        "projectId": run.plan.outputs["projectId"],
        "providerName": "AWS",
        "region": "US_EAST_1",
    }
    assert vpce["vpcEndpointType"] == "Interface"
    assert vpce["privateDnsEnabled"] is False
    assert vpce["subnetIds"] == [cloud.ids[("aws:ec2/subnet:Subnet", f"app-network-private-{i}")]
                                 for i in range(2)]  # fmt: skip


def test_link_uses_the_vpc_endpoint_id(deploy):
    run, cloud = deploy("dev")
    vpce = run.plan.one(VPCE)
    link = run.plan.one(LINK).inputs
    atlas_endpoint = run.plan.one(ATLAS_ENDPOINT)
    assert link["endpointServiceId"] == cloud.ids[(VPCE, vpce.name)]
    assert link["privateLinkId"] == f"pl-{cloud.ids[(ATLAS_ENDPOINT, atlas_endpoint.name)]}"
    assert link["providerName"] == "AWS"


def test_private_srv_is_read_after_the_link_and_is_ours(deploy):
    run, cloud = deploy("dev")
    events = cloud.events
    link_created = events.index(("create", f"{LINK}::app-privatelink-link"))
    read = events.index(("invoke", "mongodbatlas:index/getAdvancedCluster:getAdvancedCluster"))
    assert link_created < read
    vpce_id = cloud.ids[(VPCE, "app-privatelink-vpce")]
    expected = cloud.private_srv_for(vpce_id, "atlas-lambda-dev")
    assert run.plan.outputs["privateSrvConnectionString"] == expected


def lambda_env(run) -> dict[str, str]:
    return run.plan.one(FUNCTION).inputs["environment"]["variables"]


def test_lambda_environment_is_exactly_uri_and_sts_setting(deploy):
    run, cloud = deploy("dev")
    env = lambda_env(run)
    srv = cloud.private_srv_for(cloud.ids[(VPCE, "app-privatelink-vpce")], "atlas-lambda-dev")
    assert env == {
        "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        "MONGODB_URI": srv + "/app?authMechanism=MONGODB-AWS&authSource=%24external"
        "&retryWrites=true&w=majority&maxIdleTimeMS=60000&appName=atlas-lambda-dev",
    }


def test_srv_max_hosts_only_on_a_sharded_legacy_string(deploy):
    """The sharded cases (optimized, fallback, opt-in) are in test_sharded_connection.py."""
    dev, _ = deploy("dev")
    prod, _ = deploy("prod", shard_optimized=False)
    dev_options = parse_qs(urlsplit(lambda_env(dev)["MONGODB_URI"]).query)
    prod_options = parse_qs(urlsplit(lambda_env(prod)["MONGODB_URI"]).query)
    assert "srvMaxHosts" not in dev_options
    assert prod_options["srvMaxHosts"] == ["3"]
    assert prod.plan.one(CLUSTER).inputs["clusterType"] == "SHARDED"


def test_no_password_or_secret_in_any_input(deploy):
    for stack in ("dev", "prod"):
        run, _ = deploy(stack)
        text = json.dumps([resource.inputs for resource in run.plan.resources]).lower()
        assert "password" not in text
        assert "secret" not in text
        uri = urlsplit(lambda_env(run)["MONGODB_URI"])
        assert uri.username is None and uri.password is None
        assert not any(key.startswith("AWS_ACCESS") for key in lambda_env(run))


def test_security_groups_admit_only_the_function(deploy):
    run, cloud = deploy("dev")
    endpoint_sg = cloud.ids[(SG, "app-privatelink-sg")]
    function_sg = cloud.ids[(SG, "app-lambda-sg")]
    for group in run.plan.by_type(SG):
        assert "ingress" not in group.inputs and "egress" not in group.inputs
    [ingress] = [r.inputs for r in run.plan.by_type(INGRESS)]
    [egress] = [r.inputs for r in run.plan.by_type(EGRESS)]
    assert ingress["securityGroupId"] == endpoint_sg
    assert ingress["referencedSecurityGroupId"] == function_sg
    assert egress["securityGroupId"] == function_sg
    assert egress["referencedSecurityGroupId"] == endpoint_sg
    for rule in (ingress, egress):
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 1024, 65535)
        assert "cidrIpv4" not in rule and "cidrIpv6" not in rule
    assert run.plan.one(VPCE).inputs["securityGroupIds"] == [endpoint_sg]
    assert run.plan.one(FUNCTION).inputs["vpcConfig"]["securityGroupIds"] == [function_sg]


def test_network_has_no_route_to_the_internet(deploy):
    run, _ = deploy("dev")
    types = {resource.type for resource in run.plan.resources}
    assert not {t for t in types if "natGateway" in t or "internetGateway" in t or "eip" in t}
    subnets = run.plan.by_type("aws:ec2/subnet:Subnet")
    # Registration order follows the invoke's thread, so key by name, not position.
    zones = {s.name: s.inputs["availabilityZone"] for s in subnets}
    # The fake Atlas endpoint service serves b, c, d only: the created subnets go there.
    assert zones == {"app-network-private-0": "us-east-1b", "app-network-private-1": "us-east-1c"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


def test_execution_role_has_only_vpc_access(deploy):
    run, _ = deploy("dev")
    [attachment] = run.plan.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    )
    assert not run.plan.by_type("aws:iam/rolePolicy:RolePolicy")
    trust = json.loads(run.plan.one(ROLE).inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]


def test_function_runs_the_packaged_code_with_the_dependency_layer(deploy):
    run, _ = deploy("dev")
    function = run.plan.one(FUNCTION).inputs
    layer = run.plan.one("aws:lambda/layerVersion:LayerVersion")
    assert function["code"].startswith("archive: .build/")
    assert layer.inputs["code"].startswith("archive: .build/")
    assert layer.inputs["compatibleArchitectures"] == ["arm64"]
    assert layer.inputs["compatibleRuntimes"] == ["python3.14"]
    name = layer.inputs["layerName"]
    assert name == "atlas-lambda-dev-deps"
    assert function["layers"] == [f"arn:aws:lambda:us-east-1:123456789012:layer:{name}:1"]


def test_opted_in_access_list_entries_use_the_right_field(deploy):
    run, _ = deploy(
        "dev",
        **{
            "atlas-lambda:accessListCidrs": '["203.0.113.0/24", "sg-0123456789abcdef0"]',
            "atlas-lambda:allowAccessList": "true",
        },
    )
    entries = {r.name: r.inputs for r in run.plan.by_type(
        "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList")}  # fmt: skip
    assert entries["app-atlas-access-0"]["cidrBlock"] == "203.0.113.0/24"
    assert "awsSecurityGroup" not in entries["app-atlas-access-0"]
    assert entries["app-atlas-access-1"]["awsSecurityGroup"] == "sg-0123456789abcdef0"
    assert "cidrBlock" not in entries["app-atlas-access-1"]
