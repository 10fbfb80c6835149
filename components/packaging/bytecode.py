"""Bytecode for the artifact: `__pycache__/*.cpython-3XY.pyc` compiled by the runtime's version.

Lambda's code root (`/var/task`) and layers (`/opt`) are read-only, so Python cannot write
a bytecode cache there: without `.pyc` in the artifact, every new execution environment
compiles every module it imports (pymongo, bson, dnspython, ...) from source, and a cold
start pays about twice the import time. The files are PEP 552 hash-based and unchecked
(no timestamp in them, so the artifact stays byte-for-byte reproducible; the import system
trusts them without reading the source, which on Lambda never changes). Sources stay in
the artifact for tracebacks. The compiled tree is cached by the sources' names and hashes,
the path they will have on Lambda and the interpreter's exact version, so a rebuild of
unchanged code compiles nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import BuildCache, CachedBytecode, cache_key
from .errors import PackagingError
from .interpreter import Interpreter
from .tree import Manifest

WORKER = Path(__file__).resolve().parent / "bytecode_worker.py"
COMPILE_TIMEOUT_SECONDS = 600
# PEP 552 header: magic (4 bytes), flags (4), then the source hash (8). Flags bit 0 =
# hash-based, bit 1 = check the source; unchecked hash-based is 0b01.
UNCHECKED_HASH_FLAGS = 0b01
CODE_ROOT = "/var/task/"
LAYER_ROOT = "/opt/"
"""Where Lambda extracts the code and the layers: the paths tracebacks name."""


@dataclass(frozen=True)
class CompiledTree:
    """The `.pyc` members to add to one archive."""

    members: dict[str, Path]
    manifest: Manifest
    failed: tuple[tuple[str, str], ...]
    hit: bool


def pyc_name(source_name: str, cache_tag: str) -> str:
    """`pkg/mod.py` -> `pkg/__pycache__/mod.cpython-313.pyc` (importlib's own layout)."""
    parent, _, filename = source_name.rpartition("/")
    folder = f"{parent}/__pycache__" if parent else "__pycache__"
    return f"{folder}/{filename[:-3]}.{cache_tag}.pyc"


def pyc_header(path: Path) -> tuple[str, int]:
    """(magic number as hex, flags) of a `.pyc` file."""
    with path.open("rb") as handle:
        header = handle.read(8)
    return header[:4].hex(), int.from_bytes(header[4:8], "little")


def compile_sources(
    cache: BuildCache,
    interpreter: Interpreter,
    manifest: Manifest,
    members: Mapping[str, Path],
    lambda_root: str,
) -> CompiledTree:
    """Bytecode for every `.py` member of one archive, compiled by `interpreter`.

    `lambda_root` is where the archive is extracted on Lambda (`/var/task/` or `/opt/`):
    each code object names its module's path there, never the build folder.
    """
    sources = [entry for entry in manifest.entries if entry.name.endswith(".py")]
    key = cache_key({
        "bytecode": {"cache_tag": interpreter.cache_tag, "magic": interpreter.magic,
                     "version": interpreter.version, "worker": _worker_digest()},
        "root": lambda_root,
        "sources": [[entry.name, entry.sha256] for entry in sources],
    })  # fmt: skip
    cached = cache.get_bytecode(key)
    if cached is None:
        paths = {entry.name: members[entry.name] for entry in sources}
        cached = cache.put_bytecode(
            key, lambda tree: _compile(interpreter, paths, tree, lambda_root)
        )
    return _as_members(cached)


def _as_members(cached: CachedBytecode) -> CompiledTree:
    members = {entry.name: cached.tree / entry.name for entry in cached.manifest.entries}
    return CompiledTree(members, cached.manifest, cached.failed, cached.hit)


def _worker_digest() -> str:
    """The worker's own text: a change to how files are compiled invalidates the cache."""
    return hashlib.sha256(WORKER.read_bytes()).hexdigest()[:16]


def _compile(
    interpreter: Interpreter, sources: Mapping[str, Path], tree: Path, lambda_root: str
) -> list[tuple[str, str]]:
    """Run the worker under `interpreter`; return (module path, reason) of what failed."""
    files = [
        [str(path), str(tree / pyc_name(name, interpreter.cache_tag)), lambda_root + name]
        for name, path in sorted(sources.items())
    ]
    if not files:
        return []
    job = json.dumps({"magic": interpreter.magic, "files": files})
    # A clean environment: no PYTHONPATH or startup hooks of the user's, and a fixed hash
    # seed so set and frozenset constants are marshalled in the same order every time.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONHASHSEED": "0",
           "LC_ALL": "C.UTF-8"}  # fmt: skip
    try:
        completed = subprocess.run(
            [str(interpreter.path), "-S", "-B", str(WORKER)], input=job, capture_output=True,
            text=True, env=env, timeout=COMPILE_TIMEOUT_SECONDS, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as error:
        raise PackagingError(
            f"{interpreter.describe()} did not compile the bytecode within "
            f"{COMPILE_TIMEOUT_SECONDS} s"
        ) from error
    except OSError as error:
        raise PackagingError(f"{interpreter.describe()} did not start: {error}") from error
    answer = _answer(completed.stdout)
    if completed.returncode != 0 or "failed" not in answer:
        reason = answer.get("error") or (completed.stderr.strip().splitlines() or ["no answer"])[-1]
        raise PackagingError(f"{interpreter.describe()} could not compile the bytecode: {reason}")
    _check_headers(tree, interpreter)
    return [(str(name), str(why)) for name, why in answer["failed"]]


def _answer(stdout: str) -> dict[str, Any]:
    """The worker's JSON line, or {} when it printed none."""
    try:
        answer = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}
    return answer if isinstance(answer, dict) else {}


def _check_headers(tree: Path, interpreter: Interpreter) -> None:
    """Every file written is an unchecked hash-based `.pyc` of exactly this interpreter."""
    for folder, _dirs, files in os.walk(tree):
        for filename in files:
            path = Path(folder) / filename
            magic, flags = pyc_header(path)
            if magic != interpreter.magic or flags != UNCHECKED_HASH_FLAGS:
                raise PackagingError(
                    f"{path.relative_to(tree)} has magic {magic} and flags {flags}, not "
                    f"{interpreter.magic} and {UNCHECKED_HASH_FLAGS}: refusing to ship it"
                )
