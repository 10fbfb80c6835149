"""Compile sources to PEP 552 unchecked-hash `.pyc` files, run BY the target's interpreter.

This file is executed as a script by the CPython of the runtime's version (never imported
by the build), so it uses the standard library only and runs on every supported version.
It reads one JSON job on stdin, `{"magic": hex, "files": [[source, pyc, dfile], ...]}`,
and prints `{"compiled": n, "failed": [[dfile, message], ...]}`.

Why these choices:
- `UNCHECKED_HASH`: the header holds a hash of the source, not its mtime and size, so the
  bytes depend on the source alone (reproducible), and the import system loads the `.pyc`
  without reading the source to check it (Lambda's code root never changes under it).
- `dfile` is the module's path on Lambda (`/var/task/...`, `/opt/python/...`), never the
  build folder's, which would otherwise be baked into every code object.
- `optimize=0`: Lambda runs Python without `-O`; an `.opt-1.pyc` would never be read.
- The caller runs this with PYTHONHASHSEED=0: set and frozenset constants are marshalled
  in hash order, which would otherwise differ from one build to the next.
- The job names the magic number the caller probed; a mismatch means another interpreter
  answered, and nothing is written.
"""

from __future__ import annotations

import importlib.util
import json
import py_compile
import sys


def main() -> int:
    job = json.load(sys.stdin)
    if importlib.util.MAGIC_NUMBER.hex() != job["magic"]:
        print(json.dumps({"error": f"magic {importlib.util.MAGIC_NUMBER.hex()} is not "
                                   f"{job['magic']}"}))  # fmt: skip
        return 2
    compiled, failed = 0, []
    for source, pyc, dfile in job["files"]:
        try:
            py_compile.compile(
                source, cfile=pyc, dfile=dfile, doraise=True, optimize=0,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )  # fmt: skip
            compiled += 1
        except py_compile.PyCompileError as error:
            message = error.msg.strip().splitlines()[-1] if error.msg.strip() else "error"
            failed.append([dfile, f"{error.exc_type_name}: {message}"[:300]])
    print(json.dumps({"compiled": compiled, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
