"""The pack folder for an installed toolkit:

    pulumi preview --policy-pack "$(python -m pulumi_atlas_lambda.policy --path)"

Its PulumiPolicy.yaml names no virtualenv, so the Pulumi CLI runs the pack with the Python
on PATH (or `PULUMI_PYTHON_CMD`), which must have pulumi-atlas-lambda and pulumi-policy
installed. The repository's pack one folder up names its own `venv/`, a folder an
installed package has no place for. The entry point is the package's `__main__.py`.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "__main__.py"), run_name="__main__")
