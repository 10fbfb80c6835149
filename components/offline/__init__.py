"""Run the Pulumi program in-process under the mock engine: no CLI, no account.

This is what the offline preview, the tests and CI use to see what `pulumi up` would
create, with secrets masked and deploy-time values marked unknown.
"""

from .engine import OfflineRun, run_program, run_stack
from .plan import SECRET, UNKNOWN, Plan, PlannedResource

__all__ = [
    "SECRET",
    "UNKNOWN",
    "OfflineRun",
    "Plan",
    "PlannedResource",
    "run_program",
    "run_stack",
]
