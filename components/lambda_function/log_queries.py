"""CloudWatch Logs Insights queries over the handler's JSON log lines.

The handler logs one `response` line per failed request (status 400 and up; successes
cost no log line) with `route`, `method`, `status` and `error` (the message the caller
got); a misconfiguration also logs the reason in a `function misconfigured: ...` line.
These queries read only those fields; a test runs the handler under the real runtime
client and checks each field against its log lines.
"""

from __future__ import annotations

UNAVAILABLE_BY_ROUTE = """fields @timestamp, route, status, error
| filter message = "response" and status = 503
| stats count(*) as unavailable by route, error
| sort unavailable desc"""

MISCONFIGURED_BY_ROUTE = """fields @timestamp, route, status, error
| filter message = "response" and status = 500 and error like /misconfigured/
| stats count(*) as misconfigured by route, error
| sort misconfigured desc"""

MISCONFIGURATION_REASONS = """fields @timestamp, message
| filter level = "ERROR" and message like /^function misconfigured:/
| stats count(*) as times by message
| sort times desc"""

FAILURES_BY_ROUTE = """fields route, status
| filter message = "response"
| stats count(*) as failures by route, status
| sort route, status"""

QUERIES: dict[str, str] = {
    "503s per route": UNAVAILABLE_BY_ROUTE,
    "Misconfigurations per route": MISCONFIGURED_BY_ROUTE,
    "Misconfiguration reasons": MISCONFIGURATION_REASONS,
    "Failures per route and status": FAILURES_BY_ROUTE,
}
"""Title → query, in dashboard order."""
