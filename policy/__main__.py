"""What `pulumi preview --policy-pack policy` runs.

The Pulumi CLI starts this file with `policy/` as the working directory and first entry
of sys.path. The rules live in the repository's `components` package — one
implementation for the components, the offline preview and this pack — so the repository
root goes on sys.path and `policy/` itself comes off it (its module names must not shadow
anything).
"""

import sys
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent
REPO_ROOT = POLICY_DIR.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != POLICY_DIR]
sys.path.insert(0, str(REPO_ROOT))

from policy.pack import serve  # noqa: E402

serve()
