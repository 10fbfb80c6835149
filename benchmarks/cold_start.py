"""Section 3: cold start, process start to first response, vs a minimal reference.

Three ways of answering the first request, against the same replica set, in rotating
order so that drift does not favour one:

* **ours**: the sample handler under awslambdaric, first event ``GET /health``;
* **reference** (the target's denominator): ``lambda_code/raw_ping.py`` under awslambdaric
  — ``import pymongo``, construct the client, ping — so both sides pay the same runtime
  client start, Runtime API round trips, connection setup and MONGODB-AWS conversation,
  and the ratio is what the library and the sample handler add to a cold start;
* **SnapStart init** (ours): the sample handler with ``AWS_LAMBDA_INITIALIZATION_TYPE=
  snap-start``, so init also imports what the first invocation would (the MONGODB-AWS
  signing path, dnspython's record classes) and the runtime client runs the snapshot
  hooks. Lambda pays that init once per published version; a restore skips it. The
  import time moved into init (SnapStart init minus on-demand init, run by run) is what a
  restore skips beyond the on-demand init, and the first response after init shrinks by
  about as much;
* **bare script** (context): the same three lines in a plain ``python -c``, no runtime
  client, timed to the line it prints after the ping. It shows what the runtime client
  itself costs, which every Python Lambda pays and this library cannot change.

The first event is queued before the process starts, so the runtime client gets it at its
first ``/next`` poll, as Lambda hands an environment its first request. Init (process
start to first poll, Lambda's "Init Duration") is reported beside the total. Imports by
package come from separate runs with PYTHONPROFILEIMPORTTIME set (profiling slows imports
down, so those runs are not timed).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.harness.events import http_event
from tests.harness.lambda_environment import LAMBDA_ENVIRON, LambdaEnvironment

from . import import_time
from .checks import Check, at_most, exact
from .deployment import LAMBDA_CODE, function_environ, lambda_environment, replica_set
from .settings import Settings
from .stats import Sample, paired_ratios

SECTION = "cold start"
TARGET = 1.10
START_BOUND_SECONDS = 30.0
HEALTH = http_event("GET", "/health")
BARE_SCRIPT = (
    "import os, pymongo\n"
    "client = pymongo.MongoClient(os.environ['MONGODB_URI'])\n"
    "client.admin.command('ping')\n"
    "print('pinged', flush=True)\n"
)
IMPORT_PROFILE = {"PYTHONPROFILEIMPORTTIME": "1"}


@dataclass(frozen=True)
class ColdStartResult:
    ours_ms: Sample
    reference_ms: Sample
    bare_ms: Sample
    ours_init_ms: Sample
    reference_init_ms: Sample
    snap_ms: Sample
    snap_init_ms: Sample
    """SnapStart init: what Lambda runs once per published version, before the snapshot."""
    ours_after_init_ms: Sample
    """On-demand: first `/next` poll to first response (lazy imports, connect, auth)."""
    snap_after_init_ms: Sample
    """After SnapStart init (as after a restore): first `/next` poll to first response."""
    moved_into_init_ms: Sample
    """Run by run, SnapStart init minus on-demand init: the imports moved into the snapshot."""
    ratio: Sample
    """Run-by-run ours/reference (process start to first response): the target figure."""
    ratio_to_bare: Sample
    imports_ours: dict[str, Sample]
    imports_reference: dict[str, Sample]
    import_total_ours: Sample
    import_total_reference: Sample
    failures: int
    enforce: bool

    def checks(self) -> list[Check]:
        return [
            exact(SECTION, "failed first invocations", self.failures, 0),
            at_most(SECTION, "ours vs reference under awslambdaric (median ratio)",
                    self.ratio.median, TARGET, enforced=self.enforce),
        ]  # fmt: skip


@dataclass(frozen=True)
class Start:
    init_seconds: float
    total_seconds: float
    ok: bool
    log: str


def lambda_cold_start(env: LambdaEnvironment, timeout_ms: int = 10_000) -> Start:
    """Start ``env`` with the first event already queued; time init and first response."""
    invocation = env.api.submit(HEALTH, timeout_ms)
    started = time.perf_counter()
    env.launch()
    bound = started + START_BOUND_SECONDS
    # Event.wait returns as soon as the event is set; the timeout only paces the checks.
    for event in (env.api.first_poll, invocation):
        while not event.wait(0.05):
            if not env.alive() or time.perf_counter() > bound:
                raise RuntimeError(f"cold start failed or timed out:\n{env.log()}")
        if event is env.api.first_poll:
            init = time.perf_counter() - started
    total = time.perf_counter() - started
    result = invocation.result()
    payload = result.payload if result.kind == "response" else {}
    ok = payload.get("statusCode") == 200 or payload.get("ok") == 1
    return Start(init, total, ok, env.log(tail_bytes=4_000_000))


def bare_cold_start(environ: Mapping[str, str]) -> float:
    """Seconds from process start to the line the bare script prints after its ping."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **LAMBDA_ENVIRON, **environ}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", BARE_SCRIPT], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=Path.cwd(),
    )  # fmt: skip
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], START_BOUND_SECONDS)
        line = process.stdout.readline() if ready else b""
        seconds = time.perf_counter() - started
        if line.strip() != b"pinged":
            raise RuntimeError(f"bare reference did not ping: {line!r}")
        return seconds
    finally:
        process.kill()
        process.wait(10)


