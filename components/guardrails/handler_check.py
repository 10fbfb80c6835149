"""Static check of a handler module for MongoDB's first Lambda rule: one client, reused.

Reads the source with `ast` (never imports it) and follows the handler through the
module's own functions, so a `MongoClient(...)` built per invocation — in the handler or
in a helper it calls — and a `client.close()` on that path are reported with file:line.
A client cached at module level (a `global` assignment, an attribute, or a
`functools.cache`/`lru_cache` factory) is the reuse pattern and passes.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .rules import Finding

CLIENT_CLASSES = frozenset({"MongoClient", "AsyncMongoClient"})
CACHING_DECORATORS = frozenset({"cache", "lru_cache", "cached_property"})
ALLOWED = "a client created once per execution environment (module level or a cached factory)"


def _client_class_names(tree: ast.Module) -> set[str]:
    """Local names bound to a MongoClient class, aliases included."""
    names = set(CLIENT_CLASSES)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in CLIENT_CLASSES and alias.asname:
                    names.add(alias.asname)
    return names


def _is_client_construction(call: ast.Call, class_names: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in class_names
    return isinstance(func, ast.Attribute) and func.attr in CLIENT_CLASSES


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


def _issues(tree: ast.Module, entry: str) -> Iterator[tuple[int, str]]:
    class_names = _client_class_names(tree)
    for function in _reachable(tree, entry):
        where = f"`{function.name}`" + ("" if function.name == entry else f" (called by `{entry}`)")
        cached_factory = _is_cached_factory(function)
        kept = _cached_assignments(function)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            if _is_client_construction(node, class_names):
                if not cached_factory and id(node) not in kept:
                    yield (
                        node.lineno,
                        (
                            f"MongoClient constructed in {where} on every invocation: each call "
                            "opens new connections (and an STS check per connection); create it "
                            "once outside the handler and reuse it"
                        ),
                    )
            elif (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "close"
                and "client" in _receiver_name(node.func.value).lower()
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
                    if isinstance(expr, ast.Call) and _is_client_construction(expr, class_names):
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
