"""Static check of a handler module for MongoDB's first Lambda rule: one client, reused.

Reads the source with `ast` (never imports it) and follows the handler through the
module's own functions, so a `MongoClient(...)` built per invocation — in the handler or
in a helper it calls — and a `client.close()` on that path are reported with file:line.
A client cached at module level (a `global` assignment, an attribute, or a
`functools.cache`/`lru_cache` factory) is the reuse pattern and passes, and so is the
toolkit's runtime helper, `atlas_lambda.get_client()`: it returns the one client of the
execution environment. Its `create_client()` builds a new one per call, like MongoClient,
and closing the helper's client (`.close()`, `with get_client()`) is reported too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .rules import Finding

CLIENT_CLASSES = frozenset({"MongoClient", "AsyncMongoClient"})
HELPER_MODULE = "atlas_lambda"
HELPER_SHARED = "get_client"  # the environment's one client (function/atlas_lambda/client.py)
HELPER_NEW = "create_client"  # a new MongoClient on every call
CACHING_DECORATORS = frozenset({"cache", "lru_cache", "cached_property"})
ALLOWED = (
    "a client created once per execution environment (module level, a cached factory, or "
    "atlas_lambda.get_client())"
)


def _client_class_names(tree: ast.Module) -> set[str]:
    """Local names bound to a MongoClient class, aliases included."""
    names = set(CLIENT_CLASSES)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in CLIENT_CLASSES and alias.asname:
                    names.add(alias.asname)
    return names


def _helper_names(tree: ast.Module) -> tuple[set[str], dict[str, str]]:
    """(local names of the `atlas_lambda` module, {local name: helper function}) as imported
    by `import atlas_lambda [as x]` or `from atlas_lambda[.client] import get_client [as y]`."""
    modules: set[str] = set()
    functions: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(
                alias.asname or alias.name for alias in node.names if alias.name == HELPER_MODULE
            )
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in (
            HELPER_MODULE, f"{HELPER_MODULE}.client",
        ):  # fmt: skip
            for alias in node.names:
                if alias.name in (HELPER_SHARED, HELPER_NEW):
                    functions[alias.asname or alias.name] = alias.name
    return modules, functions


class _Names:
    """How a module names client constructors and the helper's shared-client factory."""

    def __init__(self, tree: ast.Module) -> None:
        self.classes = _client_class_names(tree)
        self.helper_modules, self.helper_functions = _helper_names(tree)

    def helper_function(self, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return self.helper_functions.get(func.id)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in self.helper_modules
        ):
            return func.attr
        return None

    def is_construction(self, call: ast.Call) -> bool:
        """MongoClient(...) or atlas_lambda.create_client(): a new client per call."""
        func = call.func
        if self.helper_function(func) == HELPER_NEW:
            return True
        if isinstance(func, ast.Name):
            return func.id in self.classes
        return isinstance(func, ast.Attribute) and func.attr in CLIENT_CLASSES

    def is_shared(self, call: ast.Call) -> bool:
        """atlas_lambda.get_client(): the environment's one client, reused."""
        return self.helper_function(call.func) == HELPER_SHARED


def uses_helper_client(source: str) -> bool:
    """True when the module takes its client from `atlas_lambda.get_client()`."""
    tree = ast.parse(source)
    names = _Names(tree)
    return any(isinstance(node, ast.Call) and names.is_shared(node) for node in ast.walk(tree))


def _shared_client_names(function: ast.AST, names: _Names) -> set[str]:
    """Local names bound to `get_client()` in the function (`db = get_client()`)."""
    return {
        target.id
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and names.is_shared(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _receiver_name(node.func)
    return ""


def _is_cached_factory(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _receiver_name(target) in CACHING_DECORATORS:
            return True
    return False


def _cached_assignments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """ids of calls whose result is stored beyond the invocation (global or attribute)."""
    declared_global = {
        name for node in ast.walk(function) if isinstance(node, ast.Global) for name in node.names
    }
    kept: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Call):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(
                isinstance(t, ast.Attribute)
                or (isinstance(t, ast.Name) and t.id in declared_global)
                for t in targets
            ):
                kept.add(id(node.value))
    return kept


def _reachable(tree: ast.Module, entry: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """The entry function and every module-level function it calls, transitively."""
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    order, queue, seen = [], [entry], set()
    while queue:
        name = queue.pop(0)
        if name in seen or name not in functions:
            continue
        seen.add(name)
        order.append(functions[name])
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                queue.append(node.func.id)
    return order


def _constructed(call: ast.Call, names: _Names) -> str:
    if names.helper_function(call.func) == HELPER_NEW:
        return f"{ast.unparse(call.func)}() (a new MongoClient) called"
    return "MongoClient constructed"


def _is_shared_receiver(node: ast.expr, names: _Names, shared: set[str]) -> bool:
    if isinstance(node, ast.Call) and names.is_shared(node):
        return True
    return (isinstance(node, ast.Name) and node.id in shared) or (
        "client" in _receiver_name(node).lower()
    )


def _issues(tree: ast.Module, entry: str) -> Iterator[tuple[int, str]]:
    names = _Names(tree)
    for function in _reachable(tree, entry):
        where = f"`{function.name}`" + ("" if function.name == entry else f" (called by `{entry}`)")
        cached_factory = _is_cached_factory(function)
        kept = _cached_assignments(function)
        shared = _shared_client_names(function, names)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            if names.is_construction(node):
                if not cached_factory and id(node) not in kept:
                    yield (
                        node.lineno,
                        (
                            f"{_constructed(node, names)} in {where} on every invocation: each "
                            "call opens new connections (and an STS check per connection); "
                            "create it once outside the handler and reuse it"
                        ),
                    )
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "close"
                and _is_shared_receiver(node.func.value, names, shared)
            ):
                yield (
                    node.lineno,
                    (
                        f"{ast.unparse(node.func.value)}.close() in {where}: the next invocation "
                        "would have to reconnect; never close the shared client in the handler"
                    ),
                )
        for node in ast.walk(function):
            if isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    expr = item.context_expr
                    if isinstance(expr, ast.Call) and names.is_shared(expr):
                        yield (
                            node.lineno,
                            (
                                f"`with {ast.unparse(expr)}` in {where} closes the shared client "
                                "when the block ends; use the client without `with`"
                            ),
                        )
                    elif isinstance(expr, ast.Call) and names.is_construction(expr):
                        yield (
                            node.lineno,
                            (
                                f"`with MongoClient(...)` in {where} closes the client after "
                                "every invocation; create it once and reuse it"
                            ),
                        )


def client_reuse_findings(source: str, filename: str, function: str) -> list[Finding]:
    """Findings (errors) for `function` in `source`, each message starting `filename:line`."""
    tree = ast.parse(source, filename=filename)
    unique = sorted(set(_issues(tree, function)))
    return [
        Finding("client-reuse", "handler", f"{filename}:{line}: {message}", allowed=ALLOWED)
        for line, message in unique
    ]