def run(settings: Settings, progress: Callable[[str], None]) -> ColdStartResult:
    times: dict[str, list[float]] = {"ours": [], "snapstart": [], "reference": [], "bare": []}
    inits: dict[str, list[float]] = {"ours": [], "snapstart": [], "reference": []}
    imports: dict[str, list[dict[str, int]]] = {"ours": [], "reference": []}
    failures = 0
    with replica_set(settings.members) as deployment:
        environ = function_environ(deployment)

        def start(kind: str, extra: Mapping[str, str] | None = None) -> Start:
            env = (
                lambda_environment(environ, extra_environ=extra)
                if kind == "ours"
                else lambda_environment(environ, extra_environ=extra, init_type="snap-start")
                if kind == "snapstart"
                else lambda_environment(environ, handler="raw_ping.handler",
                                        code_root=LAMBDA_CODE, extra_environ=extra)
            )  # fmt: skip
            try:
                return lambda_cold_start(env)
            finally:
                env.close()

        kinds = ["ours", "snapstart", "reference", "bare"]
        for index in range(settings.cold_runs):
            progress(f"cold start: run {index + 1}/{settings.cold_runs}")
            turn = index % len(kinds)
            for kind in kinds[turn:] + kinds[:turn]:
                if kind == "bare":
                    times["bare"].append(bare_cold_start(environ))
                    continue
                measured = start(kind)
                times[kind].append(measured.total_seconds)
                inits[kind].append(measured.init_seconds)
                failures += not measured.ok
        for index in range(settings.import_time_runs):
            progress(f"cold start: import times, run {index + 1}/{settings.import_time_runs}")
            for kind in ("ours", "reference"):
                measured = start(kind, IMPORT_PROFILE)
                failures += not measured.ok
                imports[kind].append(import_time.self_time_by_package(measured.log))
    return ColdStartResult(
        ours_ms=Sample.of(times["ours"]).scaled(1000),
        reference_ms=Sample.of(times["reference"]).scaled(1000),
        bare_ms=Sample.of(times["bare"]).scaled(1000),
        ours_init_ms=Sample.of(inits["ours"]).scaled(1000),
        reference_init_ms=Sample.of(inits["reference"]).scaled(1000),
        snap_ms=Sample.of(times["snapstart"]).scaled(1000),
        snap_init_ms=Sample.of(inits["snapstart"]).scaled(1000),
        ours_after_init_ms=_after_init(times["ours"], inits["ours"]),
        snap_after_init_ms=_after_init(times["snapstart"], inits["snapstart"]),
        moved_into_init_ms=Sample.of(
            snap - ours for snap, ours in zip(inits["snapstart"], inits["ours"], strict=True)
        ).scaled(1000),
        ratio=paired_ratios(times["ours"], times["reference"]),
        ratio_to_bare=paired_ratios(times["ours"], times["bare"]),
        imports_ours=import_time.summarise(imports["ours"]),
        imports_reference=import_time.summarise(imports["reference"]),
        import_total_ours=import_time.total(imports["ours"]),
        import_total_reference=import_time.total(imports["reference"]),
        failures=failures,
        enforce=settings.enforce_time_targets,
    )


def _after_init(totals: list[float], inits: list[float]) -> Sample:
    """Milliseconds from the first `/next` poll to the first response, run by run."""
    return Sample.of(total - init for total, init in zip(totals, inits, strict=True)).scaled(1000)
