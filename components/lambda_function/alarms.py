"""The AWS side of run-time watching: CloudWatch alarms and a dashboard for one function.

Alarms (AWS/Lambda metrics, dimension FunctionName; aws.cloudwatch.MetricAlarm docstring
for the operators and `treat_missing_data` values):

* Throttles: Sum > 0 in a minute. Reserved concurrency is what keeps the connection
  budget; a throttle means it is reached.
* Errors: Sum >= a threshold (1). The sample handler never raises, so these are crashes,
  timeouts and out-of-memory kills.
* Duration: Maximum > a share (80 %) of the timeout; each database call is bounded by the
  time left, so this is the warning before invocations time out.

Missing data is not breaching: an idle function is healthy. Actions go to an SNS topic
when one is configured.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ..errors import ConfigError
from .log_queries import QUERIES

DEFAULT_ERRORS_THRESHOLD = 1
# PutMetricAlarm's Threshold is a double (botocore cloudwatch service-2.json, shape
# Threshold): an integer above 2**53 has no exact double, one above ~1.8e308 none at all.
MAX_ERRORS_THRESHOLD = 2**53
DEFAULT_DURATION_PERCENT = 80
PERIOD_S = 60
# arn:<partition>:sns:<region>:<12-digit account>:<topic> (topic: 1-256 of A-Za-z0-9_-,
# a FIFO topic's name ending in `.fifo`).
SNS_TOPIC_ARN = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):sns:(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]):"
    r"[0-9]{12}:(?:[A-Za-z0-9_-]{1,251}(?P<fifo>\.fifo)|[A-Za-z0-9_-]{1,256})"
)
# Atlas serves commercial Regions only (guardrails/regions.py): their partition is `aws`.
PARTITION = "aws"


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm on an AWS/Lambda metric."""

    suffix: str
    metric: str
    statistic: str
    operator: str
    threshold: float
    description: str


def validate_alarm_args(args: Mapping[str, Any]) -> None:
    """Refuse alarm settings CloudWatch or SNS would refuse, naming the stack config key."""
    errors = args.get("errors_alarm_threshold", DEFAULT_ERRORS_THRESHOLD)
    if (
        isinstance(errors, bool)
        or not isinstance(errors, int)
        or not 1 <= errors <= MAX_ERRORS_THRESHOLD
    ):
        raise ConfigError(
            "errorsAlarmThreshold",
            f"{_number(errors)} errors a minute",
            f"1-{MAX_ERRORS_THRESHOLD} (CloudWatch's alarm threshold is a double)",
        )
    percent = args.get("duration_alarm_percent", DEFAULT_DURATION_PERCENT)
    # A timed-out invocation's Duration is its timeout, never more, so with
    # GreaterThanThreshold 100 % could never fire; timeouts count in the Errors alarm.
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 99:
        raise ConfigError(
            "durationAlarmPercent",
            f"{percent!r} is not a percentage below 100 (an invocation's Duration never "
            "exceeds the timeout, so the alarm could not fire)",
            "1-99",
        )
    topic = args.get("alarm_topic_arn")
    if isinstance(topic, str) and topic:
        match = SNS_TOPIC_ARN.fullmatch(topic)
        if not match:
            raise ConfigError(
                "alarmTopicArn", f"{topic[:120]!r} is not an SNS topic ARN",
                "arn:aws:sns:<region>:<12-digit account>:<topic name>, or empty",
            )  # fmt: skip
        if match["fifo"]:
            # SNS "Message delivery for FIFO topics": FIFO topics deliver to SQS only, and
            # SNS Publish to one needs a MessageGroupId, which an alarm action does not send.
            raise ConfigError(
                "alarmTopicArn",
                f"{topic[:120]!r} is a FIFO topic; CloudWatch alarms cannot notify FIFO topics",
                "a standard (not FIFO) topic: arn:aws:sns:<region>:<12-digit account>:<name>",
            )


