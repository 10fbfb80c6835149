"""Every invalid config is refused before any resource is registered, naming the key and
the allowed values."""

from __future__ import annotations

import pytest

from components.errors import ConfigError

from .conftest import run_project
from .fake_cloud import FakeCloud

P = "atlas-lambda:"

CASES = {
    "unknown tier": ({P + "tier": "M15"}, "tier", "M10, M20"),
    # Atlas "M0 (Free Cluster) Limits" / "Flex Limits": no private endpoint, no peering.
    "private endpoint on M0": ({P + "tier": "M0"}, "networkPath", "natGateway or public on M0"),
    "private endpoint on Flex": ({P + "tier": "FLEX"}, "networkPath",
                                 "natGateway or public on FLEX"),
    "peering on M0": ({P + "tier": "M0", P + "networkPath": "peering"}, "networkPath",
                      "natGateway or public on M0"),
    "shard count on a replica set": (
        {P + "clusterType": "REPLICASET", P + "shardCount": "2"}, "shardCount",
        "unset when clusterType is REPLICASET",
    ),
    "sharded below M30": ({P + "clusterType": "SHARDED", P + "shardCount": "2"}, "tier", "M30"),
    "memory below 128": ({P + "memorySize": "64"}, "memorySize", "128-10240"),
    "memory above 10240": ({P + "memorySize": "10241"}, "memorySize", "128-10240"),
    "reserved env key AWS_REGION": (
        {P + "environment": '["AWS_REGION=us-east-1"]'}, "environment.AWS_REGION", "AWS_LAMBDA_*"
    ),
    "reserved env prefix AWS_LAMBDA_": (
        {P + "environment": '["AWS_LAMBDA_FUNCTION_NAME=x"]'},
        "environment.AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_*",
    ),
    "access list without opt-in": (
        {P + "accessListCidrs": '["203.0.113.0/24"]'}, "accessListCidrs", "allowAccessList: true"
    ),
    "0.0.0.0/0 even with opt-in": (
        {P + "accessListCidrs": '["0.0.0.0/0"]', P + "allowAccessList": "true"},
        "accessListCidrs", "always refused",
    ),
    "missing org id without project id": ({P + "orgId": ""}, "orgId", "Atlas organization id"),
    "region Atlas does not serve": ({"aws:region": "cn-north-1"}, "aws:region", "us-east-1"),
    "GovCloud region": ({"aws:region": "us-gov-west-1"}, "aws:region", "eu-west-1"),
    "unknown config key": ({P + "memroySize": "1024"}, "atlas-lambda:memroySize", "memorySize"),
    "wrong type for integer key": (
        {P + "memorySize": "lots"}, "atlas-lambda:memorySize", "integer"
    ),
    "unknown architecture": ({P + "architecture": "ppc64"}, "architecture", "arm64, x86_64"),
    "secret in environment": (
        {P + "environment": '["DB_PASSWORD=hunter2"]'}, "environment.DB_PASSWORD", "IAM"
    ),
    "password in a URI in environment": (
        {P + "environment": '["OTHER_URI=mongodb://u:p@h/x"]'}, "environment.OTHER_URI",
        "without user:password",
    ),
    "overriding MONGODB_URI": (
        {P + "environment": '["MONGODB_URI=mongodb://h"]'}, "environment.MONGODB_URI",
        "AWS_STS_REGIONAL_ENDPOINTS",
    ),
    "reserved concurrency zero": (
        {P + "reservedConcurrency": "0"}, "reservedConcurrency", "1 or more"
    ),
    "reserved concurrency over the connection budget": (
        {P + "reservedConcurrency": "746"}, "reservedConcurrency", "1-745"
    ),
    "malformed org id": ({P + "orgId": "not-an-id"}, "orgId", "24 hex"),
    # The old boolean is retired: a hint to the key that replaced it.
    "privateEndpoint false (retired)": (
        {P + "privateEndpoint": "false"}, "atlas-lambda:privateEndpoint",
        "natGateway, peering, privateEndpoint, public",
    ),
    "unknown network path": ({P + "networkPath": "vpn"}, "networkPath",
                             "privateEndpoint, peering, natGateway, public"),
    "NAT mode": ({P + "networkPath": "natGateway", P + "natGateways": "two"}, "natGateways",
                 "perZone, single"),
    # pulumi_mongodbatlas NetworkContainer atlas_cidr_block: /24 to /21, RFC 1918.
    "Atlas CIDR /16": ({P + "networkPath": "peering", P + "atlasCidrBlock": "192.168.0.0/16"},
                       "atlasCidrBlock", "RFC 1918 block from /21 to /24"),
    "Atlas CIDR public": ({P + "networkPath": "peering", P + "atlasCidrBlock": "8.8.8.0/24"},
                          "atlasCidrBlock", "RFC 1918 block from /21 to /24"),
    # AWS VPC Peering Guide, "VPC peering limitations": no overlapping CIDR blocks.
    "Atlas CIDR overlaps the VPC": (
        {P + "networkPath": "peering", P + "atlasCidrBlock": "10.0.8.0/21"}, "atlasCidrBlock",
        "outside 10.0.0.0/16",
    ),
    "public without the opt-in": ({P + "networkPath": "public"}, "allowAccessFromAnywhere",
                                  "true with networkPath public"),
    "anywhere opt-in on another path": ({P + "allowAccessFromAnywhere": "true"},
                                        "allowAccessFromAnywhere", "networkPath: public"),
    "public with a VPC": (
        {P + "networkPath": "public", P + "allowAccessFromAnywhere": "true",
         P + "vpcId": "vpc-0123456789abcdef0"}, "vpcId", "no vpcId or subnetIds with public",
    ),
    "NAT subnets do not fit": (
        {P + "networkPath": "natGateway", P + "vpcCidr": "10.0.0.0/18",
         P + "availabilityZones": "3"}, "vpcCidr", "/16 up to /17",
    ),
    # run-time watching (alerts, alarms)
    "alert percent 0": ({P + "connectionAlertPercent": "0"}, "connectionAlertPercent", "1-100"),
    "alert percent 101": ({P + "connectionAlertPercent": "101"}, "connectionAlertPercent",
                          "1-100"),
    # GroupNotification/EmailNotification intervalMin `minimum: 5` (Atlas Admin API v2).
    "alert interval 4": ({P + "atlasAlertIntervalMin": "4"}, "atlasAlertIntervalMin",
                         "5-2147483647"),
    "alert email": ({P + "atlasAlertEmail": "ops team"}, "atlasAlertEmail", "name@domain"),
    "topic not an SNS ARN": ({P + "alarmTopicArn": "arn:aws:sqs:us-east-1:123456789012:q"},
                             "alarmTopicArn", "arn:aws:sns:<region>"),
    "topic account not 12 digits": ({P + "alarmTopicArn": "arn:aws:sns:us-east-1:1234:t"},
                                    "alarmTopicArn", "12-digit account"),
    "errors threshold 0": ({P + "errorsAlarmThreshold": "0"}, "errorsAlarmThreshold",
                           "1-9007199254740992"),
    "duration percent 0": ({P + "durationAlarmPercent": "0"}, "durationAlarmPercent", "1-99"),
    # A timed-out invocation's Duration is its timeout, never more: > 100 % cannot fire.
    "duration percent 100": ({P + "durationAlarmPercent": "100"}, "durationAlarmPercent",
                             "1-99"),
    # atlas-sdk-go openapi/atlas-api-transformed.yaml, AlertsNotificationRootForGroup
    # .intervalMin: `format: int32`, `minimum: 5`, no `maximum`: the int32 range bounds it.
    "alert interval over int32": ({P + "atlasAlertIntervalMin": "2147483648"},
                                  "atlasAlertIntervalMin", "5-2147483647"),
    # A YAML list for a string key arrives as JSON text, as the Pulumi CLI hands it.
    "alert email as a YAML list": ({P + "atlasAlertEmail": '["a@b.co"]'},
                                   "atlas-lambda:atlasAlertEmail", "a string"),
    # PutMetricAlarm AlarmActions (botocore cloudwatch service-2.json): "SNS notification
    # action: arn:aws:sns:region:account-id:sns-topic-name"; CloudWatch answers another Region
    # with "Invalid region ca-central-1 specified. Only us-west-2 is supported."
    # (cds-snc/notification-terraform#128) and another partition with "Invalid partition aws
    # specified. Only aws-us-gov is supported." (aws-samples/amazon-cloudwatch-auto-alarms#61).
    "topic in aws-cn": ({P + "alarmTopicArn": "arn:aws-cn:sns:cn-north-1:123456789012:t"},
                        "alarmTopicArn", "arn:aws:sns:us-east-1:"),
    "topic in GovCloud": ({P + "alarmTopicArn": "arn:aws-us-gov:sns:us-east-1:123456789012:t"},
                          "alarmTopicArn", "arn:aws:sns:us-east-1:"),
    "topic in a made-up partition": (
        {P + "alarmTopicArn": "arn:aws-foo-bar:sns:us-east-1:123456789012:t"},
        "alarmTopicArn", "arn:aws:sns:us-east-1:",
    ),
    "topic in another region": ({P + "alarmTopicArn": "arn:aws:sns:eu-west-1:123456789012:t"},
                                "alarmTopicArn", "arn:aws:sns:us-east-1:"),
    # SNS "Message delivery for FIFO topics": a FIFO topic delivers to SQS queues only, never
    # to email, SMS or HTTP(S); SNS Publish to a FIFO topic needs a MessageGroupId, which an
    # alarm action does not send.
    "FIFO topic": ({P + "alarmTopicArn": "arn:aws:sns:us-east-1:123456789012:t.fifo"},
                   "alarmTopicArn", "a standard (not FIFO) topic"),
}  # fmt: skip


