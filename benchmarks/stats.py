"""Repeated measurements summarised as median, min and max, and ratios between them.

A single timing says little on a shared 2-core machine; the median of several runs says
what is typical and the min/max say how much to trust it. Ratios are taken run by run
(both sides measured in the same run) before summarising, so drift that hits both sides of
a run cancels instead of landing on one side.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """Values of one figure over repeated runs."""

    values: tuple[float, ...]

    @staticmethod
    def of(values: Iterable[float]) -> Sample:
        collected = tuple(float(v) for v in values)
        if not collected:
            raise ValueError("a sample needs at least one value")
        return Sample(collected)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    @property
    def runs(self) -> int:
        return len(self.values)

    def scaled(self, factor: float) -> Sample:
        """The same sample in other units (e.g. seconds to milliseconds)."""
        return Sample(tuple(v * factor for v in self.values))

    def format(self, unit: str = "", digits: int = 2) -> str:
        """`median [min, max] unit`, the form every table in the report uses."""
        spec = f",.{digits}f"
        suffix = f" {unit}" if unit else ""
        return f"{self.median:{spec}} [{self.min:{spec}}, {self.max:{spec}}]{suffix}"


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> Sample:
    """Run-by-run ratios of two figures measured side by side in the same runs."""
    if len(numerators) != len(denominators):
        raise ValueError("paired ratios need one denominator per numerator")
    return Sample.of(n / d for n, d in zip(numerators, denominators, strict=True))


def median(values: Iterable[float]) -> float:
    """Median of one run's many observations (e.g. per-invocation latencies)."""
    return statistics.median(list(values))
