"""Alert settings a stack sets but the program cannot use: said, not silently dropped.

`alerts: false` creates neither the Atlas alert nor the CloudWatch alarms, and shared tiers
(M0, FLEX) get no Atlas connection alert (cluster.py creates it for dedicated tiers only:
their hosts have no CONNECTIONS_PERCENT metric). Either way a configured value does
nothing; an advisory names it so the owner does not count on a notification.
"""

from __future__ import annotations

from collections.abc import Mapping

from .rules import Finding
from .tiers import is_dedicated

# Config keys of the Atlas alert, and of the CloudWatch alarms.
ATLAS_ALERT_KEYS = ("connectionAlertPercent", "atlasAlertEmail", "atlasAlertIntervalMin")
ALARM_KEYS = ("alarmTopicArn", "errorsAlarmThreshold", "durationAlarmPercent")


def ignored_alert_settings(
    alerts: bool, tier: str, values: Mapping[str, object], defaults: Mapping[str, object]
) -> list[Finding]:
    """An advisory per alert key set (to other than its default) that has no effect."""
    changed = [k for k in (*ATLAS_ALERT_KEYS, *ALARM_KEYS) if values.get(k) != defaults.get(k)]
    if not alerts:
        return [
            Finding("ignored-alert-setting", key,
                    f"is ignored: alerts is false, so no {_what(key)} is created",
                    severity="advisory", allowed="alerts: true, or leave it unset")
            for key in changed
        ]  # fmt: skip
    if not is_dedicated(tier):
        return [
            Finding("ignored-alert-setting", key,
                    f"is ignored: tier {tier} is shared, and Atlas offers the connection "
                    "alert on dedicated tiers only (M10 and up)",
                    severity="advisory", allowed="a dedicated tier, or leave it unset")
            for key in changed if key in ATLAS_ALERT_KEYS
        ]  # fmt: skip
    return []


def _what(key: str) -> str:
    return "Atlas alert" if key in ATLAS_ALERT_KEYS else "CloudWatch alarm"
