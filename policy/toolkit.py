"""The toolkit modules the policies adapt, found under the name they have in this layout.

In the repository the pack is the top-level package `policy`, beside `components`;
installed by pip it is `pulumi_atlas_lambda.policy`, inside the toolkit, and `components`
does not exist. A relative import (`from ..guardrails import rules`) fails in the first
layout (`..` is above a top-level package) and an absolute `components.…` in the second,
so the pack's modules import the toolkit relatively from here, and this module imports
it by the name of the package around the pack: its parent package when it has one, else
`components`.

Only what the policies call is imported: the guardrails (rules, budget, network paths), the
command contract, the strict file reader, the MongoDB URI helpers. None of them loads the
provider SDKs; the offline engine (which runs programs) is imported only by the offline
runner, through `offline()`.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

TOOLKIT = (__package__ or "").rpartition(".")[0] or "components"
"""`components` in the repository, `pulumi_atlas_lambda` when installed."""

if TYPE_CHECKING:
    from components import cli
    from components.cli import CliError
    from components.guardrails import budget, network_paths, rules
    from components.guardrails.rules import Finding, Severity
    from components.lambda_function import connection_string
    from components.offline import UNKNOWN, Plan, PlannedResource
    from components.stack import files
else:
    cli = import_module(f"{TOOLKIT}.cli")
    budget = import_module(f"{TOOLKIT}.guardrails.budget")
    network_paths = import_module(f"{TOOLKIT}.guardrails.network_paths")
    rules = import_module(f"{TOOLKIT}.guardrails.rules")
    connection_string = import_module(f"{TOOLKIT}.lambda_function.connection_string")
    files = import_module(f"{TOOLKIT}.stack.files")
    CliError = cli.CliError
    Finding = rules.Finding
    Severity = rules.Severity


def offline(module: str = "") -> ModuleType:
    """The toolkit's offline package (`components.offline`: plans, the mock engine), or
    one of its modules; imported on first use, never by the pack the Pulumi CLI runs."""
    return import_module(f"{TOOLKIT}.offline" + (f".{module}" if module else ""))


_OFFLINE_NAMES = ("UNKNOWN", "Plan", "PlannedResource")


def __getattr__(name: str) -> object:
    # `from .toolkit import Plan` loads the offline package only where it is asked for.
    if name in _OFFLINE_NAMES:
        return getattr(offline(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TOOLKIT",
    "UNKNOWN",
    "CliError",
    "Finding",
    "Plan",
    "PlannedResource",
    "Severity",
    "budget",
    "cli",
    "connection_string",
    "files",
    "network_paths",
    "offline",
    "rules",
]
