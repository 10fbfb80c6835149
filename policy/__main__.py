"""What the Pulumi CLI runs for this pack; `--path` prints the installed pack's folder.

`pulumi preview --policy-pack DIR` starts `python -u -m pulumi.policy ENGINE DIR` with DIR
as the working directory, which runs DIR/__main__.py as a script with DIR first on
sys.path. DIR is this folder in the repository (`policy/`, with its own `policy/venv`), or
`installed/` below it when the toolkit is installed by pip (its `__main__.py` runs this
file).

The policies are the package this file sits in: `policy` in the repository, beside the
`components` whose rules they adapt, and `pulumi_atlas_lambda.policy` when installed. A
script cannot import relatively, so this names the package by walking up the folders that
are packages (have an `__init__.py`), puts the folder above them first on sys.path (the
repository root, or site-packages), takes the pack's own folders off it (their module
names must not shadow anything) and imports the package by that name.

    python -m pulumi_atlas_lambda.policy --path
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED_PACK_DIR = PACKAGE_DIR / "installed"
"""The folder for `--policy-pack` when the toolkit is installed (its PulumiPolicy.yaml names
no virtualenv: the pack runs in the environment the toolkit is installed in)."""

USAGE = "usage: python -m pulumi_atlas_lambda.policy --path   (the folder for --policy-pack)"


def package() -> tuple[str, Path]:
    """This package's dotted name, and the folder that holds its top-level package."""
    names: list[str] = []
    folder = PACKAGE_DIR
    while (folder / "__init__.py").is_file():
        names.insert(0, folder.name)
        folder = folder.parent
    return ".".join(names), folder


def _in_pack(entry: str) -> bool:
    path = Path(entry or ".").resolve()
    return path == PACKAGE_DIR or PACKAGE_DIR in path.parents


def main(argv: list[str]) -> int:
    # Under the Pulumi CLI these are pulumi.policy's arguments: at least the engine address
    # and the folder (log flags may come first), never one argument alone.
    if len(argv) < 2:
        if argv == ["--path"]:
            print(INSTALLED_PACK_DIR)
            return 0
        print(USAGE, file=sys.stdout if argv in (["-h"], ["--help"]) else sys.stderr)
        return 0 if argv in (["-h"], ["--help"]) else 64
    name, root = package()
    sys.path[:] = [str(root), *(entry for entry in sys.path if not _in_pack(entry))]
    import_module(f"{name}.pack").serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
