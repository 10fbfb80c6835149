"""Run-time watching under the mock engine: the Atlas connection alert, the function's
CloudWatch alarms and dashboard, their config keys and the offline preview's rendering.

Atlas facts come from the Admin API v2 spec (mongodb/atlas-sdk-go openapi/atlas-api.yaml):
`HostMetricThreshold` maps `CONNECTIONS_PERCENT` to `ConnectionsPercentRawMetricThresholdView`
(mode AVERAGE, operator GREATER_THAN/LESS_THAN, units RawMetricUnits = RAW);
`GroupNotification.intervalMin` has `minimum: 5`. CloudWatch facts come from the
pulumi_aws MetricAlarm docstring (operators, treat_missing_data values).
"""

from __future__ import annotations

import json

from components.offline import run_stack
from components.offline.render import render

from .conftest import run_project

P = "atlas-lambda:"
ALERT = "mongodbatlas:index/alertConfiguration:AlertConfiguration"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
FUNCTION = "aws:lambda/function:Function"
PROJECT = "mongodbatlas:index/project:Project"
TOPIC = "arn:aws:sns:us-east-1:123456789012:atlas-lambda-alarms"


def alarms(run) -> dict[str, dict]:
    return {r.inputs["metricName"]: r.inputs for r in run.plan.by_type(ALARM)}


def test_connection_alert_is_percent_of_the_node_limit(deploy):
    """80 % of M10's 1,500 per node is the percent metric's threshold 80, not 1,200."""
    run, cloud = deploy("dev")
    alert = run.plan.one(ALERT).inputs
    assert alert["projectId"] == cloud.ids[(PROJECT, "app-atlas-project")]
    assert alert["eventType"] == "OUTSIDE_METRIC_THRESHOLD" and alert["enabled"] is True
    assert alert["metricThresholdConfig"] == {
        "metricName": "CONNECTIONS_PERCENT", "operator": "GREATER_THAN", "threshold": 80,
        "units": "RAW", "mode": "AVERAGE",
    }  # fmt: skip
    (owners,) = alert["notifications"]
    assert owners["typeName"] == "GROUP" and owners["roles"] == ["GROUP_OWNER"]
    assert owners["emailEnabled"] is True and owners["intervalMin"] >= 5


def test_alert_threshold_interval_and_email_are_config(deploy):
    run, _ = deploy("prod", **{P + "connectionAlertPercent": "65",
                               P + "atlasAlertIntervalMin": "5",
                               P + "atlasAlertEmail": "dba@example.com"})  # fmt: skip
    alert = run.plan.one(ALERT).inputs
    assert alert["metricThresholdConfig"]["threshold"] == 65
    owners, email = alert["notifications"]
    assert owners["intervalMin"] == 5 and email["intervalMin"] == 5
    assert email["typeName"] == "EMAIL" and email["emailAddress"] == "dba@example.com"


