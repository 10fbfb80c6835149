"""Static check of a handler module for MongoDB's first Lambda rule: one client, reused.

Reads the source with `ast` (never imports it) and follows the handler through the code it
can name: module-level functions it references (called, aliased or stored in a module-level
dict/list), methods of classes it instantiates, and `from <module> import name` of modules in
the source folder. A `MongoClient(...)` (or motor's `AsyncIOMotorClient`, or the helper's
`create_client()`) built per invocation and a close of a client on that path (`.close()`,
`with client`, `contextlib.closing(client)`) are reported with file:line. A client kept
beyond the invocation (a `global` or attribute assignment, `x = x or MongoClient()`, a
module-level dict filled under an `if key not in cache` guard, a `functools.cache` factory)
is the reuse pattern and passes, and so does the toolkit's `atlas_lambda.get_client()`.

A handler the check cannot read (a lambda, a bound method, a lookup, a function from outside
the source folder) yields an advisory saying so instead of a claim that one client is reused;
a lambda that builds a client is still refused.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .rules import Finding

CLIENT_CLASSES = frozenset({"MongoClient", "AsyncMongoClient", "AsyncIOMotorClient", "MotorClient"})
HELPER_MODULE = "atlas_lambda"
HELPER_SHARED = "get_client"  # the environment's one client (function/atlas_lambda/client.py)
HELPER_NEW = "create_client"  # a new MongoClient on every call
CACHING_DECORATORS = frozenset({"cache", "lru_cache", "cached_property"})
ALLOWED = (
    "a client created once per execution environment (module level, a cached factory, or "
    "atlas_lambda.get_client())"
)
UNCHECKED_ALLOWED = "a handler defined with `def` in a module of the source folder"
MAX_IMPORT_DEPTH = 8

ModuleLoader = Callable[[str, int, str], "tuple[str, str] | None"]
Parse = Callable[[str, str], ast.Module]


def _parse(source: str, filename: str) -> ast.Module:
    return ast.parse(source, filename=filename)
"""(module, import level, importing file) -> (source, filename) of a source-folder module."""

Function = ast.FunctionDef | ast.AsyncFunctionDef
Unit = Function | ast.Lambda


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call):
        return _last_name(node.func)
    return ""


class _Names:
    """How a module names client constructors and the helper's functions, aliases included."""

    def __init__(self, tree: ast.Module) -> None:
        self.classes = set(CLIENT_CLASSES)
        self.helper_modules: set[str] = set()
        self.helper_functions: dict[str, str] = {}
        helper_packages = (HELPER_MODULE, f"{HELPER_MODULE}.client")
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in helper_packages:
                        # `import atlas_lambda.client` binds atlas_lambda too
                        self.helper_modules.update(
                            {alias.asname or alias.name, alias.asname or HELPER_MODULE}
                        )
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module in helper_packages and alias.name in (HELPER_SHARED, HELPER_NEW):
                        self.helper_functions[local] = alias.name
                    elif node.module == HELPER_MODULE and alias.name == "client":
                        self.helper_modules.add(local)
                    elif alias.name in CLIENT_CLASSES:
                        self.classes.add(local)
        self._follow_aliases(tree)

    def _follow_aliases(self, tree: ast.Module) -> None:
        """`MC = pymongo.MongoClient`, `gc = get_client`: the new name means the same."""
        pairs = [
            (target.id, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        ]
        changed = True
        while changed:
            changed = False
            for name, value in pairs:
                if name not in self.classes and self.is_class(value):
                    self.classes.add(name)
                    changed = True
                helper = self.helper_function(value)
                if helper and name not in self.helper_functions:
                    self.helper_functions[name] = helper
                    changed = True

    def is_class(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.classes
        return isinstance(node, ast.Attribute) and node.attr in CLIENT_CLASSES

    def helper_function(self, func: ast.expr) -> str | None:
        if isinstance(func, ast.Name):
            return self.helper_functions.get(func.id)
        if isinstance(func, ast.Attribute) and _dotted(func.value) in self.helper_modules:
            return func.attr if func.attr in (HELPER_SHARED, HELPER_NEW) else None
        return None

    def is_construction(self, call: ast.Call) -> bool:
        """MongoClient(...) or atlas_lambda.create_client(): a new client per call."""
        return self.is_class(call.func) or self.helper_function(call.func) == HELPER_NEW

    def is_shared(self, call: ast.Call) -> bool:
        """atlas_lambda.get_client(): the environment's one client, reused."""
        return self.helper_function(call.func) == HELPER_SHARED


@dataclass
class _Holders:
    """Names and attributes that hold a client somewhere in the module, and local factories."""

    names: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    factories: set[str] = field(default_factory=set)


def _holds_client(node: ast.expr, names: _Names, holders: _Holders) -> bool:
    if isinstance(node, ast.Call):
        return (
            names.is_construction(node)
            or names.is_shared(node)
            or (isinstance(node.func, ast.Name) and node.func.id in holders.factories)
        )
    if isinstance(node, ast.BoolOp):
        return any(_holds_client(value, names, holders) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _holds_client(node.body, names, holders) or _holds_client(
            node.orelse, names, holders
        )
    if isinstance(node, ast.Name):
        return node.id in holders.names
    if isinstance(node, ast.Attribute):
        return node.attr in holders.attributes
    if isinstance(node, ast.Subscript):
        return _holds_client(node.value, names, holders)
    return False


def _find_holders(tree: ast.Module, names: _Names) -> _Holders:
    """What is bound to a client (to a fixpoint): only these count when closed."""
    holders = _Holders()
    bindings: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            bindings += [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            bindings.append((node.target, node.value))
        elif isinstance(node, ast.With | ast.AsyncWith):
            bindings += [(i.optional_vars, i.context_expr) for i in node.items if i.optional_vars]
    functions = [n for n in tree.body if isinstance(n, Function)]
    changed = True
    while changed:
        changed = False
        for target, value in bindings:
            if not _holds_client(value, names, holders):
                continue
            if isinstance(target, ast.Subscript):
                target = target.value
            if isinstance(target, ast.Name) and target.id not in holders.names:
                holders.names.add(target.id)
                changed = True
            elif isinstance(target, ast.Attribute) and target.attr not in holders.attributes:
                holders.attributes.add(target.attr)
                changed = True
        for function in functions:
            if function.name not in holders.factories and any(
                isinstance(n, ast.Return) and n.value and _holds_client(n.value, names, holders)
                for n in ast.walk(function)
            ):
                holders.factories.add(function.name)
                changed = True
    return holders


def uses_helper_client(source: str) -> bool:
    """True when the module takes its client from `atlas_lambda.get_client()`."""
    tree = ast.parse(source)
    names = _Names(tree)
    return any(isinstance(node, ast.Call) and names.is_shared(node) for node in ast.walk(tree))


def _is_cached_factory(function: Unit) -> bool:
    if isinstance(function, ast.Lambda):
        return False
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _last_name(target) in CACHING_DECORATORS:
            return True
    return False


def _local_names(function: Unit) -> set[str]:
    stores = {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    if not isinstance(function, ast.Lambda):
        stores |= {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    return stores - {n for g in ast.walk(function) if isinstance(g, ast.Global) for n in g.names}


def _guarded_by(node: ast.AST, name: str, parents: dict[int, ast.AST]) -> bool:
    """True when an enclosing `if` tests `name` (`if key not in cache:`)."""
    current = parents.get(id(node))
    while current is not None:
        if isinstance(current, ast.If) and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(current.test)
        ):
            return True
        current = parents.get(id(current))
    return False


def _kept_calls(function: Unit, per_instance_self: str | None) -> set[int]:
    """ids of calls whose result is stored beyond the invocation: a `global` name (also
    `x = x or MongoClient()`), an attribute (not `self.` of an object built per call), or a
    module-level dict under a guard that tests it."""
    if isinstance(function, ast.Lambda):
        return set()
    declared_global = {n for g in ast.walk(function) if isinstance(g, ast.Global) for n in g.names}
    local = _local_names(function)
    parents = {
        id(child): parent for parent in ast.walk(function) for child in ast.iter_child_nodes(parent)
    }
    kept: set[int] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                stored = target.id in declared_global
            elif isinstance(target, ast.Attribute):
                stored = not (
                    isinstance(target.value, ast.Name) and target.value.id == per_instance_self
                )
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                cache = target.value.id
                stored = cache not in local and _guarded_by(node, cache, parents)
            else:
                stored = False
            if stored:
                kept.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Call))
    return kept


@dataclass
class _Module:
    """One parsed module of the source folder and what the check needs to know about it."""

    source: str
    filename: str
    parse: Parse | None = None
    """How to parse (the packaging build shares one tree per module); `ast.parse` if None."""

    def __post_init__(self) -> None:
        self.tree = (self.parse or _parse)(self.source, self.filename)
        self.names = _Names(self.tree)
        self.holders = _find_holders(self.tree, self.names)
        body = self.tree.body
        self.functions = {n.name: n for n in body if isinstance(n, Function)}
        self.classes = {n.name: n for n in body if isinstance(n, ast.ClassDef)}
        self.values = {
            t.id: n.value for n in body if isinstance(n, ast.Assign) for t in n.targets
            if isinstance(t, ast.Name)
        }  # fmt: skip
        self.imports = {
            (a.asname or a.name): (n.module or "", n.level, a.name)
            for n in body if isinstance(n, ast.ImportFrom) for a in n.names
        }  # fmt: skip


@dataclass
class _Unit:
    module: _Module
    node: Unit
    label: str
    per_instance_self: str | None = None


class _Walk:
    """Follows the handler across the source folder's modules."""

    def __init__(self, entry: _Module, load: ModuleLoader | None) -> None:
        self.entry = entry
        self.load = load
        self.parse = entry.parse
        self.modules: dict[str, _Module] = {entry.filename: entry}

    def imported(self, module: _Module, name: str) -> tuple[_Module, str] | None:
        """The source-folder module and name behind `from X import name`, if local."""
        source_module, level, original = module.imports[name]
        found = self.load(source_module, level, module.filename) if self.load else None
        if found is None:
            return None
        source, filename = found
        if filename not in self.modules:
            self.modules[filename] = _Module(source, filename, self.parse)
        return self.modules[filename], original

    def resolve(self, module: _Module, name: str, depth: int = 0) -> _Unit | str | None:
        """The unit `name` is, a reason it cannot be followed, or None when not bound."""
        shown = f"`{name}` in {module.filename}"
        if depth > MAX_IMPORT_DEPTH:
            return f"{shown} is imported through more than {MAX_IMPORT_DEPTH} modules"
        if name in module.functions:
            return _Unit(module, module.functions[name], f"`{name}`")
        if name in module.imports:
            source_module, level, _ = module.imports[name]
            target = self.imported(module, name)
            if target is None:
                where = "." * level + source_module
                return f"{shown} is imported from {where}, which is not in the source folder"
            return self.resolve(*target, depth + 1)
        value = module.values.get(name)
        if isinstance(value, ast.Lambda):
            return _Unit(module, value, f"the lambda bound to `{name}`")
        if isinstance(value, ast.Name) and value.id != name:
            return self.resolve(module, value.id, depth + 1)
        if value is not None:
            return (
                f"{shown} is `{ast.unparse(value)}`, not a function the check can read "
                "(a bound method, a call's result or a lookup)"
            )
        if name in module.classes:
            return f"{shown} is a class"
        return f"{shown} is not bound by a top-level `def`" if self._bound(module, name) else None

    @staticmethod
    def _bound(module: _Module, name: str) -> bool:
        return any(
            (isinstance(n, Function | ast.ClassDef) and n.name == name)
            or (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store))
            for n in ast.walk(module.tree)
        )

    def callees(self, unit: _Unit) -> Iterator[_Unit]:
        """Units the code of `unit` can reach by the names it references."""
        module = unit.module
        called = {id(n.func) for n in ast.walk(unit.node) if isinstance(n, ast.Call)}
        for node in ast.walk(unit.node):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                yield from self._named(module, node.id, per_call=id(node) in called)

    def _named(self, module: _Module, name: str, per_call: bool, depth: int = 0) -> Iterator[_Unit]:
        if name in module.functions:
            yield _Unit(module, module.functions[name], f"`{name}`")
        elif name in module.classes:
            yield from self._methods(module, module.classes[name], per_call)
        elif name in module.imports and depth < MAX_IMPORT_DEPTH:
            target = self.imported(module, name)
            if target is not None:
                yield from self._named(*target, per_call=per_call, depth=depth + 1)
        elif name in module.values and depth < MAX_IMPORT_DEPTH:
            value = module.values[name]  # a dispatch table, an alias, a module-level instance
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
                yield from self._named(module, value.func.id, per_call=False, depth=depth + 1)
            elif isinstance(value, ast.Dict | ast.List | ast.Tuple | ast.Set | ast.Name):
                for inner in ast.walk(value):
                    if isinstance(inner, ast.Name) and inner.id != name:
                        yield from self._named(module, inner.id, per_call, depth + 1)

    @staticmethod
    def _methods(module: _Module, cls: ast.ClassDef, per_call: bool) -> Iterator[_Unit]:
        for method in cls.body:
            if isinstance(method, Function):
                first = method.args.args[0].arg if method.args.args else None
                yield _Unit(module, method, f"`{cls.name}.{method.name}`",
                            per_instance_self=first if per_call else None)  # fmt: skip

    def reachable(self, entry: _Unit) -> list[_Unit]:
        order: list[_Unit] = []
        queue, seen = [entry], set()
        while queue:
            unit = queue.pop(0)
            key = (id(unit.node), unit.per_instance_self)
            if key in seen:
                continue
            seen.add(key)
            order.append(unit)
            queue.extend(self.callees(unit))
        return order


def _constructed(call: ast.Call, names: _Names) -> str:
    if names.helper_function(call.func) == HELPER_NEW:
        return f"{ast.unparse(call.func)}() (a new MongoClient) called"
    if "Motor" in ast.unparse(call.func):
        return f"{ast.unparse(call.func)} (motor's MongoDB client) constructed"
    return "MongoClient constructed"


def _is_closing_call(call: ast.Call, module: _Module) -> bool:
    """`contextlib.closing(client)`: closes it when the block ends."""
    return (
        _last_name(call.func) == "closing"
        and len(call.args) == 1
        and _holds_client(call.args[0], module.names, module.holders)
    )


def _issues(unit: _Unit, entry_label: str) -> Iterator[tuple[str, int, str]]:
    module, node, names = unit.module, unit.node, unit.module.names
    where = unit.label + ("" if unit.label == entry_label else f" (called by {entry_label})")
    cached_factory = _is_cached_factory(node)
    kept = _kept_calls(node, unit.per_instance_self)
    body = node.body if isinstance(node, ast.Lambda) else node
    for call in (n for n in ast.walk(body) if isinstance(n, ast.Call)):
        if names.is_construction(call):
            if not cached_factory and id(call) not in kept:
                yield (
                    module.filename, call.lineno,
                    f"{_constructed(call, names)} in {where} on every invocation: each call "
                    "opens new connections (and an STS check per connection); create it once "
                    "outside the handler and reuse it",
                )  # fmt: skip
        elif (
            isinstance(call.func, ast.Attribute)
            and call.func.attr == "close"
            and _holds_client(call.func.value, names, module.holders)
        ):
            yield (
                module.filename, call.lineno,
                f"{ast.unparse(call.func.value)}.close() in {where}: the next invocation would "
                "have to reconnect; never close the shared client in the handler",
            )  # fmt: skip
        elif _is_closing_call(call, module):
            yield (
                module.filename, call.lineno,
                f"`{ast.unparse(call)}` in {where} closes the client when the block ends; "
                "use the client without closing it",
            )  # fmt: skip
    for block in (n for n in ast.walk(body) if isinstance(n, ast.With | ast.AsyncWith)):
        for item in block.items:
            expr = item.context_expr
            if isinstance(expr, ast.Call) and names.is_construction(expr):
                yield (
                    module.filename, block.lineno,
                    f"`with MongoClient(...)` in {where} closes the client after every "
                    "invocation; create it once and reuse it",
                )  # fmt: skip
            elif _holds_client(expr, names, module.holders):
                yield (
                    module.filename, block.lineno,
                    f"`with {ast.unparse(expr)}` in {where} closes the shared client when the "
                    "block ends; use the client without `with`",
                )  # fmt: skip


def client_reuse_findings(
    source: str,
    filename: str,
    function: str,
    load_module: ModuleLoader | None = None,
    parse: Parse | None = None,
) -> list[Finding]:
    """Errors for `function` in `source`, each message starting `filename:line`, or one
    advisory (`client-reuse-unchecked`) naming the handler when it cannot be followed.

    `load_module` finds other modules of the source folder, so `from impl import handler`
    and helpers imported from them are read too. `parse(source, filename)` replaces
    `ast.parse`: a caller that parsed the modules already passes its trees.
    """
    walk = _Walk(_Module(source, filename, parse), load_module)
    entry = walk.resolve(walk.entry, function)
    if entry is None:
        return []
    if isinstance(entry, str):
        return [_unchecked(function, entry)]
    unique = sorted(
        {issue for unit in walk.reachable(entry) for issue in _issues(unit, entry.label)}
    )
    errors = [
        Finding("client-reuse", "handler", f"{name}:{line}: {message}", allowed=ALLOWED)
        for name, line, message in unique
    ]
    if not errors and isinstance(entry.node, ast.Lambda):
        return [_unchecked(function, f"{entry.label} in {entry.module.filename} is a lambda")]
    return errors


def _unchecked(function: str, reason: str) -> Finding:
    return Finding(
        "client-reuse-unchecked", "handler",
        f"client reuse not checked for `{function}`: {reason}",
        severity="advisory", allowed=UNCHECKED_ALLOWED,
    )  # fmt: skip
