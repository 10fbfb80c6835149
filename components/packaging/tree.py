"""File trees as Pulumi sees them: relative names and contents, nothing else.

Pulumi hashes a directory archive from its sorted member names, sizes and contents (modes
and mtimes are ignored), so the manifest here records exactly that: two trees with equal
manifests get equal Pulumi hashes, whatever folder they sit in and whenever they were
written. Everything that would make two installs of the same wheels differ (bytecode, the
installer's name, RECORD, lock files, console scripts) is removed by `clean_install_tree`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceLinkError

# Never shipped, wherever they appear (sources and installs alike).
SKIPPED_DIRS = frozenset(
    {"__pycache__", ".git", ".hg", ".venv", "venv", ".pulumi", ".pytest_cache", ".mypy_cache",
     ".ruff_cache", ".hypothesis", ".idea", ".vscode"}
)  # fmt: skip
SKIPPED_SUFFIXES = (".pyc", ".pyo")

# Removed from installed dependencies only.
# - bin/: console scripts with the build machine's interpreter path in their shebang.
# - RECORD, INSTALLER, REQUESTED, direct_url.json, uv_cache.json: installer bookkeeping
#   that names the tool, the cache or local paths; nothing imports them.
# - C sources/headers, Cython sources and type stubs: build/type-check inputs only.
INSTALL_DROPPED_TOP = frozenset({"bin", ".lock"})
DIST_INFO_DROPPED = frozenset(
    {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json", "uv_cache.json"}
)
INSTALL_DROPPED_SUFFIXES = (".c", ".h", ".pyx", ".pxd", ".pyi")
INSTALL_DROPPED_NAMES = frozenset({"py.typed"})

# Fixed zip entry time (the zip format cannot say 1970) for the measuring zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class FileEntry:
    """One member: posix name relative to the tree root, size and sha256 of the bytes."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """A tree's members, sorted by name; `digest` is the tree's content hash."""

    entries: tuple[FileEntry, ...]

    @property
    def file_count(self) -> int:
        return len(self.entries)

    @property
    def total_size(self) -> int:
        return sum(entry.size for entry in self.entries)

    @property
    def digest(self) -> str:
        """sha256 over `name NUL size NUL sha256 LF` per member, in name order."""
        digest = hashlib.sha256()
        for entry in self.entries:
            digest.update(f"{entry.name}\0{entry.size}\0{entry.sha256}\n".encode())
        return digest.hexdigest()

    def prefixed(self, prefix: str) -> Manifest:
        """The same members under `prefix/` (e.g. a layer's `python/`)."""
        return Manifest(
            tuple(FileEntry(f"{prefix}/{e.name}", e.size, e.sha256) for e in self.entries)
        )

    def merged(self, other: Manifest) -> Manifest:
        return Manifest(tuple(sorted(self.entries + other.entries, key=lambda e: e.name)))

    def to_json(self) -> list[list[object]]:
        return [[e.name, e.size, e.sha256] for e in self.entries]

    @classmethod
    def from_json(cls, data: Iterable[list[object]]) -> Manifest:
        return cls(tuple(FileEntry(str(n), int(s), str(h)) for n, s, h in data))  # type: ignore[call-overload]


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iter_tree(
    root: Path,
    *,
    skip_names: frozenset[str] = frozenset(),
    skip_hidden: bool = True,
    keep_bytecode: bool = False,
) -> Iterator[tuple[str, Path]]:
    """(posix name, path) of every shippable file under root, in name order.

    Skips caches, VCS and tool folders, bytecode, directory symlinks and, for source trees,
    hidden files (`.env` may hold secrets); file symlinks are followed, as Pulumi does.
    `keep_bytecode` keeps `__pycache__/*.pyc`: for trees whose bytecode was compiled on
    purpose for the target (the cache's bytecode entries, a built artifact), never for a
    source folder, whose bytecode comes from whatever Python ran it.
    """
    skipped_dirs = SKIPPED_DIRS - {"__pycache__"} if keep_bytecode else SKIPPED_DIRS
    skipped_suffixes = () if keep_bytecode else SKIPPED_SUFFIXES
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            d for d in dirs
            if d not in skipped_dirs and not (skip_hidden and d.startswith("."))
        ]  # fmt: skip
        base = Path(folder)
        for filename in files:
            if (skip_hidden and filename.startswith(".")) or (
                skipped_suffixes and filename.endswith(skipped_suffixes)
            ):
                continue
            path = base / filename
            name = path.relative_to(root).as_posix()
            if name in skip_names or not path.is_file():
                continue
            found.append((name, path))
    return iter(sorted(found))


VIRTUALENV_MARKER = "pyvenv.cfg"


@dataclass(frozen=True)
class SourceTree:
    """What a source folder ships, and the virtualenvs left out of it."""

    members: dict[str, Path]
    """posix name -> file, in name order."""
    virtualenvs: tuple[str, ...]
    """Folders holding `pyvenv.cfg` (a virtualenv, whatever its name), not packaged."""


def scan_skips(part: str) -> bool:
    """True for a folder name the source scan never enters (hidden, tool folders)."""
    return part.startswith(".") or part in SKIPPED_DIRS


