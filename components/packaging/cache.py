"""The build folder: cached dependency installs and the content-addressed output trees.

Layout under the cache root (`.build/` beside `function/` by default, gitignored):

    deps/<key>/site/...       an install for one (requirements, target, exclusions, index)
    deps/<key>/record.json    its manifest and distribution list
    artifacts/<digest>/...    a tree handed to Pulumi, named by its own content hash
    bytecode/<key>/tree/...   `.pyc` files compiled for one set of sources and interpreter
    bytecode/<key>/record.json  their manifest and the sources that did not compile
    sizes/<digest>.json       the zipped size of that tree, measured once
    checks/<key>.json         the handler check's findings for one content of the code
    tmp/                      work in progress; renamed into place when complete
    .atlas-lambda-cache       marker: this folder is a build cache (written on first use)

Every entry appears by one atomic rename, so concurrent builds (two test sessions, a
preview while tests run) never see half an entry, and a crashed build leaves only tmp/.
Output trees are named by content, so the same inputs always give the same folder and a
Pulumi program run twice hands the engine the same path and the same hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..locations import PACKAGE_DIR, project_dir
from .tree import Manifest, copy_members, pulumi_view, scan_tree

# Bump when what goes into an entry changes (cleaning rules, layout).
CACHE_FORMAT = 1
BUILD_DIR_ENV = "ATLAS_LAMBDA_BUILD_DIR"
CACHE_MARKER = ".atlas-lambda-cache"
CACHE_ENTRIES = frozenset(
    {"deps", "artifacts", "bytecode", "checks", "sizes", "tmp", CACHE_MARKER}
)


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
    if not marker.exists():
        marker.write_text("atlas-lambda build cache (safe to delete with its folder)\n")


def default_cache_dir(source_dir: Path) -> Path:
    """$ATLAS_LAMBDA_BUILD_DIR, else `.build/` next to the function's source folder.

    Beside the project rather than in ~/.cache: the trees handed to Pulumi must outlive the
    program run (the engine reads them while deploying) and belong to this checkout.
    An installed toolkit's own function lives in site-packages, where nothing may be
    written: its builds go to `.build/` in the project folder instead.
    """
    configured = os.environ.get(BUILD_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    source = source_dir.resolve()
    if source.is_relative_to(PACKAGE_DIR):
        return project_dir() / ".build"
    return source.parent / ".build"


def cache_key(payload: Mapping[str, object]) -> str:
    """sha256 of deterministic JSON (sort_keys) of what the entry depends on."""
    text = json.dumps({"format": CACHE_FORMAT, **payload}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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
    """One cache root; safe to share between processes."""

    def __init__(self, root: Path):
        self.root = root

    def _scratch(self) -> Path:
        path = self.root / "tmp" / uuid.uuid4().hex
        path.mkdir(parents=True)
        return path

    def _publish(self, scratch: Path, final: Path) -> bool:
        """Move a finished entry into place; False if another build got there first."""
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            scratch.rename(final)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
            return False
        return True

    # Dependency installs -------------------------------------------------------------

    def _intact(
        self, kind: str, key: str, folder: str, keep_bytecode: bool = False
    ) -> tuple[Path, Manifest, dict[str, Any]] | None:
        """(tree, manifest, record) of entry `kind/key` when its tree still matches its
        manifest; an entry edited or damaged since is dropped (built again by the caller)."""
        entry = self.root / kind / key
        try:
            record = json.loads((entry / "record.json").read_text())
        except (OSError, ValueError):
            return None
        manifest = Manifest.from_json(record["manifest"])
        if scan_tree(entry / folder, skip_hidden=False, keep_bytecode=keep_bytecode) != manifest:
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return entry / folder, manifest, record

    def get_install(self, key: str) -> CachedInstall | None:
        """The cached install for `key`, if present and intact."""
        found = self._intact("deps", key, "site")
        if found is None:
            return None
        site, manifest, record = found
        return CachedInstall(
            site, manifest, tuple(record["distributions"]), record["installer"], True
        )

    def put_install(
        self, key: str, install: Callable[[Path], tuple[str, tuple[str, ...]]]
    ) -> CachedInstall:
        """Run `install(site_dir) -> (installer, distributions)` into a new entry."""
        scratch = self._scratch()
        try:
            site = scratch / "site"
            site.mkdir()
            installer, distributions = install(site)
            manifest = scan_tree(site, skip_hidden=False)
            record = {"distributions": list(distributions), "installer": installer,
                      "manifest": manifest.to_json()}  # fmt: skip
            (scratch / "record.json").write_text(json.dumps(record, sort_keys=True))
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        final = self.root / "deps" / key
        self._publish(scratch, final)
        cached = self.get_install(key)
        if cached is None:  # pragma: no cover - only if someone deletes it right now
            raise RuntimeError(f"cache entry {final} vanished while building")
        return CachedInstall(cached.site_dir, manifest, distributions, installer, False)

    # Compiled bytecode -----------------------------------------------------------------

    def get_bytecode(self, key: str) -> CachedBytecode | None:
        """The compiled `.pyc` tree for `key`, if present and intact."""
        found = self._intact("bytecode", key, "tree", keep_bytecode=True)
        if found is None:
            return None
        tree, manifest, record = found
        failed = tuple((str(name), str(why)) for name, why in record["failed"])
        return CachedBytecode(tree, manifest, failed, True)

    def put_bytecode(
        self, key: str, compile_into: Callable[[Path], list[tuple[str, str]]]
    ) -> CachedBytecode:
        """Run `compile_into(tree) -> failures` into a new entry and record what it wrote."""
        scratch = self._scratch()
        try:
            tree = scratch / "tree"
            tree.mkdir()
            failed = compile_into(tree)
            manifest = scan_tree(tree, skip_hidden=False, keep_bytecode=True)
            record = {"failed": [list(pair) for pair in failed], "manifest": manifest.to_json()}
            (scratch / "record.json").write_text(json.dumps(record, sort_keys=True))
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        self._publish(scratch, self.root / "bytecode" / key)
        cached = self.get_bytecode(key)
        if cached is None:  # pragma: no cover - only if someone deletes it right now
            raise RuntimeError(f"bytecode entry {key} vanished while compiling")
        return CachedBytecode(cached.tree, manifest, tuple(failed), False)

    # Output trees ----------------------------------------------------------------------

    def materialize(self, manifest: Manifest, members: Mapping[str, Path]) -> Path:
        """The folder holding exactly `manifest`'s members, created if needed.

        A reused folder is checked against the manifest the way Pulumi will read it; stray
        files (bytecode written by running the code in place) are removed, anything else
        wrong makes it be written again.
        """
        final = self.root / "artifacts" / manifest.digest
        if final.is_dir() and _repair(final, manifest):
            return final
        shutil.rmtree(final, ignore_errors=True)
        scratch = self._scratch()
        try:  # a full disk or Ctrl-C mid-copy must not leave a half tree in tmp/
            copy_members(members, scratch)
            changed = pulumi_view(scratch) != manifest
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        if changed:
            shutil.rmtree(scratch, ignore_errors=True)
            raise RuntimeError(f"files changed while being copied into {final}")
        if not self._publish(scratch, final) and not _repair(final, manifest):
            raise RuntimeError(f"{final} is being rewritten by another build; retry")
        return final

    def zipped_size(self, manifest: Manifest, measure: Callable[[], int]) -> int:
        """The zipped size of a tree, measured once per content digest."""
        path = self.root / "sizes" / f"{manifest.digest}.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            return int(json.loads(path.read_text())["zipped_bytes"])
        size = measure()
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
        scratch.write_text(json.dumps({"zipped_bytes": size}, sort_keys=True))
        os.replace(scratch, path)
        return size


def _repair(folder: Path, manifest: Manifest) -> bool:
    """Make `folder` match `manifest` by deleting extras; False if members differ."""
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
