"""The Markdown report of a benchmark run: a summary table of ratios, then each section.

Figures are `median [min, max]` over the run's repetitions; a ratio is this library's
figure over its reference, computed run by run before taking the median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from components.guardrails.lambda_limits import DEFAULT_RUNTIME

from .artifact import ArtifactResult, Size
from .checks import Check
from .cold_start import BYTECODE_TARGET, ColdStartResult
from .cold_start import TARGET as COLD_TARGET
from .connections import CURVES, ConnectionsResult
from .offline_preview import TARGET as PREVIEW_TARGET
from .offline_preview import USED_SDK_MODULES, PreviewResult
from .packaging import BENCH_ARCHITECTURE
from .settings import Settings
from .stats import Sample
from .warm import WarmResult

MB = 1024 * 1024


@dataclass
class Results:
    """What one run measured; a section left out by --only is None."""

    settings: Settings
    environment: str
    command: str
    connections: ConnectionsResult | None = None
    warm: WarmResult | None = None
    cold: ColdStartResult | None = None
    artifact: ArtifactResult | None = None
    preview: PreviewResult | None = None
    charts: list[str] = field(default_factory=list)

    def checks(self) -> list[Check]:
        sections = (self.connections, self.warm, self.cold, self.artifact, self.preview)
        return [check for section in sections if section is not None for check in section.checks()]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _times(ratio: float) -> str:
    return f"{ratio:,.0f}x" if ratio >= 10 else f"{ratio:.2f}x"


def _verdict(checks: list[Check], name_part: str) -> str:
    chosen = [c for c in checks if name_part in c.name]
    if not chosen:
        return ""
    return "met" if all(c.ok for c in chosen) else chosen[0].verdict


def summary(results: Results) -> list[str]:
    rows: list[list[str]] = []
    checks = results.checks()
    c = results.connections
    if c is not None:
        reused = c.curves["reused"]
        last = len(reused.points) - 1
        n = reused.points[last]
        base = reused.sample(last, lambda p: p.accepted)
        for key in CURVES:
            curve = c.curves[key]
            sample = curve.sample(last, lambda p: p.accepted)
            rows.append([
                f"connections opened, {n:,} invocations: {curve.variant.label}",
                f"{sample.median:,.0f}", f"model {curve.predicted(n):,}",
                f"{sample.median / curve.predicted(n):.2f} of model"
                + ("" if key == "reused" else f"; {_times(sample.median / base.median)} reused"),
                "= model", _verdict(checks, f"{key}: connections after"),
            ])  # fmt: skip
        env = c.environments[0].environments
        primary = [m.open_per_server()[0] for m in c.environments]
        rows.append([
            f"{env} environments at once: open on the primary", f"{max(primary)}",
            f"model {c.per_node_model(env)[0]}", f"{max(primary) / c.per_node_model(env)[0]:.2f}",
            "= model", _verdict(checks, "environments: open per node"),
        ])  # fmt: skip
    w = results.warm
    if w is not None:
        rows.append([
            "warm invocation, /health vs raw ping (through awslambdaric)",
            w.handler_ms.format("ms", 3), w.raw_ms.format("ms", 3), w.ratio.format(digits=3),
            "≤ 1.05", _verdict(checks, "through the runtime client"),
        ])  # fmt: skip
        rows.append([
            "warm, /health vs raw ping answering the same HTTP response (diagnostic)",
            w.handler_ms.format("ms", 3), w.raw_http_ms.format("ms", 3),
            w.ratio_to_raw_http.format(digits=3), "-", "",
        ])  # fmt: skip
        rows.append([
            "warm, /health vs raw ping in-process (handler's own work; diagnostic)",
            w.probe_handler_us.format("µs", 0), w.probe_raw_us.format("µs", 0),
            w.probe_ratio.format(digits=3), "-", "",
        ])  # fmt: skip
    cs = results.cold
    if cs is not None:
        rows.append([
            "cold start (init + first response), artifact with bytecode vs sources only",
            cs.ours_ms.format("ms", 0), cs.source_ms.format("ms", 0),
            cs.bytecode_ratio.format(digits=3), f"≤ {BYTECODE_TARGET}",
            _verdict(checks, "with bytecode vs sources only"),
        ])  # fmt: skip
        rows.append([
            "cold start vs raw-ping reference built the same way (both with bytecode)",
            cs.ours_ms.format("ms", 0), cs.reference_ms.format("ms", 0),
            cs.ratio.format(digits=3), f"≤ {COLD_TARGET:.2f}",
            _verdict(checks, "ours vs reference"),
        ])  # fmt: skip
        ours, ref = cs.timings["ours"], cs.timings["reference"]
        rows.append([
            "... of which init (Lambda's Init Duration), ours vs reference",
            ours.init_ms.format("ms", 0), ref.init_ms.format("ms", 0), "-", "-", "",
        ])  # fmt: skip
        rows.append([
            "... of which init to first response, ours vs reference",
            ours.after_init_ms.format("ms", 0), ref.after_init_ms.format("ms", 0), "-", "-", "",
        ])  # fmt: skip
        (zipped, unzipped), (zipped_src, unzipped_src) = cs.sizes["ours"], cs.sizes["ours_source"]
        rows.append([
            f"artifact ({cs.runtime}, code + layer) zipped: with bytecode vs sources only",
            f"{zipped / MB:.2f} MB", f"{zipped_src / MB:.2f} MB", f"{zipped / zipped_src:.2f}",
            "≤ 50 MB", "",
        ])  # fmt: skip
        rows.append([
            "... unzipped: with bytecode vs sources only",
            f"{unzipped / MB:.2f} MB", f"{unzipped_src / MB:.2f} MB",
            f"{unzipped / unzipped_src:.2f}", "≤ 250 MB", "",
        ])  # fmt: skip
        rows.append([
            "modules compiled from source in a cold start: with bytecode vs sources only",
            f"{cs.compiled['ours']}", f"{cs.compiled['ours_source']}", "-", "0 with bytecode",
            _verdict(checks, "modules compiled from source"),
        ])  # fmt: skip
    a = results.artifact
    if a is not None:
        for name, unit, scale in (("zipped", "MB", MB), ("unzipped", "MB", MB), ("files", "", 1)):
            ours, naive = getattr(a.ours, name) / scale, getattr(a.naive_target, name) / scale
            digits = 2 if scale != 1 else 0
            rows.append([
                f"artifact {name} vs naive pip install -t (same target)",
                f"{ours:,.{digits}f} {unit}".strip(), f"{naive:,.{digits}f} {unit}".strip(),
                f"{a.ratio(name):.3f}", "< 1" if name == "zipped" else "-",
                _verdict(checks, "zipped size below") if name == "zipped" else "",
            ])  # fmt: skip
        rows.append([
            "cached build vs first build (empty caches)", a.cached_s.format("s", 2),
            a.first_s.format("s", 2), a.cached_vs_first.format(digits=3), "< 1",
            _verdict(checks, "cached build faster"),
        ])  # fmt: skip
    p = results.preview
    if p is not None:
        for stack, sample in p.stacks_s.items():
            rows.append([
                f"offline preview `{stack}` vs bare import of the provider SDKs",
                sample.format("s", 2), p.sdk_import_s.format("s", 2),
                p.ratios[stack].format(digits=2), f"≤ {PREVIEW_TARGET:.1f}",
                _verdict(checks, f"preview {stack} vs bare import"),
            ])  # fmt: skip
        rows.append([
            "... importing only the SDK modules the program uses (floor) vs bare import",
            p.sdk_used_s.format("s", 2), p.sdk_import_s.format("s", 2),
            Sample.of(u / s for u, s in zip(p.sdk_used_s.values, p.sdk_import_s.values,
                                             strict=True)).format(digits=2), "-", "",
        ])  # fmt: skip
    return _table(["figure", "this library", "reference", "ratio", "target", "verdict"], rows,
                  "lrrrrl")  # fmt: skip


def connections_section(c: ConnectionsResult) -> list[str]:
    lines = [
        "## 1. Connections vs invocations",
        "",
        f"One execution environment (awslambdaric process, the sample handler's workload: "
        f"write, list, ping) against a {c.members}-member replica set requiring MONGODB-AWS "
        f"whose servers answer the streaming hello (topologyVersion, awaitable hello), as "
        f"Atlas does. Connections opened = TCP connections the servers accepted, all members "
        f"together, read once the counts settle. Model = components/guardrails/budget.py "
        f"(`connections_per_environment`): per environment one monitor per member + one "
        f"pooled connection; per invocation, a new environment's worth each time; streaming "
        f"adds PyMongo's round-trip-time monitor (one more connection per member).",
        "",
    ]
    header = ["variant", "invocations", "opened (measured)", "model", "open at end",
              "monitor / pool opened", "authentications (STS calls)"]  # fmt: skip
    rows = []
    for curve in c.curves.values():
        for index, n in enumerate(curve.points):
            rows.append([
                curve.variant.label, f"{n:,}",
                curve.sample(index, lambda p: p.accepted).format(digits=0),
                f"{curve.predicted(n):,}",
                curve.sample(index, lambda p: p.open).format(digits=0),
                f"{curve.runs[0][index].accepted_monitor:,} / "
                f"{curve.runs[0][index].accepted_pool:,}",
                curve.sample(index, lambda p: p.authentications).format(digits=0),
            ])  # fmt: skip
    lines += _table(header, rows, "lrrrrrr")
    lines += [
        "A client per invocation is never closed, but CPython frees it when the invocation "
        "returns and its connections close again (open at end: 0). The cost is churn: every "
        "invocation opens a monitor per member plus a pooled connection (each a TCP and, on "
        "Atlas, a TLS handshake) and runs one MONGODB-AWS conversation (one STS call on "
        "Atlas, 600/s per account and region).",
        "",
        "The control row (stream requested, server without the streaming hello) shows why the "
        "benchmark's server had to learn it: against the plain test server PyMongo silently "
        "polls, and streaming would look free.",
        "",
    ]
    env_rows = []
    for m in c.environments:
        env_rows.append([
            f"{m.environments}", str(m.open_per_server()), str(c.per_node_model(m.environments)),
            f"{m.accepted_total}", f"{m.failed_invocations}",
        ])  # fmt: skip
    lines += [f"### {c.environments[0].environments} environments at once", "",
              "Processes alive together, each invoked 3 times (write, list, ping); open "
              "connections per node, primary first, one row per run.", ""]  # fmt: skip
    lines += _table(["environments", "open per node", "model per node", "accepted", "failed"],
                    env_rows)  # fmt: skip
    return lines


def warm_section(w: WarmResult, settings: Settings) -> list[str]:
    lines = [
        "## 2. Warm invocation overhead",
        "",
        "**What is compared, and why.** A raw ping loop in the benchmark's own process is "
        "not comparable with an invocation, which also crosses the Runtime API and the "
        "runtime client. So both sides run as Lambda handlers, each in its own awslambdaric "
        "process started from its built artifact as in section 3 (read-only roots, the "
        "runtime's CPython), against the same server, alternating invocation by invocation: the "
        "sample handler's `GET /health` and `benchmarks/lambda_code/raw_ping.py` "
        "(module-level `MongoClient`, handler = `client.admin.command(\"ping\")`). Each is "
        "timed from submission to the posted response; the ratio is the target figure. "
        "This harness's Runtime API is Python's http.server, slower than Lambda's own, and "
        "the server a loopback Python process, faster than a network round trip to Atlas: "
        "both shape the denominator, neither favours a side.",
        "",
    ]
    rows = [
        ["`GET /health`, the sample handler (this library)", w.handler_ms.format("ms", 3), ""],
        ["`raw_ping.py`: `client.admin.command(\"ping\")` (reference)",
         w.raw_ms.format("ms", 3), f"**{w.ratio.format(digits=3)}**"],
        ["`raw_http_ping.py`: the raw ping answering /health's HTTP response (diagnostic)",
         w.raw_http_ms.format("ms", 3), w.ratio_to_raw_http.format(digits=3)],
    ]  # fmt: skip
    lines += _table(["handler, own awslambdaric process", "round trip", "/health ÷ this"],
                    rows, "lrr")  # fmt: skip
    lines += [f"{settings.warm_runs} runs, each in fresh environments (new processes and "
              f"connections), warmed up, then {w.invocations} rounds of one invocation per "
              "side, order rotating; per run the median round trip per side.", ""]
    lines += [
        "**Where the handler's time goes** (in-process, `lambda_code/warm_probe.py`): inside "
        "one environment, rounds of batches of each call below, no transport around any; "
        "each row adds one layer to the row before. Its denominator is a loopback ping to a "
        "Python test server, so the ratio here is an upper bound of the overhead "
        f"({settings.warm_runs} runs, each {settings.probe_rounds} rounds x "
        f"{settings.probe_batch} calls per side, in the run's own fresh environment). "
        "Steps of a few µs are within this 2-core machine's noise.",
        "",
    ]
    labels = {
        "raw": "`client.admin.command(\"ping\")`, plain `MongoClient` (reference)",
        "client": "the same ping on the library's client (`get_client()`)",
        "deadline": "... under `invocation_deadline(context)` (`pymongo.timeout`)",
        "handler": "`handler.handler(GET /health, context)`: parse, route, respond",
    }
    sides = list(w.probe_us)
    probe_rows = []
    for index, side in enumerate(sides):
        added = "" if index == 0 else w.probe_added_us(side, sides[index - 1]).format("µs", 1)
        ratio = w.probe_ratio.format(digits=3) if side == "handler" else ""
        probe_rows.append([labels.get(side, side), w.probe_us[side].format("µs", 1), added,
                           ratio])  # fmt: skip
    return lines + _table(["call", "per call", "added to the row before", "ratio to raw"],
                          probe_rows, "lrrr")  # fmt: skip



def cold_section(cs: ColdStartResult, settings: Settings, top: int = 12) -> list[str]:
    lines = [
        "## 3. Cold start, as Lambda runs the artifact",
        "",
        f"What ran: {cs.setup}. Each side is the built artifact, zipped and extracted as "
        f"Lambda extracts it (code = task root, layer = `/opt` with `python/` on the path), "
        f"read-only ({cs.read_only}) with PYTHONDONTWRITEBYTECODE=1, under awslambdaric, "
        "the first event queued before the process starts. Init = process start to the first "
        "`/next` poll (Lambda's Init Duration); first response = the rest. The reference is "
        "`lambda_code/raw_ping.py` (`import pymongo`, client, ping) with the same pins, "
        "built the same way.",
        "",
    ]
    labels = {
        "ours": "this library, with the bytecode the build ships",
        "ours_source": "this library, sources only (`bytecode=False`)",
        "reference": "raw-ping reference, with bytecode",
        "snapstart": "this library, SnapStart init (imports moved into init)",
    }
    rows = [
        [labels[kind], timing.init_ms.format("ms", 1), timing.after_init_ms.format("ms", 1),
         timing.total_ms.format("ms", 1), f"{cs.compiled.get(kind, '-')}"]
        for kind, timing in cs.timings.items()
    ]  # fmt: skip
    lines += _table(["", "init", "init to first response", "cold start (both)",
                     "modules compiled from source"], rows, "lrrrr")  # fmt: skip
    lines += [
        f"Ratios, run by run: with bytecode / sources only **{cs.bytecode_ratio.format(digits=3)}**"
        f" (target ≤ {BYTECODE_TARGET}); ours / reference **{cs.ratio.format(digits=3)}** "
        f"(target ≤ {COLD_TARGET:.2f}). Files written into the "
        f"read-only roots during the whole section: {len(cs.written)}.",
        "",
        "### SnapStart: init vs first response",
        "",
        "With SnapStart, Lambda runs the init once per published version and restores new "
        "environments from the snapshot, so a restored environment starts at the "
        "'init to first response' column of the SnapStart row (plus Lambda's restore, which "
        "cannot be measured here). Import time moved into init (SnapStart init minus "
        f"on-demand init, run by run): {cs.moved_into_init_ms.format('ms', 1)}.",
        "",
    ]
    sides = ("ours", "ours_source", "reference")
    names = sorted(cs.imports["ours_source"], key=lambda n: -cs.imports["ours_source"][n].median)
    shown = names[:top]

    def cell(side: str, name: str) -> str:
        sample = cs.imports[side].get(name)
        return sample.format("ms", 1) if sample is not None else "-"

    import_rows = [[f"`{n}`", *(cell(side, n) for side in sides)] for n in shown]
    import_rows.append(["everything else (medians summed)", *(
        f"{sum(s.median for n, s in cs.imports[side].items() if n not in shown):.1f} ms"
        for side in sides
    )])  # fmt: skip
    import_rows.append(["**total**", *(cs.import_totals[side].format("ms", 1) for side in sides)])
    lines += [
        "### Import time by package",
        "",
        f"`-X importtime` (PYTHONPROFILEIMPORTTIME) over the whole cold start, runtime client "
        f"and first invocation included ({settings.import_time_runs} separate, untimed runs: "
        f"profiling slows imports). Each module's self time is credited to its top-level "
        f"package, so the rows add up to the total.",
        "",
    ]
    return lines + _table(["package", "with bytecode", "sources only", "reference"],
                          import_rows, "lrrr")  # fmt: skip


def artifact_section(a: ArtifactResult) -> list[str]:
    def size_row(label: str, size: Size) -> list[str]:
        return [label, f"{size.files:,}", f"{size.unzipped:,} B", f"{size.zipped:,} B"]

    rows = [
        size_row("this library, one zip (code + dependencies)", a.ours),
        size_row("this library, code (default: dependencies in a layer)", a.code),
        size_row("this library, dependency layer", a.layer),
        size_row("naive `pip install -t --platform` (same target)", a.naive_target),
        size_row("naive `pip install -t` (build machine)", a.naive_local),
    ]
    lines = [
        "## 4. Artifact",
        "",
        f"From `benchmarks/packaging.py` (`measure`), target {BENCH_ARCHITECTURE} / "
        f"{DEFAULT_RUNTIME}. Ratios are "
        f"against the naive install for the same target: zipped {a.ratio('zipped'):.3f}, "
        f"unzipped {a.ratio('unzipped'):.3f}, files {a.ratio('files'):.3f}. The packaging "
        "benchmark's own report, from the same measurement: [packaging.md](packaging.md).",
        "",
    ]
    lines += _table(["artifact", "files", "unzipped", "zipped"], rows)
    time_rows = [
        ["first build: empty build folder, empty uv cache (downloads)", a.first_s.format("s", 2)],
        ["first build: empty build folder, warm uv cache", a.warm_uv_s.format("s", 2)],
        ["cached build (dependency install reused)", a.cached_s.format("s", 2)],
        ["naive `pip install -t` (pip's own cache), for reference", a.naive_s.format("s", 2)],
        ["cached / first, run by run", a.cached_vs_first.format(digits=3)],
    ]
    return lines + _table(["build", "time"], time_rows)


def preview_section(p: PreviewResult) -> list[str]:
    rows = [[f"`python -m components.offline.preview {stack}`", sample.format("s", 2),
             p.ratios[stack].format(digits=2)] for stack, sample in p.stacks_s.items()]
    rows.append(["`python -c \"import pulumi, pulumi_aws, pulumi_mongodbatlas\"`",
                 p.sdk_import_s.format("s", 2), "1"])  # fmt: skip
    rows.append(["... plus `pulumi_aws.{" + ", ".join(USED_SDK_MODULES) + "}` (the modules "
                 "the program's resources live in)", p.sdk_used_s.format("s", 2),
                 Sample.of(u / s for u, s in zip(p.sdk_used_s.values, p.sdk_import_s.values,
                                                  strict=True)).format(digits=2)])  # fmt: skip
    to_used = ", ".join(f"`{stack}` {r.format(digits=2)}" for stack, r in p.ratios_to_used.items())
    return [
        "## 5. Offline preview",
        "",
        "Fresh processes, packaging cache warm (one untimed preview first). The SDK import "
        "is the floor any Pulumi Python program pays before declaring a resource; "
        "`import pulumi_aws` is lazy, and each of its subpackages a program uses loads every "
        "resource class it holds on first use, so the second row is the floor of this "
        f"program. The preview over that floor, run by run (the project's own work): {to_used}.",
        "",
        *_table(["command", "wall time", "ratio to SDK import"], rows, "lrr"),
    ]


def checks_section(checks: list[Check]) -> list[str]:
    rows = [[c.section, c.name, c.measured, c.expected, c.verdict] for c in checks]
    return [
        "## Checks",
        "",
        "`python -m benchmarks` exits non-zero when an enforced check is missed.",
        "",
        *_table(["section", "check", "measured", "expected", "verdict"], rows, "lllll"),
    ]


def render(results: Results) -> str:
    settings = results.settings
    lines = [
        "# Benchmarks",
        "",
        f"`{results.command}` - {settings.name} run; {results.environment}. Every figure is "
        "the median [min, max] of the run's repetitions, measured side by side in one run; "
        "ratios are this library over its reference, taken run by run.",
        "",
        *summary(results),
    ]
    lines += [f"![{name}]({name})" for name in results.charts]
    lines.append("")
    if results.connections is not None:
        lines += connections_section(results.connections)
    if results.warm is not None:
        lines += warm_section(results.warm, settings)
    if results.cold is not None:
        lines += cold_section(results.cold, settings)
    if results.artifact is not None:
        lines += artifact_section(results.artifact)
    if results.preview is not None:
        lines += preview_section(results.preview)
    lines += checks_section(results.checks())
    return "\n".join(lines).rstrip() + "\n"
