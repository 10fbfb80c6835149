"""Section 3: cold start as Lambda pays it, from the built artifact on read-only roots.

Every side is a built, extracted artifact run by the runtime's CPython under awslambdaric,
the roots read-only and PYTHONDONTWRITEBYTECODE=1, the runtime's compiled boto3 beside it
(`lambda_layout.py`), against the same replica set, in rotating order so that drift does
not favour one:

* **ours**: the sample handler with the bytecode the build ships, first event
  ``GET /health``;
* **ours, sources only**: the same artifact built without bytecode, which is what Lambda
  ran before: every module compiled from source by every new environment. The first
  target is ours over this (≤ 0.6);
* **reference**: ``lambda_code/raw_ping.py`` built the same way (bytecode included):
  ``import pymongo``, construct the client, ping. The second target is ours over this
  (≤ 1.10): what the library and the sample handler add to a cold start;
* **SnapStart init** (ours): ``AWS_LAMBDA_INITIALIZATION_TYPE=snap-start``, so init also
  imports what the first invocation would and the runtime client runs the snapshot
  hooks. Lambda pays that init once per published version; a restore skips it.

The first event is queued before the process starts, so the runtime client gets it at its
first ``/next`` poll, as Lambda hands an environment its first request. Init (process start
to first poll, Lambda's "Init Duration") and init to first response are reported apart.
Untimed extra runs give the import time by package (PYTHONPROFILEIMPORTTIME) and count
the modules compiled from source under the artifact's roots (an audit hook,
tests/packaging/shims); the roots are listed before and after, so a file written into them
would show.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.harness.events import http_event
from tests.harness.lambda_environment import LambdaEnvironment
from tests.packaging.lambda_like import (
    SHIMS,
    compiled_modules,
    counting_compiles,
    listing,
    written_since,
)

from . import import_time
from .checks import Check, at_most, exact
from .deployment import function_environ, replica_set
from .lambda_layout import LambdaLayout, lambda_layout
from .settings import Settings
from .stats import Sample, paired_ratios

SECTION = "cold start"
TARGET = 1.10
BYTECODE_TARGET = 0.6
START_BOUND_SECONDS = 30.0
HEALTH = http_event("GET", "/health")
IMPORT_PROFILE = {"PYTHONPROFILEIMPORTTIME": "1"}
KINDS = ("ours", "ours_source", "reference", "snapstart")
"""Timed sides; `snapstart` is ours with SnapStart's init."""


@dataclass(frozen=True)
class Timing:
    """Per side, over the runs: init, init to first response, and the two together."""

    init_ms: Sample
    after_init_ms: Sample
    total_ms: Sample


