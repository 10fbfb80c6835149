"""Import time by package, from ``python -X importtime`` output.

``-X importtime`` (here via PYTHONPROFILEIMPORTTIME, so it also covers the imports the
runtime client and the first invocation trigger) prints one line per module with its own
("self") and cumulative microseconds, nested by indentation. Cumulative figures overlap
(pymongo's includes bson's), so they are not summed here: each module's self time is
credited to its top-level package, which partitions the total with no double counting.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from .stats import Sample

_LINE = re.compile(r"^import time:\s+(?P<self>\d+)\s+\|\s+(?P<cumulative>\d+)\s+\|\s(?P<name>.+)$")


def self_time_by_package(output: str) -> dict[str, int]:
    """Microseconds of import per top-level package in one process's importtime output."""
    totals: dict[str, int] = defaultdict(int)
    for line in output.splitlines():
        match = _LINE.match(line.strip("\r"))
        if match is None:
            continue
        package = match["name"].strip().split(".")[0]
        totals[package] += int(match["self"])
    return dict(totals)


def summarise(runs: Iterable[Mapping[str, int]]) -> dict[str, Sample]:
    """Per package, milliseconds over runs (a package missing from a run counts 0)."""
    collected = list(runs)
    packages = {name for run in collected for name in run}
    return {
        name: Sample.of(run.get(name, 0) / 1000 for run in collected) for name in packages
    }


def total(runs: Iterable[Mapping[str, int]]) -> Sample:
    """Total import milliseconds per run."""
    return Sample.of(sum(run.values()) / 1000 for run in runs)