def _number(value: object) -> str:
    """A value for a message: an integer too long to print (Python refuses more than 4,300
    digits) by its size instead."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        return f"an integer of {math.floor(math.log10(abs(value))) + 1} digits"
    return repr(value)[:80]


def validate_topic_region(topic: object, aws_region: str) -> None:
    """Refuse a topic outside the alarms' own Region and partition: PutMetricAlarm takes
    `arn:aws:sns:region:account-id:sns-topic-name` of the alarm's Region (botocore
    cloudwatch service-2.json, AlarmActions) and answers another with "Invalid region ...
    specified" or "Invalid partition ... specified"."""
    match = SNS_TOPIC_ARN.fullmatch(topic) if isinstance(topic, str) else None
    if match and (match["partition"], match["region"]) != (PARTITION, aws_region):
        raise ConfigError(
            "alarmTopicArn",
            f"{topic[:120]!r} is in {match['partition']}/{match['region']}; CloudWatch alarms "
            f"notify only topics in their own Region and partition ({PARTITION}/{aws_region})",
            f"arn:{PARTITION}:sns:{aws_region}:<12-digit account>:<topic name>, or empty",
        )


def alarm_specs(timeout_s: int, errors_threshold: int, duration_percent: int) -> list[AlarmSpec]:
    """The three alarms with their thresholds; Duration is in milliseconds."""
    duration_ms = timeout_s * 1000 * duration_percent / 100
    return [
        AlarmSpec("throttles", "Throttles", "Sum", "GreaterThanThreshold", 0.0,
                  "Invocations throttled: reserved concurrency (the connection budget) reached"),
        AlarmSpec("errors", "Errors", "Sum", "GreaterThanOrEqualToThreshold",
                  float(errors_threshold),
                  "Invocations failed (crash, timeout or out of memory: the handler never raises)"),
        AlarmSpec("duration", "Duration", "Maximum", "GreaterThanThreshold", duration_ms,
                  f"An invocation took over {duration_percent}% of the {timeout_s} s timeout"),
    ]  # fmt: skip


def function_alarms(
    name: str,
    function_name: pulumi.Input[str],
    specs: list[AlarmSpec],
    topic_arn: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
    tags: Mapping[str, str] | None = None,
) -> list[aws.cloudwatch.MetricAlarm]:
    """One MetricAlarm per spec on the function, notifying the topic on alarm and on OK."""
    actions = [topic_arn] if topic_arn else None
    return [
        aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.suffix}",
            name=pulumi.Output.concat(function_name, "-", spec.suffix),
            alarm_description=spec.description,
            namespace="AWS/Lambda",
            metric_name=spec.metric,
            dimensions={"FunctionName": function_name},
            statistic=spec.statistic,
            period=PERIOD_S,
            evaluation_periods=1,
            comparison_operator=spec.operator,
            threshold=spec.threshold,
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=tags,
            opts=opts,
        )
        for spec in specs
    ]


def dashboard_body(function_name: str, region: str, log_group: str, specs: list[AlarmSpec]) -> str:
    """Stable JSON (sorted keys): one metric graph per alarm with its threshold drawn, and
    one Logs Insights table per query of log_queries."""
    widgets: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        widgets.append({
            "type": "metric", "x": (index % 3) * 8, "y": 0, "width": 8, "height": 6,
            "properties": {
                "title": spec.metric, "region": region, "view": "timeSeries",
                "stat": spec.statistic, "period": PERIOD_S,
                "metrics": [["AWS/Lambda", spec.metric, "FunctionName", function_name]],
                "annotations": {"horizontal": [{"label": "alarm", "value": spec.threshold}]},
            },
        })  # fmt: skip
    for index, (title, query) in enumerate(QUERIES.items()):
        widgets.append({
            "type": "log", "x": (index % 2) * 12, "y": 6 + (index // 2) * 6,
            "width": 12, "height": 6,
            "properties": {
                "title": title, "region": region, "view": "table",
                "query": f"SOURCE '{log_group}' | {query}",
            },
        })  # fmt: skip
    return json.dumps({"widgets": widgets}, sort_keys=True)


def function_dashboard(
    name: str,
    function: aws.lambda_.Function,
    log_group: pulumi.Input[str],
    specs: list[AlarmSpec],
    opts: pulumi.ResourceOptions,
) -> aws.cloudwatch.Dashboard:
    """The dashboard named after the function. The region is read from its ARN, so an
    explicit provider's region is respected; the stack's `aws:region` only when a mock
    provider computes no ARN."""

    def body_of(name: str, arn: str | None, group: str) -> str:
        region = arn.split(":")[3] if arn else pulumi.Config("aws").get("region") or ""
        return dashboard_body(name, region, group, specs)

    body = pulumi.Output.all(function.name, function.arn, log_group).apply(
        lambda values: body_of(*values)
    )
    return aws.cloudwatch.Dashboard(
        f"{name}-dashboard", dashboard_name=function.name, dashboard_body=body, opts=opts
    )
