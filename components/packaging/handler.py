"""Checking the handler exists before anything is deployed, without importing it.

Lambda reports a wrong handler only at the first invocation (`Runtime.ImportModuleError`),
after the deploy succeeded. Importing the module here would run its top level on the
build machine (connections, environment lookups), so the check reads it with `ast`.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from .errors import HandlerError

# awslambdaric: `module.function`, where the module may use `/` or `.` as separators.
_HANDLER = re.compile(r"(?P<module>[A-Za-z_]\w*(?:[./][A-Za-z_]\w*)*)\.(?P<function>[A-Za-z_]\w*)")
_FORMAT = "module.function, e.g. handler.handler or app/main.handler"


def split_handler(handler: str) -> tuple[str, str]:
    """(module path as posix, function name) of a Lambda handler string."""
    match = _HANDLER.fullmatch(handler or "")
    if not match:
        raise HandlerError(handler, "is not a Lambda Python handler", _FORMAT)
    return match["module"].replace(".", "/"), match["function"]


def _bound_names(body: list[ast.stmt]) -> Iterator[str]:
    """Names bound at module level, including inside if/try/with blocks."""
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            yield node.target.id
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                yield (alias.asname or alias.name).split(".")[0]
        elif isinstance(node, ast.If | ast.While | ast.For | ast.With):
            yield from _bound_names(node.body)
            yield from _bound_names(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            yield from _bound_names(node.body)
            for handler in node.handlers:
                yield from _bound_names(handler.body)
            yield from _bound_names(node.orelse)
            yield from _bound_names(node.finalbody)


class ModuleTrees:
    """Each module's syntax tree, parsed at most once per build.

    The handler check, the runtime-helper detection and the client-reuse check all read the
    handler module: parsed by each, a 250,000-line module cost a preview four parses (15 s,
    700 MB). One instance per build shares the trees, keyed by the text itself (the same
    text parses to the same tree, whatever file it came from), and is dropped with the build.
    """

    def __init__(self) -> None:
        self._trees: dict[str, ast.Module] = {}

    def parse(self, source: str, filename: str = "<unknown>") -> ast.Module:
        """`ast.parse(source, filename)`, once per text."""
        tree = self._trees.get(source)
        if tree is None:
            tree = self._trees[source] = ast.parse(source, filename=filename)
        return tree


def check_handler(
    handler: str, members: Mapping[str, Path], where: str, trees: ModuleTrees | None = None
) -> str:
    """The archive member that defines `handler`; raises HandlerError naming what is missing.

    `members` maps archive names (`handler.py`) to files, so the check sees exactly what
    ships: a module left behind by an exclusion rule is reported missing here too. `trees`
    shares the parsed module with the build's other checks.
    """
    module, function = split_handler(handler)
    candidates = (f"{module}.py", f"{module}/__init__.py")
    found = next((name for name in candidates if name in members), None)
    if found is None:
        modules = sorted(n[:-3] for n in members if n.endswith(".py") and "/" not in n)
        raise HandlerError(
            handler,
            f"module {module.replace('/', '.')!r} not found: "
            f"no {' or '.join(candidates)} in {where}",
            ", ".join(f"{m}.<function>" for m in modules) or "a module in the package",
        )
    source = read_source(members[found], f"{where}/{found}", handler)
    try:
        tree = (trees or ModuleTrees()).parse(source, found)
    except SyntaxError as error:
        raise HandlerError(
            handler, f"{where}/{found} does not parse: line {error.lineno}: {error.msg}"
        ) from None
    names = set(_bound_names(tree.body))
    if function not in names:
        functions = sorted(
            node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        )  # fmt: skip
        raise HandlerError(
            handler,
            f"{where}/{found} defines no top-level {function!r}",
            ", ".join(f"{module.replace('/', '.')}.{f}" for f in functions) or "none found",
        )
    return found


def read_source(path: Path, shown: str, handler: str) -> str:
    """A module's text as Python (and so Lambda's runtime) decodes it: UTF-8 unless a PEP 263
    coding line says otherwise. A file that does not decode is named, not half-read."""
    data = path.read_bytes()
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown coding, or first lines that are not UTF-8
        encoding, problem = "utf-8", error.msg
    else:
        problem = ""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        name = "UTF-8" if encoding in ("utf-8", "utf-8-sig") else encoding
        raise HandlerError(
            handler, f"{shown} is not {name} text (byte {error.start}, line {line})",
            "save it as UTF-8",
        ) from None  # fmt: skip
    if problem:
        raise HandlerError(handler, f"{shown}: {problem}", "save it as UTF-8")
    return text


def module_loader(
    members: Mapping[str, Path], where: str, handler: str
) -> Callable[[str, int, str], tuple[str, str] | None]:
    """Finds `from <module> import ...` targets among the shipped modules, so the handler
    check can follow a handler defined in another module of the source folder. Filenames
    are shown as `<where>/<member>`; anything not shipped (site-packages, stdlib) is None."""

    def load(module: str, level: int, importer: str) -> tuple[str, str] | None:
        parts = PurePosixPath(importer.removeprefix(f"{where}/")).parent.parts
        if level:
            if level - 1 > len(parts):
                return None
            base = list(parts[: len(parts) - (level - 1)])
        else:
            base = []
        path = "/".join([*base, *module.split(".")] if module else base)
        for name in (f"{path}.py", f"{path}/__init__.py"):
            if name in members:
                shown = f"{where}/{name}"
                return read_source(members[name], shown, handler), shown
        return None

    return load
