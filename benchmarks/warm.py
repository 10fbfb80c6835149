"""Section 2: warm invocation overhead of the sample handler's /health route vs a raw ping.

What is comparable? A raw ping loop in the benchmark's own process would be compared with
an invocation that also crosses the Runtime API and the runtime client, so the ratio would
measure the harness, not the library. Two like-for-like comparisons are measured instead, in the
same run, against the same server:

* **through the runtime client** (the target): two environments, each an awslambdaric
  process started from its built artifact as Lambda runs it (``lambda_layout.py``), one
  running the sample handler's ``GET /health``, one the reference handler
  ``lambda_code/raw_ping.py`` (module-level ``MongoClient``, handler =
  ``client.admin.command("ping")``). Invocations alternate one by one between them; each is
  timed from submission to the posted response. Both pay the same runtime-client and
  Runtime-API cost, so the ratio is what an invocation costs with the library against
  the least an invocation that pings can cost. A third environment, interleaved with
  them, runs ``lambda_code/raw_http_ping.py`` (the raw ping returning /health's HTTP
  response): diagnostic, it separates the cost of answering HTTP at all from the library's.
* **in-process** (diagnostic): inside one environment (``lambda_code/warm_probe.py``),
  rounds of batches of a raw ping on a plain client, the same ping on the library's client,
  that ping under the invocation deadline, and ``handler.handler(event, context)``. No
  transport around any of them, so the steps between them say where the handler's
  microseconds go. Its denominator is a loopback ping to a Python test server (a fraction of
  a millisecond, far below a network round trip to Atlas), so its ratio is an upper bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment

from .checks import Check, at_most, exact
from .deployment import LAMBDA_CODE, function_environ, replica_set
from .lambda_layout import LambdaLayout, lambda_layout
from .settings import Settings
from .stats import Sample, median, paired_ratios

SECTION = "warm"
TARGET = 1.05
WARMUP_INVOCATIONS = 50
PROBE_TIMEOUT_MS = 120_000
HEALTH = http_event("GET", "/health")
PROBE_SIDES = ("raw", "client", "deadline", "handler")
"""Layers the in-process probe times, each adding to the one before (warm_probe.py)."""


@dataclass(frozen=True)
class WarmResult:
    handler_ms: Sample
    """Median round trip per run, sample handler (through the runtime client)."""
    raw_ms: Sample
    raw_http_ms: Sample
    """The raw ping answering with /health's HTTP response (lambda_code/raw_http_ping.py)."""
    ratio: Sample
    """Run-by-run handler/raw, through the runtime client: the target figure."""
    ratio_to_raw_http: Sample
    """Run-by-run handler/raw_http: what the library adds beyond answering HTTP at all."""
    probe_us: dict[str, Sample]
    """In-process, per run the median per call over the probe's rounds, by side."""
    probe_ratio: Sample
    """Run-by-run handler/raw, in-process."""
    failures: int
    invocations: int
    enforce: bool

    @property
    def probe_handler_us(self) -> Sample:
        return self.probe_us["handler"]

    @property
    def probe_raw_us(self) -> Sample:
        return self.probe_us["raw"]

    def probe_added_us(self, side: str, base: str) -> Sample:
        """Run by run, what ``side`` adds to ``base`` (µs; negative = noise)."""
        return Sample.of(
            a - b for a, b in zip(self.probe_us[side].values, self.probe_us[base].values,
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
    environments: dict[str, LambdaEnvironment], invocations: int, shift: int
) -> tuple[dict[str, float], int]:
    """Median round trip per side over ``invocations`` rounds, one invocation per side each.

    The order rotates every round, so no side always follows the same other one.
    """
    names = list(environments)
    times: dict[str, list[float]] = {name: [] for name in names}
    failures = 0
    for index in range(invocations):
        start = (index + shift) % len(names)
        for name in names[start:] + names[:start]:
            seconds, ok = _round_trip(environments[name], HEALTH)
            times[name].append(seconds)
            failures += not ok
    return {name: median(values) for name, values in times.items()}, failures


def _one_run(
    layout: LambdaLayout, environ: dict[str, str], settings: Settings, index: int
) -> tuple[dict[str, float], dict[str, float], int]:
    """Fresh environments (new processes, new connections), warmed up, then measured.

    Fresh per run, so that whatever one set of processes and connections happens to get
    from the scheduler is one sample among several, not a bias in every run. Each runs
    its built artifact as Lambda does (lambda_layout.py), so the runtime's interpreter.
    """
    sides = {
        "ours": layout.environment("ours", environ),
        "raw": layout.environment("reference", environ),
        "raw_http": layout.environment("reference", environ, handler="raw_http_ping.handler"),
    }
    probe = layout.environment("ours", environ, handler="warm_probe.handler",
                               extra_paths=(LAMBDA_CODE,))  # fmt: skip
    everything = [*sides.values(), probe]
    try:
        for env in everything:
            env.launch()
        for env in everything:
            env.wait_ready()
        _, warmup_failures = _interleaved_run(sides, WARMUP_INVOCATIONS, 0)
        round_trips, failures = _interleaved_run(sides, settings.warm_invocations, index)
        answer = probe.invoke(
            {"rounds": settings.probe_rounds, "batch": settings.probe_batch,
             "health_event": HEALTH},
            timeout_ms=PROBE_TIMEOUT_MS,
        )  # fmt: skip
        if answer.kind != "response":
            raise RuntimeError(f"warm probe failed: {answer.raw[:500]!r}\n{probe.log()}")
        payload = answer.payload
    finally:
        for env in everything:
            env.close()
    in_process = {side: median(payload[side]) for side in PROBE_SIDES}
    return round_trips, in_process, warmup_failures + failures + int(payload["failures"])


def run(settings: Settings, progress: Callable[[str], None]) -> WarmResult:
    round_trips: dict[str, list[float]] = {"ours": [], "raw": [], "raw_http": []}
    in_process: dict[str, list[float]] = {side: [] for side in PROBE_SIDES}
    failures = 0
    with lambda_layout(progress) as layout, replica_set(settings.members) as deployment:
        environ = function_environ(deployment)
        for index in range(settings.warm_runs):
            progress(f"warm: run {index + 1}/{settings.warm_runs} (fresh environments)")
            trips, probe, run_failures = _one_run(layout, environ, settings, index)
            for name, value in trips.items():
                round_trips[name].append(value)
            for side, value in probe.items():
                in_process[side].append(value)
            failures += run_failures
    return WarmResult(
        handler_ms=Sample.of(round_trips["ours"]).scaled(1000),
        raw_ms=Sample.of(round_trips["raw"]).scaled(1000),
        raw_http_ms=Sample.of(round_trips["raw_http"]).scaled(1000),
        ratio=paired_ratios(round_trips["ours"], round_trips["raw"]),
        ratio_to_raw_http=paired_ratios(round_trips["ours"], round_trips["raw_http"]),
        probe_us={side: Sample.of(values).scaled(1e6) for side, values in in_process.items()},
        probe_ratio=paired_ratios(in_process["handler"], in_process["raw"]),
        failures=failures,
        invocations=settings.warm_invocations,
        enforce=settings.enforce_time_targets,
    )
