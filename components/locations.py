"""Where the toolkit finds its own files: in this repository, and when installed by pip.

In the repository the package is `components/` with `function/` and `Pulumi.yaml` beside
it. Installed (`pip install`), it is `pulumi_atlas_lambda/` in site-packages with the
default function shipped inside it as package data, and the Pulumi project is whatever
folder the program runs in. One rule serves both: the packaged copy first, the repository
layout second.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
"""`components/` in the repository, `.../site-packages/pulumi_atlas_lambda/` installed."""


def _function_source_dir() -> Path:
    packaged = PACKAGE_DIR / "function"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "function"


FUNCTION_SOURCE_DIR = _function_source_dir()
"""The default function (sample handler, `atlas_lambda` helper, pinned requirements)."""

CONFIG_SCHEMA_FILE = PACKAGE_DIR / "Pulumi.yaml"
"""The toolkit's config schema: the defaults of AtlasLambda's args, which are the stack's
config keys. In the repository a link to the project's Pulumi.yaml; in the wheel a copy."""

RUNTIME_HELPER_DIR = FUNCTION_SOURCE_DIR / "atlas_lambda"
"""The `atlas_lambda` package users' handlers import (`get_client`, the deadline)."""


def project_dir() -> Path:
    """The Pulumi project: the repository root when running from it, else the working
    directory (Pulumi runs a program in its project folder; an installed package is not
    inside one)."""
    repository = PACKAGE_DIR.parent
    if (repository / "Pulumi.yaml").is_file() and (repository / "function").is_dir():
        return repository
    return Path.cwd()


def toolkit_version() -> str:
    """`__version__` of the runtime helper: the one version of the toolkit (the wheel's
    metadata reads the same line). Parsed, not imported: the helper needs pymongo."""
    tree = ast.parse((RUNTIME_HELPER_DIR / "version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise LookupError(f"no __version__ = '...' in {RUNTIME_HELPER_DIR / 'version.py'}")
