"""Section 4: the deployment artifact vs naive packaging, and first vs cached build time.

Reuses benchmarks/packaging.py's measurement as it is (``measure``), so the figures here
and in results/packaging.md come from the same code. The reference for size is a naive
``pip install -r function/requirements.txt -t dir`` for the Lambda target (same platform
and Python, so the ratio is not "x86_64 vs arm64"); for time, the first build of the same
run (empty build folder, empty uv cache).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from components.packaging.limits import LAMBDA_LIMITS

from .checks import Check, exact
from .packaging import PackagingMeasurement, measure
from .settings import Settings
from .stats import Sample, paired_ratios

SECTION = "artifact"


@dataclass(frozen=True)
class Size:
    files: int
    unzipped: int
    zipped: int


@dataclass(frozen=True)
class ArtifactResult:
    measured: PackagingMeasurement
    ours: Size
    """The one-zip artifact (code and dependencies together), the like-for-like figure."""
    code: Size
    layer: Size
    naive_target: Size
    naive_local: Size
    first_s: Sample
    warm_uv_s: Sample
    cached_s: Sample
    naive_s: Sample
    cached_vs_first: Sample

    def ratio(self, field: str) -> float:
        return getattr(self.ours, field) / getattr(self.naive_target, field)

    def checks(self) -> list[Check]:
        return [
            exact(SECTION, "zipped size below naive packaging", self.ratio("zipped") < 1, True),
            exact(SECTION, "within Lambda's limits (50 MB zipped, 250 MB unzipped)",
                  self.ours.zipped <= LAMBDA_LIMITS.zipped_bytes
                  and self.ours.unzipped <= LAMBDA_LIMITS.unzipped_bytes, True),
            exact(SECTION, "cached build faster than the first (every run)",
                  self.cached_vs_first.max < 1, True),
        ]  # fmt: skip


def _size(files: int, unzipped: int, zipped: int) -> Size:
    return Size(files, unzipped, zipped)


def run(settings: Settings, progress: Callable[[str], None]) -> ArtifactResult:
    progress(f"artifact: {settings.artifact_runs} packaging run(s) (uses PyPI)")
    measured = measure(settings.artifact_runs)
    package, one_zip = measured.package, measured.one_zip
    layer = package.layer
    assert layer is not None, "the default package has a dependency layer"
    return ArtifactResult(
        measured=measured,
        ours=_size(one_zip.file_count, one_zip.unzipped_bytes, one_zip.zipped_bytes),
        code=_size(package.code.file_count, package.code.unzipped_bytes,
                   package.code.zipped_bytes),
        layer=_size(layer.file_count, layer.unzipped_bytes, layer.zipped_bytes),
        naive_target=_size(*measured.naive_target),
        naive_local=_size(*measured.naive_local),
        first_s=Sample.of(measured.first.seconds),
        warm_uv_s=Sample.of(measured.warm.seconds),
        cached_s=Sample.of(measured.cached.seconds),
        naive_s=Sample.of(measured.naive_time.seconds),
        cached_vs_first=paired_ratios(measured.cached.seconds, measured.first.seconds),
    )  # fmt: skip
