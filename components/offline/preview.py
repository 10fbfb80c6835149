"""Offline preview: `python -m components.offline.preview [STACK] [--json] [--cwd DIR]`.

Runs the program under the mock engine with Pulumi.<STACK>.yaml and prints what
`pulumi up` would create, with the advisories (budget, memory) the config earns. Needs no
Pulumi CLI and no cloud account. A run stuck longer than $ATLAS_LAMBDA_OFFLINE_TIMEOUT seconds
(600 by default) ends with an error. Exit codes (components/cli.py): 0 ok, 1 invalid
configuration, unknown stack or unreadable file, 64 usage, 70 internal error,
130 interrupted.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import cli
from ..locations import project_dir

PROJECT_DIR = project_dir()


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.ArgumentParser(prog=f"python -m {__package__}.preview", description=__doc__)
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (default: dev)")
    parser.add_argument("--json", action="store_true", help="machine-readable plan")
    parser.add_argument(
        "--cwd", type=Path, default=PROJECT_DIR, help="project directory (default: this one)"
    )
    options = parser.parse_args(argv)
    # Imported here, under run_command: a Ctrl-C while Pulumi loads still ends cleanly.
    from .engine import run_stack
    from .render import render

    plan = run_stack(options.stack, project_dir=options.cwd.resolve()).plan
    sys.stdout.write(plan.to_json() if options.json else render(plan))
    return cli.EXIT_OK


if __name__ == "__main__":
    # One short run in its own process: the cyclic collector would only rescan the SDKs'
    # hundreds of thousands of long-lived objects (about 0.2 s of a preview) and free nothing.
    gc.disable()
    sys.exit(cli.run_command(main))
