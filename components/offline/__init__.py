"""Offline: the program under Pulumi's mock engine (no CLI, no account), its plan, the
preview and plan-diff commands.

Imports are lazy so `python -m components.offline.preview` can set up its Ctrl-C and error
handling before the Pulumi SDK loads.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "OfflineRun": ".engine",
    "OfflineRunError": ".failures",
    "run_program": ".engine",
    "run_stack": ".engine",
    "SECRET": ".plan",
    "UNKNOWN": ".plan",
    "Plan": ".plan",
    "PlannedResource": ".plan",
}

__all__ = [
    "SECRET",
    "UNKNOWN",
    "OfflineRun",
    "OfflineRunError",
    "Plan",
    "PlannedResource",
    "run_program",
    "run_stack",
]

if TYPE_CHECKING:
    from .engine import OfflineRun, run_program, run_stack
    from .failures import OfflineRunError
    from .plan import SECRET, UNKNOWN, Plan, PlannedResource


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'components.offline' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name], __name__), name)
