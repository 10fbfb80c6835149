"""How much to measure: the full run (committed results) and the quick run (CI).

The quick run exercises every section and every exact check with few invocations and
repetitions, so the harness cannot rot, in well under two minutes on a 2-core machine.
Its time ratios come from too few samples to hold a 5 % target to, so there they are
reported but advisory; the full run enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Counts for every section; every loop in the harness is bounded by one of these."""

    name: str
    members: int
    """Replica-set members the function talks to (Atlas clusters are 3-member replica sets)."""
    connection_points: tuple[int, ...]
    """Invocation counts at which connections are read (one environment, cumulative)."""
    connection_runs: int
    environments: int
    """Execution environments alive at once in the concurrency measurement."""
    environment_runs: int
    warm_runs: int
    warm_invocations: int
    """Invocations of each side per warm run (interleaved one by one)."""
    probe_rounds: int
    probe_batch: int
    """In-process warm probe, per warm run: rounds of rotating batches of this many calls."""
    cold_runs: int
    import_time_runs: int
    artifact_runs: int
    preview_runs: int
    enforce_time_targets: bool


FULL = Settings(
    name="full",
    members=3,
    connection_points=(1, 10, 100, 1000),
    connection_runs=3,
    environments=50,
    environment_runs=3,
    warm_runs=9,
    warm_invocations=1000,
    probe_rounds=4,
    probe_batch=200,
    cold_runs=20,
    import_time_runs=3,
    artifact_runs=3,
    preview_runs=5,
    enforce_time_targets=True,
)

QUICK = Settings(
    name="quick",
    members=3,
    connection_points=(1, 10, 100),
    connection_runs=1,
    environments=5,
    environment_runs=1,
    warm_runs=2,
    warm_invocations=150,
    probe_rounds=2,
    probe_batch=100,
    cold_runs=2,
    import_time_runs=1,
    artifact_runs=1,
    preview_runs=1,
    enforce_time_targets=False,
)