def source_members(
    root: Path, *, where: str, skip_names: frozenset[str] = frozenset()
) -> SourceTree:
    """The files of a function's source folder as the package will hold them.

    The same skips as `iter_tree` for a source tree (hidden files, tool folders, bytecode),
    plus any virtualenv (a folder with `pyvenv.cfg`: `env/` as much as `.venv/`). Symbolic
    links never pass unnoticed: a file link is followed only when it stays inside the folder
    and points at a file the package would ship itself; a link to a folder, out of the
    folder, to a skipped file or to nothing raises SourceLinkError naming it (`where` is
    the folder's name in messages).
    """
    top = root.resolve()
    found: list[tuple[str, Path]] = []
    virtualenvs: list[str] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        kept = []
        for dirname in sorted(dirs):
            if scan_skips(dirname):
                continue
            path = base / dirname
            name = path.relative_to(root).as_posix()
            if (path / VIRTUALENV_MARKER).is_file():  # a linked virtualenv is one too
                virtualenvs.append(name)
                continue
            if path.is_symlink():
                raise SourceLinkError(where, name, os.readlink(path), "folder")
            kept.append(dirname)
        dirs[:] = kept
        for filename in files:
            if filename.startswith(".") or filename.endswith(SKIPPED_SUFFIXES):
                continue
            path = base / filename
            name = path.relative_to(root).as_posix()
            if name in skip_names:
                continue
            if path.is_symlink():
                _check_file_link(path, name, top, where)
            if path.is_file():  # not a FIFO, socket or device
                found.append((name, path))
    return SourceTree(dict(sorted(found)), tuple(sorted(virtualenvs)))


def _check_file_link(path: Path, name: str, top: Path, where: str) -> None:
    shown = os.readlink(path)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a loop of links
        raise SourceLinkError(where, name, shown, "dangling") from None
    if not target.is_relative_to(top):
        raise SourceLinkError(where, name, shown, "outside")
    if target.is_dir():
        raise SourceLinkError(where, name, shown, "folder")
    inside = target.relative_to(top).parts
    if any(scan_skips(part) for part in inside[:-1]) or inside[-1].startswith(".") or (
        inside[-1].endswith(SKIPPED_SUFFIXES)
    ):
        raise SourceLinkError(where, name, shown, "skipped")


def scan_files(files: Iterable[tuple[str, Path]]) -> Manifest:
    """The manifest of the given (name, path) members."""
    entries = [FileEntry(name, path.stat().st_size, _sha256_file(path)) for name, path in files]
    return Manifest(tuple(sorted(entries, key=lambda e: e.name)))


def scan_tree(root: Path, *, skip_hidden: bool = True, keep_bytecode: bool = False) -> Manifest:
    """The manifest of a whole tree, with the same skips as `iter_tree`."""
    return scan_files(iter_tree(root, skip_hidden=skip_hidden, keep_bytecode=keep_bytecode))


def pulumi_view(root: Path) -> Manifest:
    """Exactly the members Pulumi would archive from `root`: every file but `.pulumi/`.

    Used to check a reused output folder: something may have written `__pycache__` into it
    (running the code there does), which Pulumi would pick up as a code change.
    """
    found: list[tuple[str, Path]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".pulumi" and not (Path(folder) / d).is_symlink()]
        for filename in files:
            path = Path(folder) / filename
            if filename != ".pulumi" and path.is_file():
                found.append((path.relative_to(root).as_posix(), path))
    return scan_files(found)


def clean_install_tree(root: Path) -> list[str]:
    """Remove from an installer's --target output what varies by machine or is never used.

    Returns the removed names, for the progress line and for tests.
    """
    removed: list[str] = []

    def drop(path: Path) -> None:
        removed.append(path.relative_to(root).as_posix())
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()

    for name in INSTALL_DROPPED_TOP:
        if (root / name).exists() or (root / name).is_symlink():
            drop(root / name)
    for folder, dirs, files in os.walk(root, topdown=True):
        base = Path(folder)
        for dirname in list(dirs):
            if dirname in SKIPPED_DIRS:
                drop(base / dirname)
                dirs.remove(dirname)
        in_dist_info = base.name.endswith(".dist-info") and base.parent == root
        for filename in files:
            path = base / filename
            if (
                filename.endswith(SKIPPED_SUFFIXES + INSTALL_DROPPED_SUFFIXES)
                or filename in INSTALL_DROPPED_NAMES
                or (in_dist_info and filename in DIST_INFO_DROPPED)
                or path.is_symlink()
            ):
                drop(path)
    _remove_empty_dirs(root)
    return sorted(removed)


def _remove_empty_dirs(root: Path) -> None:
    for folder, _dirs, _files in sorted(os.walk(root, topdown=False), reverse=True):
        path = Path(folder)
        if path != root and not any(path.iterdir()):
            path.rmdir()


def copy_members(members: Mapping[str, Path], dest: Path) -> None:
    """Write each member's bytes to dest/name (contents only: no modes, no times)."""
    for name, source in members.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


class _CountingSink:
    """A write-only stream that only counts; zipfile handles unseekable outputs."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def write_zip(members: Iterable[tuple[str, Path]], stream: object) -> None:
    """A reproducible zip: sorted names, fixed dates, 0644 files, deflate level 6.

    Used to measure the zipped size and by tests that unpack the artifact; Pulumi builds
    its own zip from the directory, which comes out within a few hundred bytes of this one.
    """
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:  # type: ignore[arg-type]
        for name, path in sorted(members):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            with path.open("rb") as source, zf.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)


def zipped_size(members: Iterable[tuple[str, Path]]) -> int:
    """Bytes of the reproducible zip of `members`, computed without storing it."""
    sink = _CountingSink()
    write_zip(members, sink)
    return sink.size


def manifest_json(manifest: Manifest, **extra: object) -> str:
    """Deterministic JSON for cache records."""
    return json.dumps({"manifest": manifest.to_json(), **extra}, sort_keys=True, indent=0)
