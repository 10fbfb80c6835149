"""Offline preview: `python -m components.preview [STACK] [--json]`.

Runs the program under the mock engine with Pulumi.<STACK>.yaml and prints what
`pulumi up` would create. Needs no Pulumi CLI and no cloud account.
Exit codes: 0 ok, 2 invalid configuration or unknown stack.
"""

from __future__ import annotations

import argparse
import sys

from .errors import ConfigError
from .offline import run_stack
from .offline.render import render

EXIT_INVALID = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.preview", description=__doc__)
    parser.add_argument("stack", nargs="?", default="dev", help="stack name (default: dev)")
    parser.add_argument("--json", action="store_true", help="machine-readable plan")
    options = parser.parse_args(argv)
    try:
        plan = run_stack(options.stack).plan
    except (ConfigError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    sys.stdout.write(plan.to_json() if options.json else render(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
