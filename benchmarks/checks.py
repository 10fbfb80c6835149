"""The harness judging its own results: every target and every model comparison is a Check.

A failed check makes `python -m benchmarks` exit non-zero, so a regression (a second client
per environment, a slower handler, a bigger artifact) fails CI instead of quietly landing in
a results table. Counts are exact and always enforced; a time target can be marked
advisory when too few samples were taken to judge it (the quick mode).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One expectation about a measured figure."""

    section: str
    name: str
    measured: str
    expected: str
    ok: bool
    enforced: bool = True

    @property
    def failed(self) -> bool:
        """True when this check should fail the run."""
        return self.enforced and not self.ok

    @property
    def verdict(self) -> str:
        if self.ok:
            return "met"
        return "**missed**" if self.enforced else "missed (advisory)"


def exact(section: str, name: str, measured: object, expected: object) -> Check:
    """Equality: model predictions, connection counts, failures (zero)."""
    return Check(section, name, str(measured), str(expected), measured == expected)


def at_most(
    section: str, name: str, measured: float, limit: float, *, enforced: bool = True
) -> Check:
    """A ratio target such as "≤ 1.05" (on the median of the run-by-run ratios)."""
    return Check(section, name, f"{measured:.3f}", f"≤ {limit:.2f}", measured <= limit, enforced)