@pytest.mark.parametrize("overrides, key, allowed", CASES.values(), ids=CASES.keys())
def test_invalid_config_is_refused_before_any_resource(dev_config, overrides, key, allowed):
    cloud = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_project({**dev_config, **overrides}, mocks=cloud)
    message = str(caught.value)
    assert message.startswith(f"{key}:") or f"{key}:" in message, message
    assert "allowed:" in message and allowed in message, message
    assert cloud.events == [], "a resource was registered before validation failed"


def test_missing_region_names_the_key(dev_config):
    config = {k: v for k, v in dev_config.items() if k != "aws:region"}
    with pytest.raises(ConfigError, match=r"^aws:region: is not set \(allowed: .*us-east-1"):
        run_project(config)


def test_existing_project_needs_no_org_id(deploy):
    run, _ = deploy("dev", **{P + "orgId": "", P + "projectId": "0123456789abcdef01234567"})
    assert not run.plan.by_type("mongodbatlas:index/project:Project")
    cluster = run.plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster")
    assert cluster.inputs["projectId"] == "0123456789abcdef01234567"


def test_memory_below_512_is_advisory_not_an_error(deploy):
    run, _ = deploy("dev", **{P + "memorySize": "256"})
    assert run.plan.one("aws:lambda/function:Function").inputs["memorySize"] == 256
    assert any("memorySize" in warning and "512" in warning for warning in run.plan.warnings)


def test_non_string_environment_value_names_the_value():
    """Lambda API reference, Environment: Variables maps strings to strings. The name `A`
    is also too short for Lambda's pattern; the value is what the message must blame."""
    from components.lambda_function.component import validate_lambda_args

    with pytest.raises(ConfigError) as caught:
        validate_lambda_args({"function_name": "f", "environment": {"A": 1}})
    message = str(caught.value)
    assert message.startswith("environment.A: value 1 is not a string"), message
    assert "allowed: a string" in message, message
