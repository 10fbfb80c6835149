"""Section 2: warm invocation overhead of the sample handler's /health route vs a raw ping.

What is comparable? A raw ping loop in the benchmark's own process would be compared with
an invocation that also crosses the Runtime API and the runtime client, so the ratio would
measure the harness, not the library. Two like-for-like pairs are measured instead, in the
same run, against the same server:

* **through the runtime client** (the target): two environments, each an awslambdaric
  process, one running the sample handler's ``GET /health``, the other the reference
  handler ``lambda_code/raw_ping.py`` (module-level ``MongoClient``, handler =
  ``client.admin.command("ping")``). Invocations alternate one by one between them; each is
  timed from submission to the posted response. Both pay the same runtime-client and
  Runtime-API cost, so the ratio is what an invocation costs with the library against
  the least an invocation that pings can cost.
* **in-process** (diagnostic): inside one environment, ``handler.handler(event, context)``
  against ``client.admin.command("ping")``, in alternating batches
  (``lambda_code/warm_probe.py``). No transport at all around either side: this isolates
  the handler's own work in microseconds. Its denominator is a loopback ping against a
  Python test server (a fraction of a millisecond, far below any network round trip to
  Atlas), so its ratio is the upper bound of the overhead, not what a caller sees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment

from .checks import Check, at_most, exact
from .deployment import LAMBDA_CODE, function_environ, lambda_environment, replica_set
from .settings import Settings
from .stats import Sample, median, paired_ratios

SECTION = "warm"
TARGET = 1.05
WARMUP_INVOCATIONS = 50
PROBE_TIMEOUT_MS = 120_000
HEALTH = http_event("GET", "/health")


@dataclass(frozen=True)
class WarmResult:
    handler_ms: Sample
    """Median round trip per run, sample handler (through the runtime client)."""
    raw_ms: Sample
    ratio: Sample
    """Run-by-run handler/raw, through the runtime client: the target figure."""
    probe_handler_us: Sample
    """Median per call per round, in-process."""
    probe_raw_us: Sample
    probe_ratio: Sample
    failures: int
    invocations: int
    enforce: bool

    @property
    def probe_overhead_us(self) -> Sample:
        return Sample.of(
            h - r for h, r in zip(self.probe_handler_us.values, self.probe_raw_us.values,
                                  strict=True)
        )  # fmt: skip

    def checks(self) -> list[Check]:
        return [
            exact(SECTION, "failed invocations", self.failures, 0),
            at_most(SECTION, "/health vs raw ping through the runtime client (median ratio)",
                    self.ratio.median, TARGET, enforced=self.enforce),
        ]  # fmt: skip


def _round_trip(env: LambdaEnvironment, event: object) -> tuple[float, bool]:
    started = time.perf_counter()
    result = env.invoke(event)
    seconds = time.perf_counter() - started
    ok = result.kind == "response" and (
        result.payload.get("statusCode") == 200 or result.payload.get("ok") == 1
    )
    return seconds, ok


def _interleaved_run(
    ours: LambdaEnvironment, raw: LambdaEnvironment, invocations: int, first_ours: bool
) -> tuple[float, float, int]:
    """Median round trip of each side over ``invocations`` alternating invocations."""
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    failures = 0
    sides = [("ours", ours), ("raw", raw)]
    if not first_ours:
        sides.reverse()
    for _ in range(invocations):
        for name, env in sides:
            seconds, ok = _round_trip(env, HEALTH)
            times[name].append(seconds)
            failures += not ok
        sides.reverse()  # alternate who goes first, so neither always follows the other
    return median(times["ours"]), median(times["raw"]), failures


def run(settings: Settings, progress: Callable[[str], None]) -> WarmResult:
    with replica_set(settings.members) as deployment:
        environ = function_environ(deployment)
        ours = lambda_environment(environ)
        raw = lambda_environment(environ, handler="raw_ping.handler", code_root=LAMBDA_CODE)
        probe = lambda_environment(environ, handler="warm_probe.handler", extra_paths=[LAMBDA_CODE])
        try:
            for env in (ours, raw, probe):
                env.launch()
            for env in (ours, raw, probe):
                env.wait_ready()
            failures = 0
            for _ in range(WARMUP_INVOCATIONS):
                failures += not _round_trip(ours, HEALTH)[1]
                failures += not _round_trip(raw, HEALTH)[1]
            ours_s, raw_s = [], []
            for index in range(settings.warm_runs):
                progress(f"warm: runtime client, run {index + 1}/{settings.warm_runs}")
                o, r, f = _interleaved_run(ours, raw, settings.warm_invocations, index % 2 == 0)
                ours_s.append(o)
                raw_s.append(r)
                failures += f
            progress("warm: in-process probe")
            answer = probe.invoke(
                {"rounds": settings.probe_rounds, "batch": settings.probe_batch,
                 "health_event": HEALTH},
                timeout_ms=PROBE_TIMEOUT_MS,
            )  # fmt: skip
            if answer.kind != "response":
                raise RuntimeError(f"warm probe failed: {answer.raw[:500]!r}\n{probe.log()}")
            payload = answer.payload
        finally:
            for env in (ours, raw, probe):
                env.close()
    return WarmResult(
        handler_ms=Sample.of(ours_s).scaled(1000),
        raw_ms=Sample.of(raw_s).scaled(1000),
        ratio=paired_ratios(ours_s, raw_s),
        probe_handler_us=Sample.of(payload["handler"]).scaled(1e6),
        probe_raw_us=Sample.of(payload["raw"]).scaled(1e6),
        probe_ratio=paired_ratios(payload["handler"], payload["raw"]),
        failures=failures + int(payload["failures"]),
        invocations=settings.warm_invocations,
        enforce=settings.enforce_time_targets,
    )
