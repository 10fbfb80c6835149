"""The handler's client-reuse check, run once per content of the code it reads.

The check (components/guardrails/handler_check.py) parses the handler module and every
module it follows with `ast` and walks the trees: about 40 ms for the sample function, paid
by every preview and every `pulumi up` although the code rarely changes. Its verdict
depends only on the handler name, the shipped `.py` files and the checker itself, so it is
kept in the build cache under a hash of exactly those, and an unchanged function is
checked by reading one small JSON file.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path

from ..guardrails import handler_check, rules
from ..guardrails.handler_check import client_reuse_findings
from ..guardrails.rules import Finding
from .cache import BuildCache, cache_key, read_text_no_link, write_text_atomic
from .handler import module_loader, read_source, split_handler
from .tree import Manifest

CHECKER_FILES = (Path(handler_check.__file__), Path(rules.__file__))


def _checker_digest() -> str:
    """The checker's own source: a changed rule re-checks every handler."""
    digest = hashlib.sha256()
    for path in CHECKER_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def reuse_findings(
    cache: BuildCache,
    handler: str,
    module: str,
    where: str,
    manifest: Manifest,
    members: Mapping[str, Path],
    parse: Callable[[str, str], ast.Module] | None = None,
) -> list[Finding]:
    """`client_reuse_findings` for `handler` (defined in member `module`), from the cache
    when the same code was checked by the same checker before. `parse` is the build's
    (ModuleTrees.parse): a module the handler check parsed is not parsed again."""
    key = cache_key({
        "checker": _checker_digest(),
        "handler": handler,
        "sources": [[e.name, e.sha256] for e in manifest.entries if e.name.endswith(".py")],
        "where": where,
    })  # fmt: skip
    path = cache.folder("checks") / f"{key}.json"
    try:
        return [Finding(**item) for item in json.loads(read_text_no_link(path))]
    except (OSError, ValueError, TypeError):
        pass
    shown = f"{where}/{module}"
    findings = client_reuse_findings(
        read_source(members[module], shown, handler), shown, split_handler(handler)[1],
        module_loader(members, where, handler), parse=parse,
    )  # fmt: skip
    write_text_atomic(path, json.dumps([dataclasses.asdict(f) for f in findings], sort_keys=True))
    return findings
