"""PNG charts of a benchmark run (matplotlib, no display needed).

Every bar or point is a median with a min-max whisker, like the tables; model predictions
are drawn beside measurements in the same colour, dashed or hatched, so a gap between the
two is visible at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # files only: CI and servers have no display

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from components.guardrails.lambda_limits import DEFAULT_RUNTIME

from .connections import CURVES, ConnectionsResult
from .packaging import BENCH_ARCHITECTURE
from .stats import Sample

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .artifact import ArtifactResult
    from .cold_start import ColdStartResult
    from .offline_preview import PreviewResult
    from .warm import WarmResult

OURS = "#1b7837"
REFERENCE = "#777777"
ANTI_PATTERN = "#c51b7d"
STREAM = "#2166ac"
CURVE_COLOURS = {"reused": OURS, "per_invocation": ANTI_PATTERN, "stream": STREAM}
DPI = 110


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    plt.close(figure)
    return path


def _whiskers(samples: Sequence[Sample]) -> list[list[float]]:
    return [[s.median - s.min for s in samples], [s.max - s.median for s in samples]]


def _bars(
    axes: Axes, labels: Sequence[str], samples: Sequence[Sample], colours: Sequence[str],
    unit: str, digits: int = 1,
) -> None:  # fmt: skip
    positions = range(len(samples))
    axes.bar(positions, [s.median for s in samples], color=colours, yerr=_whiskers(samples),
             capsize=4, width=0.6)  # fmt: skip
    axes.set_xticks(list(positions), labels)
    axes.set_ylabel(unit)
    top = max(s.max for s in samples)
    for x, sample in zip(positions, samples, strict=True):
        axes.text(x, sample.max + top * 0.02, f"{sample.median:.{digits}f}", ha="center",
                  va="bottom", fontsize=9)  # fmt: skip
    axes.set_ylim(0, top * 1.18)
    axes.grid(axis="y", alpha=0.3)


def connections_chart(result: ConnectionsResult, path: Path) -> Path:
    figure, (curves, nodes) = plt.subplots(1, 2, figsize=(12, 4.8),
                                           gridspec_kw={"width_ratios": [1.5, 1]})  # fmt: skip
    ticks: set[int] = set()
    for order, key in enumerate(CURVES):
        curve = result.curves[key]
        xs = list(curve.points)
        samples = [curve.sample(i, lambda p: p.accepted) for i in range(len(xs))]
        predicted = [curve.predicted(n) for n in xs]
        ticks.update(predicted)
        colour = CURVE_COLOURS[key]
        curves.errorbar(xs, [s.median for s in samples], yerr=_whiskers(samples), color=colour,
                        marker="o", markersize=7, linewidth=2.5, capsize=3,
                        label=f"{curve.variant.label}")  # fmt: skip
        # The model on top, thin and black: where it hides the measurement, they agree.
        curves.plot(xs, predicted, color="black", linestyle=":", linewidth=1.2, marker="x",
                    markersize=8, zorder=5,
                    label="budget model (components/guardrails/budget.py)" if order == 0 else None)
        curves.annotate(f"{samples[-1].median:,.0f}", (xs[-1], samples[-1].median),
                        textcoords="offset points", xytext=(9, -4), color=colour,
                        fontsize=10, fontweight="bold")  # fmt: skip
    curves.set_xscale("log")
    curves.set_yscale("log")
    curves.set_xlabel("invocations of one execution environment")
    curves.set_ylabel("connections opened (all members)")
    curves.set_title(f"Connections vs invocations (awslambdaric, {result.members}-member "
                     "replica set)", fontsize=11)  # fmt: skip
    integer = FuncFormatter(lambda value, _: f"{value:,.0f}")
    curves.xaxis.set_major_formatter(integer)
    curves.set_yticks(sorted(ticks))
    curves.yaxis.set_major_formatter(integer)
    curves.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))
    curves.set_xlim(0.7, max(curves.get_xlim()[1], result.curves[CURVES[0]].points[-1] * 2.5))
    curves.grid(which="major", alpha=0.3)
    curves.legend(fontsize=8, loc="upper left")

    last = result.environments
    n = last[0].environments
    roles = ["primary"] + [f"secondary {i}" for i in range(1, result.members)]
    measured = [Sample.of(m.open_per_server()[i] for m in last) for i in range(result.members)]
    model = result.per_node_model(n)
    xs = list(range(result.members))
    nodes.bar([x - 0.2 for x in xs], [s.median for s in measured], width=0.4, color=OURS,
              yerr=_whiskers(measured), capsize=4, label="measured (open)")  # fmt: skip
    nodes.bar([x + 0.2 for x in xs], model, width=0.4, color="white", edgecolor=OURS,
              hatch="//", label="budget model")  # fmt: skip
    for x, sample, predicted in zip(xs, measured, model, strict=True):
        nodes.text(x - 0.2, sample.median, f"{sample.median:.0f}", ha="center", va="bottom",
                   fontsize=9)  # fmt: skip
        nodes.text(x + 0.2, predicted, f"{predicted}", ha="center", va="bottom", fontsize=9)
    nodes.set_xticks(xs, roles)
    nodes.set_ylabel("open connections")
    nodes.set_xlabel(f"total {sum(s.median for s in measured):.0f} measured, {sum(model)} model")
    nodes.set_ylim(0, max(model) * 1.2)
    nodes.set_title(f"{n} environments alive at once, per node",
                    fontsize=11)  # fmt: skip
    nodes.legend(fontsize=8)
    nodes.grid(axis="y", alpha=0.3)
    return _save(figure, path)


def timings_chart(
    warm: WarmResult | None, cold: ColdStartResult | None, preview: PreviewResult | None,
    path: Path,
) -> Path | None:  # fmt: skip
    panels = [p for p in (warm, cold, preview) if p is not None]
    if not panels:
        return None
    figure, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 4.4))
    axes = [axes] if len(panels) == 1 else list(axes)
    index = 0
    if warm is not None:
        _bars(axes[index], ["/health\n(this library)", "raw ping\n(reference)"],
              [warm.handler_ms, warm.raw_ms], [OURS, REFERENCE], "ms per invocation", 3)
        axes[index].set_title(f"Warm invocation, ratio {warm.ratio.median:.3f} (≤ 1.05)",
                              fontsize=10)  # fmt: skip
        index += 1
    if cold is not None:
        _bars(axes[index], ["with bytecode\n(this library)", "sources only\n(this library)",
                            "raw ping\n(reference)"],
              [cold.ours_ms, cold.source_ms, cold.reference_ms], [OURS, ANTI_PATTERN, REFERENCE],
              "ms, init + first response (artifact, read-only)", 0)  # fmt: skip
        axes[index].set_title(f"Cold start: {cold.bytecode_ratio.median:.2f} of sources only "
                              f"(≤ 0.6), {cold.ratio.median:.2f} of reference (≤ 1.10)",
                              fontsize=9)  # fmt: skip
        index += 1
    if preview is not None:
        stacks = list(preview.stacks_s)
        _bars(axes[index], [f"preview {s}" for s in stacks]
              + ["import SDKs\n(reference)", "+ modules\nused"],
              [preview.stacks_s[s] for s in stacks] + [preview.sdk_import_s, preview.sdk_used_s],
              [OURS] * len(stacks) + [REFERENCE, "#bbbbbb"], "seconds, fresh process",
              2)  # fmt: skip
        ratios = ", ".join(f"{preview.ratios[s].median:.2f}" for s in stacks)
        axes[index].set_title(f"Offline preview: {ratios} of SDK import (≤ 2.0)", fontsize=10)
    return _save(figure, path)


def import_chart(cold: ColdStartResult, path: Path, top: int = 12) -> Path:
    sources = cold.imports["ours_source"]
    names = sorted(sources, key=lambda n: -sources[n].median)[:top]
    zero = Sample.of([0.0])
    series = [("ours_source", "this library, sources only", ANTI_PATTERN),
              ("ours", "this library, with bytecode", OURS),
              ("reference", "raw_ping reference, with bytecode", REFERENCE)]  # fmt: skip
    figure, axes = plt.subplots(figsize=(8, 0.5 * len(names) + 1.4))
    ys = list(range(len(names)))
    for offset, (side, label, colour) in zip((-0.27, 0.0, 0.27), series, strict=True):
        samples = [cold.imports[side].get(n, zero) for n in names]
        axes.barh([y + offset for y in ys], [s.median for s in samples], height=0.27,
                  color=colour,
                  label=f"{label} (total {cold.import_totals[side].median:.0f} ms)")  # fmt: skip
    axes.set_yticks(ys, names)
    axes.invert_yaxis()
    axes.set_xlabel("ms of import (self time by top-level package, -X importtime)")
    axes.set_title("Import time by package in a cold start from the read-only artifact",
                   fontsize=10)  # fmt: skip
    axes.legend(fontsize=8, loc="lower right")
    axes.grid(axis="x", alpha=0.3)
    return _save(figure, path)


def artifact_chart(artifact: ArtifactResult, path: Path) -> Path:
    figure, (size, build) = plt.subplots(1, 2, figsize=(11, 4.2))
    mb = 1024 * 1024
    groups = ["zipped", "unzipped"]
    ours = [artifact.ours.zipped / mb, artifact.ours.unzipped / mb]
    naive = [artifact.naive_target.zipped / mb, artifact.naive_target.unzipped / mb]
    xs = list(range(len(groups)))
    size.bar([x - 0.2 for x in xs], ours, width=0.4, color=OURS,
             label=f"this library ({artifact.ours.files} files)")  # fmt: skip
    size.bar([x + 0.2 for x in xs], naive, width=0.4, color=REFERENCE,
             label=f"naive pip install -t ({artifact.naive_target.files} files)")  # fmt: skip
    for x, a, b in zip(xs, ours, naive, strict=True):
        size.text(x - 0.2, a, f"{a:.1f}", ha="center", va="bottom", fontsize=9)
        size.text(x + 0.2, b, f"{b:.1f}", ha="center", va="bottom", fontsize=9)
    size.set_xticks(xs, groups)
    size.set_ylabel(f"MB ({BENCH_ARCHITECTURE}, {DEFAULT_RUNTIME})")
    size.set_title(f"Artifact size, zipped ratio {artifact.ratio('zipped'):.2f}", fontsize=10)
    size.legend(fontsize=8)
    size.grid(axis="y", alpha=0.3)
    _bars(build, ["first build\n(empty caches)", "first build\n(warm uv cache)", "cached build",
                  "naive pip\ninstall -t"],
          [artifact.first_s, artifact.warm_uv_s, artifact.cached_s, artifact.naive_s],
          [REFERENCE, "#999999", OURS, "#bbbbbb"], "seconds", 2)  # fmt: skip
    build.set_title(f"Build time, cached/first {artifact.cached_vs_first.median:.3f}",
                    fontsize=10)  # fmt: skip
    return _save(figure, path)
