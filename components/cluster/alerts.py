"""The Atlas side of the connection budget at run time: one host-metric alert.

The preview refuses a configuration whose reserved concurrency can exceed the tier's
connection limit; this alert tells the project's owners when the nodes get close anyway
(other clients, a raised concurrency, a scale-down).

Facts from the Atlas Admin API v2 spec (mongodb/atlas-sdk-go `openapi/atlas-api.yaml`):
`HostMetricThreshold` maps metricName `CONNECTIONS_PERCENT` (connections as a percentage of
the host's configured limit) to `ConnectionsPercentRawMetricThresholdView`: mode `AVERAGE`,
operator `LESS_THAN`/`GREATER_THAN`, units `RawMetricUnits` = `RAW`. The percentage is per
host (per mongos on a sharded cluster), against that host's own limit, so one threshold
holds for every tier. Notifications: `intervalMin` has `minimum: 5` (int32, no `maximum`);
`GroupNotification` takes `roles`, `emailEnabled`, `smsEnabled`.

Host metrics accept matchers on TYPE_NAME, HOSTNAME, PORT, HOSTNAME_AND_PORT,
REPLICA_SET_NAME only (`HostMatcherField`; the provider's matcher table agrees): no
CLUSTER_NAME. Atlas host and replica set names are generated (`ac-…`, `atlas-…-shard-0`),
not derived from the cluster name, so the alert covers the project's hosts; a project this
program creates holds only this cluster.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_mongodbatlas as atlas

from ..errors import ConfigError

EVENT_TYPE = "OUTSIDE_METRIC_THRESHOLD"
METRIC_NAME = "CONNECTIONS_PERCENT"
DEFAULT_PERCENT = 80
DEFAULT_INTERVAL_MIN = 60
MIN_INTERVAL_MIN = 5  # GroupNotification/EmailNotification intervalMin `minimum: 5`
# intervalMin is `format: int32` with no `maximum` (atlas-sdk-go
# openapi/atlas-api-transformed.yaml, AlertsNotificationRootForGroup): the int32 range.
MAX_INTERVAL_MIN = 2**31 - 1
OWNER_ROLES = ("GROUP_OWNER",)
# EmailNotification.emailAddress is `format: email` (Atlas Admin API v2): an RFC 5321 mailbox,
# read here as an RFC 5322 dot-atom local part (ASCII letters, digits and !#$%&'*+/=?^_`{|}~-,
# dots between them) at a DNS host name whose top-level label is letters. Quoted local parts
# and address literals are left out: no alert inbox needs them.
EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)


def validate_alert_args(args: Mapping[str, Any]) -> None:
    """Refuse an alert Atlas would refuse, naming the stack config key."""
    percent = args.get("connection_alert_percent", DEFAULT_PERCENT)
    if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
        raise ConfigError("connectionAlertPercent", f"{percent!r} is not a percentage", "1-100")
    interval = args.get("alert_interval_min", DEFAULT_INTERVAL_MIN)
    if (
        isinstance(interval, bool)
        or not isinstance(interval, int)
        or not MIN_INTERVAL_MIN <= interval <= MAX_INTERVAL_MIN
    ):
        raise ConfigError(
            "atlasAlertIntervalMin",
            f"{interval!r} minutes",
            f"{MIN_INTERVAL_MIN}-{MAX_INTERVAL_MIN} (Atlas's intervalMin is a 32-bit integer)",
        )
    email = args.get("alert_email")
    if isinstance(email, str) and email and not EMAIL.fullmatch(email):
        raise ConfigError(
            "atlasAlertEmail",
            f"{email[:80]!r} is not an email address",
            "name@domain: letters, digits and !#$%&'*+/=?^_`{|}~- in dot-separated words, @ "
            "and a DNS name such as example.com",
        )


def notifications(interval_min: int, email: pulumi.Input[str] | None) -> list[dict[str, Any]]:
    """The project's owners by email, and an extra address when one is configured."""
    owners = {
        "type_name": "GROUP",
        "roles": list(OWNER_ROLES),
        "email_enabled": True,
        "sms_enabled": False,
        "interval_min": interval_min,
        "delay_min": 0,
    }
    extra = (
        [{"type_name": "EMAIL", "email_address": email, "interval_min": interval_min,
          "delay_min": 0}]
        if email else []
    )  # fmt: skip
    return [owners, *extra]


def connection_alert(
    name: str,
    project_id: pulumi.Input[str],
    percent: int,
    interval_min: int,
    email: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> atlas.AlertConfiguration:
    """Alert when any host's connections average above `percent` of its configured limit."""
    return atlas.AlertConfiguration(
        name,
        project_id=project_id,
        event_type=EVENT_TYPE,
        enabled=True,
        metric_threshold_config={
            "metric_name": METRIC_NAME,
            "operator": "GREATER_THAN",
            "threshold": float(percent),
            "units": "RAW",
            "mode": "AVERAGE",
        },
        notifications=notifications(interval_min, email),
        opts=opts,
    )