def test_function_alarms_and_duration_from_the_timeout(deploy):
    for stack, timeout_ms in (("dev", 15_000), ("prod", 20_000)):
        run, _ = deploy(stack)
        function_name = run.plan.one(FUNCTION).inputs["name"]
        by_metric = alarms(run)
        assert set(by_metric) == {"Throttles", "Errors", "Duration"}
        for metric, alarm in by_metric.items():
            assert alarm["namespace"] == "AWS/Lambda"
            assert alarm["dimensions"] == {"FunctionName": function_name}
            assert alarm["treatMissingData"] == "notBreaching"
            assert alarm["name"] == f"{function_name}-{metric.lower()}"
            assert "alarmActions" not in alarm and "okActions" not in alarm
        assert (by_metric["Throttles"]["statistic"], by_metric["Throttles"]["threshold"]) == (
            "Sum", 0)
        assert by_metric["Throttles"]["comparisonOperator"] == "GreaterThanThreshold"
        assert by_metric["Errors"]["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert by_metric["Errors"]["threshold"] == 1
        assert by_metric["Duration"]["statistic"] == "Maximum"
        assert by_metric["Duration"]["threshold"] == timeout_ms * 0.8


def test_alarm_thresholds_are_config(deploy):
    run, _ = deploy("dev", **{P + "timeout": "30", P + "durationAlarmPercent": "50",
                              P + "errorsAlarmThreshold": "5"})  # fmt: skip
    assert alarms(run)["Duration"]["threshold"] == 15_000
    assert alarms(run)["Errors"]["threshold"] == 5


def test_alarms_notify_the_sns_topic(deploy):
    run, _ = deploy("dev", **{P + "alarmTopicArn": TOPIC})
    for alarm in alarms(run).values():
        assert alarm["alarmActions"] == [TOPIC] and alarm["okActions"] == [TOPIC]


def test_alerts_off_creates_none_of_it(deploy):
    run, _ = deploy("prod", **{P + "alerts": "false"})
    for type_token in (ALERT, ALARM, DASHBOARD):
        assert run.plan.by_type(type_token) == [], type_token


def test_dashboard_is_stable_and_names_the_function(deploy):
    bodies = []
    for _ in range(2):
        run, _cloud = deploy("prod")
        bodies.append(run.plan.one(DASHBOARD).inputs["dashboardBody"])
    assert bodies[0] == bodies[1]
    assert bodies[0] == json.dumps(json.loads(bodies[0]), sort_keys=True)
    widgets = json.loads(bodies[0])["widgets"]
    function_name = run.plan.one(FUNCTION).inputs["name"]
    metrics = [w["properties"] for w in widgets if w["type"] == "metric"]
    assert {m["metrics"][0][3] for m in metrics} == {function_name}
    assert {m["region"] for m in metrics} == {"eu-west-1"}
    logs = [w["properties"]["query"] for w in widgets if w["type"] == "log"]
    assert logs and all(q.startswith(f"SOURCE '/aws/lambda/{function_name}' | ") for q in logs)


def test_offline_preview_shows_the_thresholds_without_new_advisories():
    on = run_stack("dev")
    text = render(on.plan)
    assert '"metricName": "CONNECTIONS_PERCENT"' in text and '"threshold": 80' in text
    assert "threshold: 12000" in text  # Duration: 80 % of the 15 s timeout, in ms
    off = run_project({**_dev(), P + "alerts": "false"}, preview=True)
    assert on.plan.advisories == off.plan.advisories


def _dev() -> dict[str, str]:
    from components.offline.engine import stack_config

    return stack_config("dev")[0]


def _ignored(run) -> dict[str, str]:
    """The keys named by "is ignored" advisories (compose warns `key: message`)."""
    pairs = (warning.partition(": ") for warning in run.plan.warnings)
    return {key: message for key, _, message in pairs if message.startswith("is ignored")}


def test_alert_settings_with_alerts_off_are_named_not_dropped(deploy):
    run, _ = deploy("dev", **{P + "alerts": "false", P + "alarmTopicArn": TOPIC,
                              P + "atlasAlertEmail": "dba@example.com"})  # fmt: skip
    ignored = _ignored(run)
    assert set(ignored) == {"alarmTopicArn", "atlasAlertEmail"}, ignored
    assert "alerts is false" in ignored["alarmTopicArn"]
    assert run.plan.by_type(ALARM) == [] and run.plan.by_type(ALERT) == []


def test_atlas_alert_settings_on_a_shared_tier_are_named(deploy):
    """cluster.py creates the Atlas alert on dedicated tiers only; the CloudWatch alarms
    (alarmTopicArn) still apply, so only the Atlas keys are named."""
    shared = {P + "tier": "M0", P + "networkPath": "natGateway",
              P + "vpcId": "vpc-0123456789abcdef0",
              P + "subnetIds": '["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]',
              P + "accessListCidrs": '["203.0.113.7/32"]', P + "allowAccessList": "true"}
    run, _ = deploy("dev", **shared, **{P + "atlasAlertIntervalMin": "5",
                                        P + "connectionAlertPercent": "70",
                                        P + "alarmTopicArn": TOPIC})  # fmt: skip
    ignored = _ignored(run)
    assert set(ignored) == {"atlasAlertIntervalMin", "connectionAlertPercent"}, ignored
    assert "M0" in ignored["connectionAlertPercent"]
    assert run.plan.by_type(ALERT) == [] and run.plan.by_type(ALARM)
    run, _ = deploy("dev", **shared)
    assert _ignored(run) == {}
