"""Packaging, measured side by side in one run: size against a naive `pip install -t`, and a
first build against a cached one.

    python -m benchmarks.packaging [--runs 3] [--output benchmarks/results/packaging.md]

Naive = what a tutorial does: `pip install -r function/requirements.txt -t dir`, zip the
folder. Measured twice: for the build machine (the usual mistake) and for the Lambda
target (`--platform`), so the size ratio is not just "x86_64 vs arm64". Both zips use the
same deflate settings as ours. Times are wall-clock medians with min and max; a "first"
build starts with an empty build folder *and* an empty uv cache, so it downloads.
Not part of the test run (needs PyPI and takes a minute).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from components.guardrails.lambda_limits import DEFAULT_RUNTIME
from components.packaging.build import FunctionPackage, build_function_package
from components.packaging.requirements import read_requirements
from components.packaging.target import Target, lambda_target
from components.packaging.tree import pulumi_view, zipped_size

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = REPO / "function" / "requirements.txt"
DEFAULT_OUTPUT = REPO / "benchmarks" / "results" / "packaging.md"
# The stack's default target: what a user deploys unless they choose otherwise.
BENCH_ARCHITECTURE = "arm64"


@dataclass
class Sample:
    seconds: list[float]

    def row(self) -> str:
        median = statistics.median(self.seconds)
        return f"{median:.2f} s | {min(self.seconds):.2f} s | {max(self.seconds):.2f} s"


@contextmanager
def environ(**values: str):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def speedup(fast: Sample, slow: Sample) -> float:
    return statistics.median(fast.seconds) / statistics.median(slow.seconds)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def naive_install(dest: Path, *extra: str) -> tuple[int, int, int]:
    """pip install -r requirements -t dest; (files, unzipped bytes, zipped bytes)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(REQUIREMENTS), "-t", str(dest), *extra],
        check=True, capture_output=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
    )  # fmt: skip
    view = pulumi_view(dest)
    members = [(entry.name, dest / entry.name) for entry in view.entries]
    return view.file_count, view.total_size, zipped_size(members)


def build(source: Path, cache: Path, **options: object) -> FunctionPackage:
    return build_function_package(
        source, handler="handler.handler", cache_dir=cache, progress=None, **options
    )  # type: ignore[arg-type]


@dataclass(frozen=True)
class PackagingMeasurement:
    """Everything one benchmark run measured; ``render`` turns it into the Markdown report,
    and ``python -m benchmarks`` (benchmarks/artifact.py) into its own table and chart."""

    runs: int
    target: Target
    package: FunctionPackage
    one_zip: FunctionPackage
    naive_local: tuple[int, int, int]
    """(files, unzipped bytes, zipped bytes) of `pip install -t` for the build machine."""
    naive_target: tuple[int, int, int]
    """The same, with pip's `--platform` options for the Lambda target."""
    first: Sample
    warm: Sample
    cached: Sample
    naive_time: Sample


def measure(runs: int) -> PackagingMeasurement:
    source = REPO / "function"
    target = lambda_target(BENCH_ARCHITECTURE, DEFAULT_RUNTIME)
    first, warm, cached, naive_time = Sample([]), Sample([]), Sample([]), Sample([])
    package: FunctionPackage | None = None
    one_zip: FunctionPackage | None = None
    naive_local = naive_target = (0, 0, 0)
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-packaging-") as scratch:
            root = Path(scratch)
            with environ(UV_CACHE_DIR=str(root / "uv-cache")):
                seconds, package = timed(lambda: build(source, root / "cold"))  # noqa: B023
                first.seconds.append(seconds)
            seconds, _ = timed(lambda: build(source, root / "warm"))  # noqa: B023
            warm.seconds.append(seconds)
            seconds, again = timed(lambda: build(source, root / "warm"))  # noqa: B023
            cached.seconds.append(seconds)
            assert again.cache_hit and again.hash == package.hash  # type: ignore[union-attr]
            one_zip = build(source, root / "warm", layer=False)
            seconds, naive_local = timed(lambda: naive_install(root / "naive-local"))  # noqa: B023
            naive_time.seconds.append(seconds)
            naive_target = naive_install(
                root / "naive-target", "--only-binary=:all:", *target.pip_args()
            )
    assert package is not None and one_zip is not None
    return PackagingMeasurement(
        runs, target, package, one_zip, naive_local, naive_target,  # type: ignore[arg-type]
        first, warm, cached, naive_time,
    )  # fmt: skip


