"""The build folder: cached dependency installs and the content-addressed output trees.

Layout under the cache root (`.build/` beside `function/` by default, gitignored):

    deps/<key>/site/...       an install for one (requirements, target, exclusions, index)
    deps/<key>/record.json    its manifest and distribution list
    artifacts/<digest>/...    a tree handed to Pulumi, named by its own content hash
    bytecode/<key>/tree/...   `.pyc` files compiled for one set of sources and interpreter
    bytecode/<key>/record.json  their manifest and the sources that did not compile
    sizes/<digest>.json       the zipped size of that tree, measured once
    checks/<key>.json         the handler check's findings for one content of the code
    locks/<kind>-<key>.lock   one advisory lock per entry (see below)
    tmp/                      work in progress; renamed into place when complete
    .atlas-lambda-cache       marker: this folder is a build cache (written on first use)

Every entry appears by one atomic rename, so concurrent builds (two test sessions, a
preview while tests run) never see half an entry, and a crashed build leaves only tmp/.
An entry in use is held under a shared lock until the build ends; replacing or dropping
one (`--refresh`, a damaged entry) takes the exclusive lock, so a build never has the
files it is copying removed under it. Output trees are named by content, so the same
inputs always give the same folder and a Pulumi program run twice hands the engine the
same path and the same hash.

Nothing in the cache is ever followed through a symbolic link: a link where an entry (or
one of the cache's own folders) should be is removed, the link itself and never what it
points to, and the entry built again; an entry with a link inside is built again too.
Otherwise "repairing" an output folder would delete files wherever the link pointed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..locations import PACKAGE_DIR, project_dir
from .errors import PackagingError
from .tree import Manifest, copy_members, pulumi_view, scan_tree

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: entries still appear by atomic rename
    fcntl = None  # type: ignore[assignment]

# Bump when what goes into an entry changes (cleaning rules, layout).
CACHE_FORMAT = 1
BUILD_DIR_ENV = "ATLAS_LAMBDA_BUILD_DIR"
CACHE_MARKER = ".atlas-lambda-cache"
CACHE_ENTRIES = frozenset(
    {"deps", "artifacts", "bytecode", "checks", "sizes", "locks", "tmp", CACHE_MARKER}
)
BUILD_DIR_NAME = ".build"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


def is_cache_or_empty(root: Path) -> bool:
    """True when `root` may be used as a cache: missing, empty, marked, or holding only
    cache entries (a cache written before the marker existed)."""
    if not root.is_dir():
        return not root.exists()
    names = {path.name for path in root.iterdir() if not path.name.startswith(".write-test-")}
    return CACHE_MARKER in names or names <= CACHE_ENTRIES


def mark_cache(root: Path) -> None:
    """Claim `root` as a cache, so a later build knows it may write there."""
    marker = root / CACHE_MARKER
    _unlink_link(marker)
    if not marker.exists():
        marker.write_text("atlas-lambda build cache (safe to delete with its folder)\n")


def default_cache_dir(source_dir: Path) -> Path:
    """$ATLAS_LAMBDA_BUILD_DIR, else `.build/` next to the function's source folder.

    Beside the project rather than in ~/.cache: the trees handed to Pulumi must outlive the
    program run (the engine reads them while deploying) and belong to this checkout.
    An installed toolkit's own function lives in site-packages, where nothing may be
    written: its builds go to `.build/` in the project folder instead. Never outside the
    project: a source inside a Pulumi project (a folder holding Pulumi.yaml, the source
    itself or one above it) builds into that project's `.build/`, and a source the working
    directory is in (`.`) keeps `.build/` inside itself, where "beside" would be whatever
    folder holds the project. The source scan never enters a hidden folder, so a `.build/`
    inside the source is never packaged.
    """
    configured = os.environ.get(BUILD_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    return project_build_dir(source_dir)


def project_build_dir(source_dir: Path) -> Path:
    """`default_cache_dir` without $ATLAS_LAMBDA_BUILD_DIR."""
    source = source_dir.resolve()
    if source.is_relative_to(PACKAGE_DIR):
        return project_dir() / BUILD_DIR_NAME
    for folder in (source, *source.parents):
        if any((folder / name).is_file() for name in PROJECT_FILES):
            return folder / BUILD_DIR_NAME
    if Path.cwd().resolve().is_relative_to(source):
        return source / BUILD_DIR_NAME
    return source.parent / BUILD_DIR_NAME


def cache_key(payload: Mapping[str, object]) -> str:
    """sha256 of deterministic JSON (sort_keys) of what the entry depends on."""
    text = json.dumps({"format": CACHE_FORMAT, **payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _unlink_link(path: Path) -> bool:
    """Remove `path` if it is a symbolic link: the link itself, never its target."""
    if path.is_symlink():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return True
    return False


def _has_links(root: Path) -> bool:
    """True when `root` is, or holds anywhere below it, a symbolic link."""
    if root.is_symlink():
        return True
    for folder, dirs, files in os.walk(root):
        if any(os.path.islink(os.path.join(folder, name)) for name in (*dirs, *files)):
            return True
    return False


def read_text_no_link(path: Path) -> str:
    """The text of a cache file, refusing (OSError) to read one through a symbolic link."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(descriptor, encoding="utf-8") as handle:
        return handle.read()


