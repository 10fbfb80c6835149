"""The toolkit's `atlas_lambda` helper, shipped with a user's own function.

A handler in a user's `source_dir` may `from atlas_lambda import get_client` (one lazily
created, reused MongoClient with Lambda-suited options) and `invocation_deadline`. When it
does and the folder has no `atlas_lambda` of its own, the build adds the toolkit's copy, at
the toolkit's version, where the dependencies go (the layer's `python/`, or the code when
there is no layer). A folder with its own `atlas_lambda` keeps it: nothing is added.

The helper imports pymongo and authenticates with MONGODB-AWS, so the user's requirements
must pin pymongo (4.6 or later: Lambda detection, polling monitors) with its `aws` extra
or pymongo-auth-aws; a missing pin is refused here, naming it, rather than failing with
an ImportError at the first invocation.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from ..locations import FUNCTION_SOURCE_DIR, RUNTIME_HELPER_DIR
from .errors import PackagingConfigError
from .requirements import PinnedRequirement, read_requirements
from .target import Target
from .tree import iter_tree

PACKAGE = "atlas_lambda"
MIN_PYMONGO = Version("4.6")


def ships_own_helper(code_members: Mapping[str, Path]) -> bool:
    """True when the source folder has an `atlas_lambda` package or module of its own."""
    return f"{PACKAGE}.py" in code_members or any(
        name.startswith(f"{PACKAGE}/") for name in code_members
    )


def _imports_helper(source: str, parse: Callable[[str, str], ast.Module]) -> bool:
    if PACKAGE not in source:  # most modules: no parse needed to know
        return False
    try:
        tree = parse(source, "<module>")
    except SyntaxError:
        return False  # not this check's business: the handler check reports the handler's
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            alias.name.split(".")[0] == PACKAGE for alias in node.names
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").split(".")[0] == PACKAGE
        ):
            return True
    return False


def imports_helper(
    code_members: Mapping[str, Path], parse: Callable[[str, str], ast.Module] | None = None
) -> bool:
    """True when any Python module of the source folder imports `atlas_lambda`. `parse`
    is the build's (ModuleTrees.parse), so the handler module is not parsed again."""
    return any(
        _imports_helper(
            path.read_text(encoding="utf-8", errors="replace"),
            parse or (lambda source, filename: ast.parse(source, filename=filename)),
        )
        for name, path in code_members.items()
        if name.endswith(".py")
    )


def helper_members(prefix: str = "") -> dict[str, Path]:
    """`[prefix/]atlas_lambda/<file>` -> the toolkit's file, in name order."""
    lead = f"{prefix}/" if prefix else ""
    return {f"{lead}{PACKAGE}/{name}": path for name, path in iter_tree(RUNTIME_HELPER_DIR)}


def toolkit_pins() -> tuple[PinnedRequirement, ...]:
    """The pins the toolkit tests the helper with (the default function's requirements)."""
    return read_requirements(FUNCTION_SOURCE_DIR / "requirements.txt")


def applies(pin: PinnedRequirement, target: Target) -> bool:
    """True when the pin's environment marker (if any) holds on the target."""
    return pin.applies(target.marker_environment())


def check_helper_pins(
    pins: Sequence[PinnedRequirement], requirements_name: str, target: Target
) -> None:
    """Refuse requirements that lack, on the target, what the helper imports, naming the pin."""
    allowed = ", ".join(pin.line for pin in toolkit_pins())
    for pin in pins:
        if pin.name in ("pymongo", "pymongo-auth-aws") and not applies(pin, target):
            raise PackagingConfigError(
                requirements_name,
                f"{pin.line!r} has a marker that is false for {target.describe()}, so the "
                f"package would have no {pin.name}, which {PACKAGE} imports",
                f"pins such as {allowed}, without a marker that excludes the target",
            )
    by_name = {pin.name: pin for pin in pins}
    pymongo = by_name.get("pymongo")
    if pymongo is None:
        raise PackagingConfigError(
            requirements_name,
            f"the handler imports {PACKAGE}, which needs pymongo, and no pymongo is pinned",
            f"pins such as {allowed}",
        )
    if Version(pymongo.version) < MIN_PYMONGO:
        raise PackagingConfigError(
            requirements_name,
            f"{PACKAGE} needs pymongo {MIN_PYMONGO} or later, not {pymongo.version}",
            f"pins such as {allowed}",
        )
    if "aws" not in Requirement(pymongo.line).extras and "pymongo-auth-aws" not in by_name:
        raise PackagingConfigError(
            requirements_name,
            f"{PACKAGE} authenticates with MONGODB-AWS, which needs pymongo[aws] or "
            "pymongo-auth-aws, and neither is pinned",
            f"pins such as {allowed}",
        )
