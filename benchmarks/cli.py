"""Run the benchmarks, write the Markdown report and the charts, judge the results.

    python -m benchmarks            full run; writes benchmarks/results/ (committed)
    python -m benchmarks --quick    CI run: every section and check, few repetitions,
                                    written to a fresh temporary folder
    python -m benchmarks --only warm cold --output /tmp/bench

Exit status: 0 when every enforced check is met, 1 when one is missed (the report says
which), 2 for bad arguments. Only a full run of every section writes benchmarks/results/
by default (those results are documentation and are committed); --quick and --only write
to a fresh temporary folder unless --output says otherwise.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from . import artifact, charts, cold_start, connections, offline_preview, packaging, warm
from .deployment import REPO
from .report import Results, render
from .settings import FULL, QUICK

SECTIONS = ("connections", "warm", "cold", "artifact", "preview")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPORT_NAME = "README.md"
PACKAGING_REPORT_NAME = "packaging.md"


def describe_machine() -> str:
    """Where the figures come from: they mean little without it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
            text=True, timeout=10, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("pymongo", "awslambdaric")
    )
    return (
        f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, CPython "
        f"{platform.python_version()}, {versions}; commit {commit}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def _progress(started: float) -> Callable[[str], None]:
    def report(line: str) -> None:
        print(f"[{time.monotonic() - started:6.1f} s] {line}", file=sys.stderr, flush=True)

    return report


def _output_dir(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return Path(args.output)
    if args.quick or args.only:
        return Path(tempfile.mkdtemp(prefix="atlas-lambda-bench-"))
    return RESULTS_DIR


def _write_charts(results: Results, output: Path) -> None:
    written: list[Path | None] = []
    if results.connections is not None:
        written.append(charts.connections_chart(results.connections, output / "connections.png"))
    written.append(
        charts.timings_chart(results.warm, results.cold, results.preview, output / "timings.png")
    )
    if results.cold is not None:
        written.append(charts.import_chart(results.cold, output / "import_time.png"))
    if results.artifact is not None:
        written.append(charts.artifact_chart(results.artifact, output / "artifact.png"))
    results.charts = [path.name for path in written if path is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few repetitions (CI)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run these sections only")
    parser.add_argument("--output", type=Path, help="folder for README.md and the PNGs")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    chosen = tuple(args.only or SECTIONS)
    output = _output_dir(args)
    output.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python -m benchmarks", *(["--quick"] if args.quick else []),
                        *(["--only", *chosen] if args.only else [])])  # fmt: skip
    started = time.monotonic()
    progress = _progress(started)
    results = Results(settings, describe_machine(), command)
    if "connections" in chosen:
        results.connections = connections.run(settings, progress)
    if "warm" in chosen:
        results.warm = warm.run(settings, progress)
    if "cold" in chosen:
        results.cold = cold_start.run(settings, progress)
    if "artifact" in chosen:
        results.artifact = artifact.run(settings, progress)
    if "preview" in chosen:
        results.preview = offline_preview.run(settings, progress)
    _write_charts(results, output)
    report_path = output / REPORT_NAME
    report_path.write_text(render(results))
    if results.artifact is not None:  # the packaging report, from the same measurement
        packaging_report = packaging.render(results.artifact.measured, command)
        (output / PACKAGING_REPORT_NAME).write_text(packaging_report)
    checks = results.checks()
    missed = [c for c in checks if not c.ok]
    for check in missed:
        print(f"{check.verdict}: [{check.section}] {check.name}: measured {check.measured}, "
              f"expected {check.expected}", file=sys.stderr)  # fmt: skip
    failed = [c for c in checks if c.failed]
    progress(
        f"done: {len(checks) - len(missed)}/{len(checks)} checks met"
        f"{f', {len(failed)} enforced check(s) missed' if failed else ''}; report {report_path}"
    )
    return 1 if failed else 0