def write_text_atomic(path: Path, text: str) -> None:
    """Write `path` by rename: a reader sees the old file or the new one, and a link in
    its place is replaced, never written through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    scratch.write_text(text)
    os.replace(scratch, path)


@dataclass(frozen=True)
class CachedInstall:
    """A dependency install in the cache."""

    site_dir: Path
    manifest: Manifest
    distributions: tuple[str, ...]
    installer: str
    """`uv` or `pip` (whoever built the entry)."""
    hit: bool
    """True when this build reused it."""


@dataclass(frozen=True)
class CachedBytecode:
    """Compiled `.pyc` files in the cache, named as they sit in the archive."""

    tree: Path
    manifest: Manifest
    failed: tuple[tuple[str, str], ...]
    """(module path on Lambda, reason) of each source the interpreter could not compile."""
    hit: bool


class BuildCache:
    """One cache root; safe to share between processes.

    Entries a build reads stay locked (shared) until `close()` (or the end of a `with`
    block): that is when the build has copied what it needs out of them.
    """

    def __init__(self, root: Path, progress: Callable[[str], None] | None = None):
        self.root = root
        self.progress = progress
        """Told when the build waits for another one (a lock held elsewhere)."""
        self._held: list[int] = []

    def __enter__(self) -> BuildCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the entries this build used (another build may now replace them)."""
        while self._held:
            os.close(self._held.pop())

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # Folders, locks, scratch -----------------------------------------------------------

    def folder(self, name: str) -> Path:
        """The cache's own folder `name` (deps, tmp, ...), a link in its place removed."""
        path = self.root / name
        _unlink_link(path)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _open_lock(self, kind: str, key: str) -> int:
        path = self.folder("locks") / f"{kind}-{key}.lock"
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        try:
            return os.open(path, flags, 0o644)
        except OSError as error:
            if error.errno != errno.ELOOP:
                raise
            _unlink_link(path)
            return os.open(path, flags, 0o644)

    @contextlib.contextmanager
    def _lock(self, kind: str, key: str, *, exclusive: bool) -> Iterator[int]:
        """Hold the entry's lock for the block (the descriptor, to keep it beyond)."""
        descriptor = self._open_lock(kind, key)
        try:
            if fcntl is not None:
                mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
                try:
                    fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
                except BlockingIOError:
                    if self.progress is not None:
                        self.progress(
                            f"cache: waiting for another build that uses {kind}/{key[:12]}"
                        )
                    fcntl.flock(descriptor, mode)
            yield descriptor
        except BaseException:
            os.close(descriptor)
            raise
        else:
            if descriptor not in self._held:
                os.close(descriptor)

    def _scratch(self) -> Path:
        path = self.folder("tmp") / uuid.uuid4().hex
        path.mkdir()
        return path

    def _discard(self, entry: Path) -> None:
        """Remove an entry (under its exclusive lock): out of sight first, by rename."""
        if _unlink_link(entry) or not entry.exists():
            return
        aside = self.folder("tmp") / f"{uuid.uuid4().hex}-old"
        try:
            entry.rename(aside)
        except FileNotFoundError:
            return
        if aside.is_dir():
            shutil.rmtree(aside, ignore_errors=True)
        else:
            aside.unlink()

    # Entries with a record (dependency installs, compiled bytecode) --------------------------

    def _check(
        self, entry: Path, folder: str, keep_bytecode: bool
    ) -> tuple[Path, Manifest, dict[str, Any]] | str:
        """(tree, manifest, record) of an intact entry, else "missing" or "damaged"."""
        if entry.is_symlink():
            return "damaged"
        try:
            record = json.loads(read_text_no_link(entry / "record.json"))
            manifest = Manifest.from_json(record["manifest"])
        except FileNotFoundError:
            return "damaged" if entry.exists() else "missing"
        except (OSError, ValueError, KeyError, TypeError):
            return "damaged"
        tree = entry / folder
        try:
            if _has_links(entry) or scan_tree(
                tree, skip_hidden=False, keep_bytecode=keep_bytecode
            ) != manifest:
                return "damaged"
        except OSError:
            return "damaged"
        return tree, manifest, record

    def _read(
        self, kind: str, key: str, folder: str, keep_bytecode: bool = False
    ) -> tuple[Path, Manifest, dict[str, Any]] | None:
        """Entry `kind/key` when intact, locked (shared) until `close()`; a damaged entry
        (edited, a link, half removed) is dropped, for the caller to build it again."""
        entry = self.folder(kind) / key
        with self._lock(kind, key, exclusive=False) as descriptor:
            found = self._check(entry, folder, keep_bytecode)
            if not isinstance(found, str):
                self._held.append(descriptor)
                return found
        if found == "damaged":
            with self._lock(kind, key, exclusive=True):
                if isinstance(self._check(entry, folder, keep_bytecode), str):
                    self._discard(entry)
        return None

    def _write(
        self,
        kind: str,
        key: str,
        folder: str,
        fill: Callable[[Path], dict[str, Any]],
        *,
        replace: bool,
        keep_bytecode: bool = False,
    ) -> tuple[Path, Manifest, dict[str, Any]]:
        """Build entry `kind/key` in scratch with `fill(tree) -> record`, then publish it:
        over the current one when `replace`, else only if there is no intact one."""
        scratch = self._scratch()
        try:
            tree = scratch / folder
            tree.mkdir()
            record = fill(tree)
            (scratch / "record.json").write_text(json.dumps(record, sort_keys=True))
            entry = self.folder(kind) / key
            with self._lock(kind, key, exclusive=True):
                if replace or isinstance(self._check(entry, folder, keep_bytecode), str):
                    self._discard(entry)
                    scratch.rename(entry)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)  # gone already when published
        found = self._read(kind, key, folder, keep_bytecode)
        if found is None:
            raise PackagingError(
                f"the build cache entry {entry} was removed or changed while this build "
                "wrote it (is something else editing the build folder?); run again"
            )
        return found

    # Dependency installs -------------------------------------------------------------

    def get_install(self, key: str) -> CachedInstall | None:
        """The cached install for `key`, if present and intact."""
        found = self._read("deps", key, "site")
        if found is None:
            return None
        site, manifest, record = found
        return CachedInstall(
            site, manifest, tuple(record["distributions"]), record["installer"], True
        )

    def put_install(
        self,
        key: str,
        install: Callable[[Path], tuple[str, tuple[str, ...]]],
        *,
        replace: bool = False,
    ) -> CachedInstall:
        """Run `install(site_dir) -> (installer, distributions)` into a new entry; with
        `replace` (`--refresh`) it takes the place of the current one."""

        def fill(site: Path) -> dict[str, Any]:
            installer, distributions = install(site)
            manifest = scan_tree(site, skip_hidden=False)
            return {"distributions": list(distributions), "installer": installer,
                    "manifest": manifest.to_json()}  # fmt: skip

        site, manifest, record = self._write("deps", key, "site", fill, replace=replace)
        return CachedInstall(
            site, manifest, tuple(record["distributions"]), record["installer"], False
        )

    # Compiled bytecode -----------------------------------------------------------------

    def get_bytecode(self, key: str) -> CachedBytecode | None:
        """The compiled `.pyc` tree for `key`, if present and intact."""
        found = self._read("bytecode", key, "tree", keep_bytecode=True)
        if found is None:
            return None
        tree, manifest, record = found
        failed = tuple((str(name), str(why)) for name, why in record["failed"])
        return CachedBytecode(tree, manifest, failed, True)

    def put_bytecode(
        self, key: str, compile_into: Callable[[Path], list[tuple[str, str]]]
    ) -> CachedBytecode:
        """Run `compile_into(tree) -> failures` into a new entry and record what it wrote."""

        def fill(tree: Path) -> dict[str, Any]:
            failed = compile_into(tree)
            manifest = scan_tree(tree, skip_hidden=False, keep_bytecode=True)
            return {"failed": [list(pair) for pair in failed], "manifest": manifest.to_json()}

        tree, manifest, record = self._write(
            "bytecode", key, "tree", fill, replace=False, keep_bytecode=True
        )
        failed = tuple((str(name), str(why)) for name, why in record["failed"])
        return CachedBytecode(tree, manifest, failed, False)

    # Output trees ----------------------------------------------------------------------

    def materialize(self, manifest: Manifest, members: Mapping[str, Path]) -> Path:
        """The folder holding exactly `manifest`'s members, created if needed.

        A reused folder is checked against the manifest the way Pulumi will read it; stray
        files (bytecode written by running the code in place) are removed, anything else
        wrong (a member changed, a symbolic link anywhere) makes it be written again.
        """
        final = self.folder("artifacts") / manifest.digest
        with self._lock("artifacts", manifest.digest, exclusive=True):
            if not _unlink_link(final) and final.is_dir() and _repair(final, manifest):
                return final
            self._discard(final)
            scratch = self._scratch()
            try:  # a full disk or Ctrl-C mid-copy must not leave a half tree in tmp/
                copy_members(members, scratch)
                if pulumi_view(scratch) != manifest:
                    raise PackagingError(
                        f"files changed while being copied into {final}; run again"
                    )
                scratch.rename(final)
            except BaseException:
                shutil.rmtree(scratch, ignore_errors=True)
                raise
        return final

    def zipped_size(self, manifest: Manifest, measure: Callable[[], int]) -> int:
        """The zipped size of a tree, measured once per content digest."""
        path = self.folder("sizes") / f"{manifest.digest}.json"
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return int(json.loads(read_text_no_link(path))["zipped_bytes"])
        size = measure()
        write_text_atomic(path, json.dumps({"zipped_bytes": size}, sort_keys=True))
        return size


def _repair(folder: Path, manifest: Manifest) -> bool:
    """Make `folder` match `manifest` by deleting extras; False if members differ or the
    folder holds a symbolic link (it is then written again, never repaired through it)."""
    if _has_links(folder):
        return False
    actual = pulumi_view(folder)
    wanted = {entry.name: entry for entry in manifest.entries}
    present = {entry.name: entry for entry in actual.entries}
    if any(present.get(name) != entry for name, entry in wanted.items()):
        return False
    extras: Iterable[str] = sorted(set(present) - set(wanted))
    for name in extras:
        (folder / name).unlink()
    for current, _dirs, _files in sorted(os.walk(folder, topdown=False), reverse=True):
        path = Path(current)
        if path != folder and not any(path.iterdir()):
            path.rmdir()
    return True