@dataclass(frozen=True)
class ColdStartResult:
    setup: str
    """What ran: runtime, interpreter, runtime packages, bytecode size, read-only mode."""
    timings: dict[str, Timing]
    ratio: Sample
    """Run-by-run ours/reference, init + first response: the 1.10 target."""
    bytecode_ratio: Sample
    """Run-by-run ours (bytecode)/ours (sources only): the 0.6 target."""
    moved_into_init_ms: Sample
    """Run by run, SnapStart init minus on-demand init: the imports moved into the snapshot."""
    imports: dict[str, dict[str, Sample]]
    """Per side (ours, ours_source, reference), ms of import self time per package."""
    import_totals: dict[str, Sample]
    compiled: dict[str, int]
    """Per side, modules compiled from source under the artifact's roots in one cold start."""
    written: list[str]
    """Paths that appeared under the read-only roots (expected: none)."""
    read_only: str
    sizes: dict[str, tuple[int, int]]
    """(zipped, unzipped) bytes of code + layer, with bytecode ("ours") and without."""
    runtime: str
    failures: int
    enforce: bool

    @property
    def ours_ms(self) -> Sample:
        return self.timings["ours"].total_ms

    @property
    def reference_ms(self) -> Sample:
        return self.timings["reference"].total_ms

    @property
    def source_ms(self) -> Sample:
        return self.timings["ours_source"].total_ms

    def checks(self) -> list[Check]:
        return [
            exact(SECTION, "failed first invocations", self.failures, 0),
            exact(SECTION, "modules compiled from source with bytecode shipped (ours, reference)",
                  self.compiled["ours"] + self.compiled["reference"], 0),
            exact(SECTION, "files written into the read-only roots", len(self.written), 0),
            at_most(SECTION, "with bytecode vs sources only (median ratio)",
                    self.bytecode_ratio.median, BYTECODE_TARGET, enforced=self.enforce),
            at_most(SECTION, "ours vs reference, both built with bytecode (median ratio)",
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


def _start(
    layout: LambdaLayout, environ: Mapping[str, str], kind: str,
    extra: Mapping[str, str] | None = None, extra_paths: tuple[Path, ...] = (),
) -> Start:  # fmt: skip
    side = "ours" if kind == "snapstart" else kind
    init_type = "snap-start" if kind == "snapstart" else "on-demand"
    env = layout.environment(side, environ, init_type=init_type, extra_environ=extra,
                             extra_paths=extra_paths)  # fmt: skip
    try:
        return lambda_cold_start(env)
    finally:
        env.close()


def _compiled(layout: LambdaLayout, environ: Mapping[str, str], side: str) -> tuple[int, bool]:
    """Modules one cold start of `side` compiles from source under its roots, and its ok."""
    with tempfile.TemporaryDirectory(prefix="atlas-lambda-compiles-") as scratch:
        log = Path(scratch) / "compiled.log"
        counting = counting_compiles(log, layout.sides[side].roots)
        measured = _start(layout, environ, side, counting, (SHIMS,))
        return len(compiled_modules(log)), measured.ok


def run(settings: Settings, progress: Callable[[str], None]) -> ColdStartResult:
    totals: dict[str, list[float]] = {kind: [] for kind in KINDS}
    inits: dict[str, list[float]] = {kind: [] for kind in KINDS}
    imports: dict[str, list[dict[str, int]]] = {"ours": [], "ours_source": [], "reference": []}
    compiled: dict[str, int] = {}
    failures = 0
    with lambda_layout(progress) as layout, replica_set(settings.members) as deployment:
        environ = function_environ(deployment)
        before = listing(layout.roots)
        for index in range(settings.cold_runs):
            progress(f"cold start: run {index + 1}/{settings.cold_runs}")
            turn = index % len(KINDS)
            for kind in KINDS[turn:] + KINDS[:turn]:
                measured = _start(layout, environ, kind)
                totals[kind].append(measured.total_seconds)
                inits[kind].append(measured.init_seconds)
                failures += not measured.ok
        for index in range(settings.import_time_runs):
            progress(f"cold start: import times, run {index + 1}/{settings.import_time_runs}")
            for side in imports:
                measured = _start(layout, environ, side, IMPORT_PROFILE)
                failures += not measured.ok
                imports[side].append(import_time.self_time_by_package(measured.log))
        progress("cold start: modules compiled from source, per side")
        for side in imports:
            compiled[side], ok = _compiled(layout, environ, side)
            failures += not ok
        written = written_since(layout.roots, before)
        setup = layout.describe()
        read_only = layout.read_only
        sizes = {side: (layout.sides[side].package.zipped_bytes,
                        layout.sides[side].package.unzipped_bytes)
                 for side in ("ours", "ours_source")}  # fmt: skip
        runtime = layout.runtime
    return ColdStartResult(
        setup=setup,
        timings={kind: _timing(totals[kind], inits[kind]) for kind in KINDS},
        ratio=paired_ratios(totals["ours"], totals["reference"]),
        bytecode_ratio=paired_ratios(totals["ours"], totals["ours_source"]),
        moved_into_init_ms=Sample.of(
            snap - ours for snap, ours in zip(inits["snapstart"], inits["ours"], strict=True)
        ).scaled(1000),
        imports={side: import_time.summarise(runs) for side, runs in imports.items()},
        import_totals={side: import_time.total(runs) for side, runs in imports.items()},
        compiled=compiled,
        written=written,
        read_only=read_only,
        sizes=sizes,
        runtime=runtime,
        failures=failures,
        enforce=settings.enforce_time_targets,
    )


def _timing(totals: list[float], inits: list[float]) -> Timing:
    return Timing(
        init_ms=Sample.of(inits).scaled(1000),
        after_init_ms=Sample.of(t - i for t, i in zip(totals, inits, strict=True)).scaled(1000),
        total_ms=Sample.of(totals).scaled(1000),
    )
