"""Counts modules compiled from source at run time (tests and benchmarks only).

Put this folder on PYTHONPATH with ATLAS_LAMBDA_COMPILE_LOG (a file) and
ATLAS_LAMBDA_COMPILE_ROOTS (os.pathsep-separated folders): every `compile()` of a file
under those folders, which is what the import system does for a module without usable
bytecode, is appended to the log as it happens (the process may be killed, never exit).
A module loaded from a `.pyc` raises no `compile` audit event, so an artifact whose
bytecode is used logs nothing; a first `#` line says the counter ran.
"""

import os
import sys

_LOG = os.environ.get("ATLAS_LAMBDA_COMPILE_LOG")
_ROOTS = tuple(
    root.rstrip(os.sep) + os.sep
    for root in os.environ.get("ATLAS_LAMBDA_COMPILE_ROOTS", "").split(os.pathsep)
    if root
)


def _hook(event, args):
    if event != "compile" or len(args) < 2 or not isinstance(args[1], str):
        return
    if args[1].startswith(_ROOTS):
        with open(_LOG, "a") as log:
            log.write(args[1] + "\n")


if _LOG and _ROOTS:
    sys.addaudithook(_hook)
    with open(_LOG, "a") as _log:  # proof that the counter was running at all
        _log.write(f"# counting in {sys.implementation.cache_tag}\n")
