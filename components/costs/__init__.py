"""What a plan costs every month before any traffic: the price table (prices.py, each price
with its source and the day it was read) and the estimate over a plan's resources
(estimate.py). The offline preview prints it, `--json` carries it, the plan diff compares it.

Plain data in, plain data out: no Pulumi, no network, so a preview without credentials shows
the same figures on every run of the same commit.
"""

from __future__ import annotations

from .estimate import CostEstimate, LineItem, estimate
from .prices import CURRENCY, EXTRA_CHARGES, HOURS_PER_MONTH, PRICES_CHECKED, Price

__all__ = [
    "CURRENCY",
    "EXTRA_CHARGES",
    "HOURS_PER_MONTH",
    "PRICES_CHECKED",
    "CostEstimate",
    "LineItem",
    "Price",
    "estimate",
]