def render(measured: PackagingMeasurement, command: str | None = None) -> str:
    runs, target = measured.runs, measured.target
    command = command or f"python -m benchmarks.packaging --runs {runs}"
    package, one_zip = measured.package, measured.one_zip
    naive_local, naive_target = measured.naive_local, measured.naive_target
    first, warm, cached, naive_time = (
        measured.first, measured.warm, measured.cached, measured.naive_time
    )  # fmt: skip
    layer = package.layer
    assert layer is not None

    def ratio(ours: int, theirs: int) -> str:
        return f"{ours / theirs:.2f} of it ({(1 - ours / theirs) * 100:.0f}% smaller)"

    lines = [
        "# Packaging benchmark",
        "",
        f"`{command}` on {platform.machine()} "
        f"{platform.system()}, CPython {platform.python_version()}; function/requirements.txt "
        f"= `{' '.join(pin.line for pin in read_requirements(REQUIREMENTS))}`. "
        f"Target: {BENCH_ARCHITECTURE} {DEFAULT_RUNTIME} ({target.manylinux}).",
        "",
        "## Size",
        "",
        "| artifact | files | unzipped | zipped |",
        "|---|---:|---:|---:|",
        f"| ours, code | {package.code.file_count} | {package.code.unzipped_bytes:,} B "
        f"| {package.code.zipped_bytes:,} B |",
        f"| ours, layer (`python/`) | {layer.file_count} | {layer.unzipped_bytes:,} B "
        f"| {layer.zipped_bytes:,} B |",
        f"| ours, one zip (`--no-layer`) | {one_zip.file_count} | {one_zip.unzipped_bytes:,} B "
        f"| {one_zip.zipped_bytes:,} B |",
        f"| naive `pip install -t`, build machine | {naive_local[0]} | {naive_local[1]:,} B "
        f"| {naive_local[2]:,} B |",
        f"| naive `pip install -t --platform`, target | {naive_target[0]} "
        f"| {naive_target[1]:,} B | {naive_target[2]:,} B |",
        "",
        f"- ours (one zip) vs naive, build machine: {ratio(one_zip.zipped_bytes, naive_local[2])}",
        f"- ours (one zip) vs naive, same target: {ratio(one_zip.zipped_bytes, naive_target[2])}",
        f"- code-only deploy with the layer: {package.code.zipped_bytes:,} B uploaded instead of "
        f"{one_zip.zipped_bytes:,} B",
        "",
        "The naive folders carry boto3/botocore/s3transfer/urllib3/… (the runtime has them), "
        "`__pycache__` compiled by the build machine's Python, `bin/` scripts and installer "
        "records.",
        "",
        f"## Time (median | min | max of {runs} runs)",
        "",
        "| build | median | min | max |",
        "|---|---:|---:|---:|",
        f"| first build: empty build folder, empty uv cache (downloads) | {first.row()} |",
        f"| first build here: empty build folder, warm uv cache | {warm.row()} |",
        f"| cached build (dependency install reused) | {cached.row()} |",
        f"| naive `pip install -t` (for reference, pip's own cache) | {naive_time.row()} |",
        "",
        f"Cached build / first build (medians): {speedup(cached, first):.3f}; "
        f"cached / warm-uv first build: {speedup(cached, warm):.3f}.",
        "",
    ]
    return "\n".join(lines)


def run(runs: int) -> str:
    return render(measure(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if shutil.which("uv") is None and not (Path(sys.executable).parent / "uv").exists():
        print("note: uv not found; builds use the pip fallback", file=sys.stderr)
    report = run(args.runs)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
