"""Finding a CPython of the target runtime's exact version, to compile the artifact's bytecode.

Bytecode is only valid for the minor version that wrote it (its magic number changes with
every minor release), so the `.pyc` files the artifact ships must come from a CPython of the
runtime's own `X.Y`, never from whatever Python runs the build. Such interpreters are looked
for where developers keep them, in this order: uv's managed Pythons (`uv python install`),
pyenv's versions (`pyenv install`), then `pythonX.Y` on PATH. The folders are listed, not
asked, so a build that finds nothing (the usual case for a runtime nobody installed) starts
no process at all; a candidate is run once to confirm what it is: CPython, exactly `X.Y`, a
final release (a pre-release may carry another magic number than the runtime's), and the
default GIL build (a free-threaded build is not what Lambda runs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Printed by a candidate, as one JSON line: what it is.
_PROBE = (
    "import json, sys, sysconfig, importlib.util as u;"
    "print(json.dumps({'name': sys.implementation.name,"
    " 'cache_tag': sys.implementation.cache_tag,"
    " 'version': list(sys.version_info[:3]), 'level': sys.version_info.releaselevel,"
    " 'gil_disabled': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'magic': u.MAGIC_NUMBER.hex()}))"
)
PROBE_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class Interpreter:
    """A CPython that may compile bytecode for a runtime."""

    path: Path
    version: str
    """Full version, `3.13.0`: part of the bytecode cache key (a patch release may compile
    a construct differently, though every `.pyc` of one minor version loads in the others)."""
    cache_tag: str
    """`cpython-313`: the middle of `name.cpython-313.pyc`."""
    magic: str
    """The bytecode magic number, hex."""
    source: str
    """Where it was found: `uv`, `pyenv`, `PATH` or `this interpreter`."""

    def describe(self) -> str:
        return f"CPython {self.version} ({self.source}: {self.path})"


def how_to_get(minor: str) -> str:
    """The hint for a missing interpreter, in one phrase."""
    return f"`uv python install {minor}` or `pyenv install {minor}`"


def uv_python_dirs() -> list[Path]:
    """Where uv keeps its managed Pythons ($UV_PYTHON_INSTALL_DIR, else its data folder)."""
    configured = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if configured:
        return [Path(configured)]
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return [Path(data) / "uv" / "python"]


def pyenv_versions_dir() -> Path | None:
    """$PYENV_ROOT/versions, else ~/.pyenv/versions, else `pyenv root` when pyenv is on PATH."""
    configured = os.environ.get("PYENV_ROOT")
    if configured:
        return Path(configured) / "versions"
    default = Path.home() / ".pyenv"
    if default.is_dir():
        return default / "versions"
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    try:
        root = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_SECONDS,
            check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(root) / "versions" if root else None


def _newest_first(folders: list[Path], pattern: re.Pattern[str]) -> list[Path]:
    """Folders whose name matches `pattern` (group 1 = patch number), highest patch first."""
    found = [(int(m.group(1)), folder) for folder in folders
             if (m := pattern.match(folder.name))]  # fmt: skip
    return [folder for _, folder in sorted(found, key=lambda pair: (-pair[0], pair[1].name))]


def _children(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    try:
        return [child for child in folder.iterdir() if child.is_dir()]
    except OSError:
        return []


def candidates(minor: str) -> Iterator[tuple[str, Path]]:
    """(where, path) of every interpreter that may be CPython `minor`, in search order."""
    escaped = re.escape(minor)
    for root in uv_python_dirs():
        # cpython-3.13.1-linux-x86_64-gnu; +freethreaded builds are skipped by the probe.
        pattern = re.compile(rf"^cpython-{escaped}\.(\d+)-")
        for folder in _newest_first(_children(root), pattern):
            yield "uv", folder / "bin" / f"python{minor}"
    pattern = re.compile(rf"^{escaped}\.(\d+)$")
    for folder in _newest_first(_children(pyenv_versions_dir()), pattern):
        yield "pyenv", folder / "bin" / f"python{minor}"
    on_path = shutil.which(f"python{minor}")
    if on_path:
        yield "PATH", Path(on_path)


def probe(path: Path, source: str) -> Interpreter | None:
    """Run `path` once and describe it; None when it does not start or answer."""
    try:
        completed = subprocess.run(
            [str(path), "-I", "-S", "-c", _PROBE], capture_output=True, text=True,
            timeout=PROBE_TIMEOUT_SECONDS, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        facts = json.loads(completed.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    if completed.returncode != 0 or facts.get("name") != "cpython":
        return None
    if facts.get("level") != "final" or facts.get("gil_disabled"):
        return None
    version = ".".join(str(part) for part in facts["version"])
    return Interpreter(path, version, facts["cache_tag"], facts["magic"], source)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def find_interpreter(minor: str) -> Interpreter | None:
    """The first CPython of exactly `minor` (`3.13`) found, else None.

    The running interpreter counts when it is that version (a build for this machine, or a
    toolkit running on the runtime's own version), found before any search.
    """
    if f"{sys.version_info.major}.{sys.version_info.minor}" == minor:
        running = probe(Path(sys.executable), "this interpreter")
        if running is not None:
            return running
    seen: set[Path] = set()
    for source, path in candidates(minor):
        if path in seen or not path.is_file() or not os.access(path, os.X_OK):
            continue
        seen.add(path)
        found = probe(path, source)
        if found is not None and _minor(found.version) == minor:
            return found
    return None
