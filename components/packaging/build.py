"""Lambda packaging: the function's code and dependencies, built for the target platform.

`build_function_package` turns `function/` (handler module + pinned `requirements.txt`)
into folders Pulumi can archive: the code, and by default a separate dependency layer.
Dependencies are binary wheels for the Lambda's architecture and Python, never the build
machine's, minus what the runtime already ships (boto3 and friends). The folders are
reproducible (same inputs, any folder, any time: same members, same bytes) and named by
their content hash, so Pulumi's own directory hash, and therefore `pulumi preview`, only
changes when the code or the pins do. The dependency install is cached by requirements,
target and exclusions, so rebuilding is a matter of hashing a few megabytes.

Run `python -m components.packaging --help` for the command line.
"""

from __future__ import annotations

import argparse
import errno
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import cli
from ..guardrails.lambda_limits import DEFAULT_RUNTIME
from ..locations import toolkit_version
from .bytecode import CODE_ROOT, LAYER_ROOT, CompiledTree, compile_sources
from .cache import (
    CACHE_MARKER,
    BuildCache,
    CachedInstall,
    cache_key,
    default_cache_dir,
    is_cache_or_empty,
    mark_cache,
    project_build_dir,
)
from .errors import (
    ArtifactTooLargeError,
    HandlerError,
    InstallerError,
    InstallTimeoutError,
    NoWheelError,
    PackagingConfigError,
    PackagingError,
)
from .handler import ModuleTrees, check_handler
from .install import (
    DEFAULT_INDEX,
    INSTALLERS,
    RUNTIME_PROVIDED,
    IndexOptions,
    effective_exclusions,
    install,
)
from .interpreter import Interpreter, find_interpreter, how_to_get
from .limits import LAMBDA_LIMITS, LambdaLimits, check_limits
from .requirements import PinnedRequirement, read_requirements
from .reuse_check import reuse_findings
from .runtime_helper import check_helper_pins, helper_members, imports_helper, ships_own_helper
from .target import Target, lambda_target, local_target
from .tree import (
    VIRTUALENV_MARKER,
    Manifest,
    clean_install_tree,
    iter_tree,
    scan_files,
    scan_skips,
    source_members,
    zipped_size,
)

if TYPE_CHECKING:
    import pulumi

# Dependencies go in a layer unless asked otherwise (see docs/packaging.md: code-only deploys
# upload kilobytes, and the preview says whether code or dependencies changed).
DEFAULT_LAYER = True
LAYER_PREFIX = "python"  # Lambda puts /opt/python on sys.path

Progress = Callable[[str], None]


def _stderr(line: str) -> None:
    """A progress line on stderr, redacted (an index URL or a requirement may carry
    `user:token@`). Never on stdout, which holds the result (`--json`): with stderr closed
    (`2>&-`: sys.stderr is None, and print would fall back to stdout) or unusable (full,
    a reader gone) the line is dropped and the build goes on."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(cli.redact(f"packaging: {line}") + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


@dataclass(frozen=True)
class ArchiveInfo:
    """One folder handed to Pulumi and what it weighs."""

    path: Path
    """Folder to archive (content-addressed under the build folder)."""
    hash: str
    """sha256 over sorted member names, sizes and contents: the same iff Pulumi's is."""
    file_count: int
    unzipped_bytes: int
    zipped_bytes: int
    """Size of a reproducible deflate zip of the folder (Pulumi's own differs by bytes)."""


@dataclass(frozen=True)
class BytecodeInfo:
    """The bytecode a build added, by whom, and what it weighs."""

    interpreter: str
    """`CPython 3.13.0 (pyenv: /path/to/python3.13)`."""
    cache_tag: str
    """`cpython-313`: every `.pyc` in the artifact is `*.cpython-313.pyc`."""
    files: int
    zipped_bytes: int
    """Added to the zipped archives (code and layer together)."""
    unzipped_bytes: int
    failed: tuple[tuple[str, str], ...] = ()
    """(module path on Lambda, reason) of sources the interpreter could not compile."""


@dataclass(frozen=True)
class FunctionPackage:
    """A built package: code folder, optional layer folder, and how they were made."""

    handler: str
    target: Target
    code: ArchiveInfo
    layer: ArchiveInfo | None
    """The dependency layer (`python/...`), or None when dependencies are in `code`."""
    distributions: tuple[str, ...]
    """Installed `name==version`, runtime-provided ones excluded."""
    excluded: tuple[str, ...]
    """Left out because the Lambda runtime ships them."""
    installer: str
    """`uv`, `pip`, or `none` when there are no dependencies."""
    cache_hit: bool
    """True when the dependency install came from the cache."""
    bytecode: BytecodeInfo | None = None
    """What `.pyc` files were added, or None when the artifact ships sources only."""
    steps: tuple[str, ...] = field(default=(), compare=False)
    """The progress lines of the build."""

    @property
    def architecture(self) -> str:
        return self.target.architecture

    @property
    def runtime(self) -> str | None:
        return self.target.runtime

    @property
    def code_dir(self) -> Path:
        return self.code.path

    @property
    def layer_dir(self) -> Path | None:
        return self.layer.path if self.layer else None

    @property
    def code_hash(self) -> str:
        return self.code.hash

    @property
    def layer_hash(self) -> str | None:
        return self.layer.hash if self.layer else None

    @property
    def hash(self) -> str:
        """One hash for the whole deployable (code and layer)."""
        text = f"code {self.code.hash}\nlayer {self.layer_hash or '-'}\n"
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def file_count(self) -> int:
        return self.code.file_count + (self.layer.file_count if self.layer else 0)

    @property
    def unzipped_bytes(self) -> int:
        return self.code.unzipped_bytes + (self.layer.unzipped_bytes if self.layer else 0)

    @property
    def zipped_bytes(self) -> int:
        return self.code.zipped_bytes + (self.layer.zipped_bytes if self.layer else 0)

    def python_path(self) -> list[Path]:
        """sys.path entries in Lambda's order: the task root, then the layer's python/."""
        paths = [self.code.path]
        if self.layer:
            paths.append(self.layer.path / LAYER_PREFIX)
        return paths

    def code_archive(self) -> pulumi.FileArchive:
        """The function's `code`: a directory archive (Pulumi hashes names + contents)."""
        import pulumi

        return pulumi.FileArchive(str(self.code.path))

    def layer_archive(self) -> pulumi.FileArchive | None:
        """The layer's `code`, or None when dependencies are in the function's code."""
        import pulumi

        return pulumi.FileArchive(str(self.layer.path)) if self.layer else None

    def layer_version_args(self) -> dict[str, Any] | None:
        """Keyword arguments for `aws.lambda_.LayerVersion` (add `layer_name`), or None."""
        if self.layer is None:
            return None
        args: dict[str, Any] = {
            "code": self.layer_archive(),
            "description": _truncate("dependencies: " + ", ".join(self.distributions), 256),
        }
        if self.target.runtime:
            args["compatible_runtimes"] = [self.target.runtime]
            args["compatible_architectures"] = [self.target.architecture]
        return args

    def to_dict(self) -> dict[str, Any]:
        """Plain data for `--json` and logs."""

        def archive(info: ArchiveInfo | None) -> dict[str, Any] | None:
            if info is None:
                return None
            return {
                "file_count": info.file_count,
                "hash": info.hash,
                "path": str(info.path),
                "unzipped_bytes": info.unzipped_bytes,
                "zipped_bytes": info.zipped_bytes,
            }

        bytecode = None
        if self.bytecode is not None:
            bytecode = {
                "cache_tag": self.bytecode.cache_tag, "files": self.bytecode.files,
                "interpreter": self.bytecode.interpreter,
                "unzipped_bytes": self.bytecode.unzipped_bytes,
                "zipped_bytes": self.bytecode.zipped_bytes,
            }  # fmt: skip
        return {
            "architecture": self.target.architecture,
            "bytecode": bytecode,
            "cache_hit": self.cache_hit,
            "code": archive(self.code),
            "distributions": list(self.distributions),
            "excluded": list(self.excluded),
            "file_count": self.file_count,
            "handler": self.handler,
            "hash": self.hash,
            "installer": self.installer,
            "layer": archive(self.layer),
            "python_version": self.target.python_version,
            "runtime": self.target.runtime,
            "unzipped_bytes": self.unzipped_bytes,
            "zipped_bytes": self.zipped_bytes,
        }

    def summary_lines(self) -> list[str]:
        """The end-of-build report: per archive and in total, counts, sizes and hashes."""
        rows = [("code", self.code.file_count, self.code.unzipped_bytes, self.code.zipped_bytes,
                 self.code.hash)]  # fmt: skip
        if self.layer:
            rows.append(("layer", self.layer.file_count, self.layer.unzipped_bytes,
                         self.layer.zipped_bytes, self.layer.hash))  # fmt: skip
        rows.append(("total", self.file_count, self.unzipped_bytes, self.zipped_bytes, self.hash))
        lines = [
            f"{what:<5}  {files:>5} files  {_size(unzipped):>9} unzipped  "
            f"{_size(zipped):>9} zipped  sha256:{digest}"
            for what, files, unzipped, zipped, digest in rows
        ]
        if self.bytecode is None:
            lines.append("bytecode: none, sources only (the build's bytecode line says why)")
        else:
            lines.append(
                f"bytecode: {self.bytecode.files} *.{self.bytecode.cache_tag}.pyc by "
                f"{self.bytecode.interpreter}: +{_size(self.bytecode.zipped_bytes)} zipped"
            )
        return lines


def _size(count: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _target(architecture: str, runtime: str, local: bool) -> Target:
    return local_target() if local else lambda_target(architecture, runtime)


def build_function_package(
    source_dir: Path | str,
    *,
    handler: str,
    architecture: str = "arm64",
    runtime: str = DEFAULT_RUNTIME,
    layer: bool = DEFAULT_LAYER,
    local: bool = False,
    requirements: Path | str | None = None,
    cache_dir: Path | str | None = None,
    limits: LambdaLimits = LAMBDA_LIMITS,
    exclude: Sequence[str] = RUNTIME_PROVIDED,
    index: IndexOptions = DEFAULT_INDEX,
    installer: str = "auto",
    refresh: bool = False,
    bytecode: bool = True,
    progress: Progress | None = _stderr,
) -> FunctionPackage:
    """Build the deployable for `source_dir` and the given Lambda target.

    `local=True` builds for this machine's interpreter instead of (architecture, runtime),
    to run the real artifact under awslambdaric in tests. `requirements` defaults to
    `source_dir/requirements.txt` (no file: no dependencies). `refresh` ignores the
    dependency cache. `bytecode` adds `.pyc` files compiled by a CPython of the target's
    exact version when one is found here (see bytecode.py); False ships sources only.
    Raises PackagingConfigError (and subclasses) for bad inputs,
    NoWheelError, ArtifactTooLargeError or InstallerError when the build cannot succeed.
    """
    steps: list[str] = []

    def step(line: str) -> None:
        line = cli.redact(line)  # whoever receives it: the CLI, a Pulumi log, `steps`
        steps.append(line)
        if progress is not None:
            progress(line)

    target = _target(architecture, runtime, local)
    if not isinstance(layer, bool):
        raise PackagingConfigError("layer", f"{layer!r} is not a boolean", (True, False))
    if installer not in INSTALLERS:
        raise PackagingConfigError("installer", f"{installer!r} is not known", INSTALLERS)
    source = Path(source_dir)
    if not source.is_dir():
        raise PackagingConfigError(
            "source_dir", f"{str(source)!r} is not a folder", "the folder with the handler module"
        )
    step(f"target: {target.describe()}")

    requirements_path = (
        Path(requirements) if requirements is not None else source / "requirements.txt"
    )
    if requirements is not None and not requirements_path.is_file():
        raise PackagingConfigError(
            "requirements", f"{str(requirements_path)!r} does not exist", "a requirements file"
        )
    all_pins = read_requirements(requirements_path)
    step(f"requirements: {len(all_pins)} pinned in {requirements_path.name}"
         + (f" ({', '.join(pin.line for pin in all_pins)})" if all_pins else ""))  # fmt: skip
    # A pin whose marker is false on the target is not installed there, and decides nothing.
    environment = target.marker_environment()
    pins = tuple(pin for pin in all_pins if pin.applies(environment))
    if len(pins) < len(all_pins):
        step(
            "requirements: not for this target (marker false): "
            + ", ".join(pin.line for pin in all_pins if pin not in pins)
        )

    where = _display_name(source)
    skip = _inside(requirements_path, source)
    tree = source_members(source, where=where, skip_names=frozenset(skip))
    if tree.virtualenvs:
        step(
            "source: left out "
            + ", ".join(f"{where}/{name}/" for name in tree.virtualenvs)
            + f" (a virtualenv: {VIRTUALENV_MARKER}); dependencies come from "
            f"{requirements_path.name}, installed for the target"
        )
    code_members = tree.members
    trees = ModuleTrees()  # each module parsed once per build, whoever reads it
    module = check_handler(handler, code_members, where, trees)
    with BuildCache(_usable_cache_dir(
        Path(cache_dir) if cache_dir else default_cache_dir(source), source
    ), progress=step) as cache:  # fmt: skip
        return _build(
            cache, step, steps, trees, target=target, handler=handler, where=where,
            module=module, code_members=code_members, all_pins=all_pins, pins=pins,
            requirements_path=requirements_path, layer=layer, limits=limits,
            exclude=exclude, index=index, installer=installer, refresh=refresh,
            bytecode=bytecode,
        )  # fmt: skip


def _display_name(source: Path) -> str:
    """The source folder's name in messages: `function`, and for `.` the folder's own."""
    return source.name if source.name not in ("", ".", "..") else source.resolve().name


def _build(
    cache: BuildCache,
    step: Progress,
    steps: list[str],
    trees: ModuleTrees,
    *,
    target: Target,
    handler: str,
    where: str,
    module: str,
    code_members: dict[str, Path],
    all_pins: tuple[PinnedRequirement, ...],
    pins: tuple[PinnedRequirement, ...],
    requirements_path: Path,
    layer: bool,
    limits: LambdaLimits,
    exclude: Sequence[str],
    index: IndexOptions,
    installer: str,
    refresh: bool,
    bytecode: bool,
) -> FunctionPackage:
    """The build proper, with the cache's entries held until it returns."""
    code_manifest = scan_files(code_members.items())
    reuse = reuse_findings(
        cache, handler, module, where, code_manifest, code_members, trees.parse
    )  # fmt: skip
    errors = [finding for finding in reuse if finding.severity == "error"]
    if errors:
        raise HandlerError(handler, errors[0].message, errors[0].allowed)
    verdict = f"warning: {reuse[0].message}" if reuse else "one client reused"
    step(f"handler: {handler} defined in {where}/{module}, {verdict}")
    # The toolkit's atlas_lambda for a handler that imports it and ships none of its own.
    helper = (
        helper_members()
        if not ships_own_helper(code_members) and imports_helper(code_members, trees.parse)
        else {}
    )
    if helper:
        check_helper_pins(all_pins, f"{where}/{requirements_path.name}", target)

    excluded = effective_exclusions(pins, exclude, target)
    if pins and not excluded and exclude:
        step("exclusions: off, a runtime-provided package is pinned, so the SDK is bundled")
    installer_used, distributions, cache_hit = "none", (), False
    deps_manifest, deps_members = Manifest(()), {}
    if pins:
        deps = _dependencies(cache, pins, target, excluded, index, installer, refresh, step)
        installer_used, distributions, cache_hit = deps.installer, deps.distributions, deps.hit
        floating = [d for d in distributions if d.split("==")[0] not in {p.name for p in pins}]
        if floating:
            step(
                f"note: {', '.join(floating)} resolved but not pinned in {requirements_path.name}; "
                "pin them too so a fresh build folder can never pick newer ones"
            )
        deps_manifest = deps.manifest
        deps_members = {entry.name: deps.site_dir / entry.name for entry in deps.manifest.entries}
    if helper:
        # Beside the dependencies (layer or code), never in the cached install itself.
        if set(helper) & set(deps_members):
            raise PackagingError(
                f"a dependency installs {min(set(helper) & set(deps_members))}, which would "
                "replace the toolkit's atlas_lambda; ship your own atlas_lambda/ instead"
            )
        deps_members = {**deps_members, **helper}
        deps_manifest = deps_manifest.merged(scan_files(helper.items()))
        where = f"layer {LAYER_PREFIX}/" if layer else "code"
        step(f"runtime helper: the toolkit's atlas_lambda {toolkit_version()} in the {where}")

    split_layer = layer and bool(pins)
    if split_layer:
        layer_manifest = deps_manifest.prefixed(LAYER_PREFIX)
        layer_members = {f"{LAYER_PREFIX}/{name}": path for name, path in deps_members.items()}
    elif pins:
        clashes = sorted(set(code_members) & set(deps_members))
        if clashes:
            raise PackagingError(
                f"{where}/{clashes[0]} would overwrite a dependency's file of the same "
                "name; rename it or use the dependency layer"
            )
        code_members = {**deps_members, **code_members}
        code_manifest = code_manifest.merged(deps_manifest)
    # Bytecode for the runtime's exact version, when such an interpreter is here.
    interpreter, no_bytecode = _bytecode_interpreter(target, bytecode)
    sources_only: list[tuple[Manifest, dict[str, Path]]] = []
    compiled: list[CompiledTree] = []
    if interpreter is not None:
        sources_only.append((code_manifest, dict(code_members)))
        tree = compile_sources(cache, interpreter, code_manifest, code_members, CODE_ROOT)
        code_members, code_manifest = {**code_members, **tree.members}, code_manifest.merged(
            tree.manifest
        )
        compiled.append(tree)
        if split_layer:
            sources_only.append((layer_manifest, dict(layer_members)))
            tree = compile_sources(cache, interpreter, layer_manifest, layer_members, LAYER_ROOT)
            layer_members = {**layer_members, **tree.members}
            layer_manifest = layer_manifest.merged(tree.manifest)
            compiled.append(tree)
    # Unzipped sizes are known now: refuse an oversized package before copying it anywhere.
    check_limits(
        (0, code_manifest.total_size), (0, layer_manifest.total_size) if split_layer else None,
        limits,
    )  # fmt: skip

    layer_info: ArchiveInfo | None = None
    if split_layer:
        layer_info = _archive(cache, layer_manifest, layer_members)
        step(f"layer: {layer_info.file_count} files in {LAYER_PREFIX}/")
    code_info = _archive(cache, code_manifest, code_members)
    bundled = " (with dependencies)" if pins and not split_layer else ""
    step(f"code: {code_info.file_count} files{bundled}")
    bytecode_info = None
    if interpreter is not None:
        bytecode_info = _bytecode_info(
            cache, interpreter, compiled, sources_only,
            code_info.zipped_bytes + (layer_info.zipped_bytes if layer_info else 0),
        )  # fmt: skip
        _report_bytecode(bytecode_info, interpreter, step)
    else:
        step(no_bytecode)

    layer_sizes = (layer_info.zipped_bytes, layer_info.unzipped_bytes) if layer_info else None
    check_limits((code_info.zipped_bytes, code_info.unzipped_bytes), layer_sizes, limits)
    step(
        f"limits: ok ({_size(max(code_info.zipped_bytes, layer_sizes[0] if layer_sizes else 0))}"
        f" of {_size(limits.zipped_bytes)} zipped, "
        f"{_size(code_info.unzipped_bytes + (layer_sizes[1] if layer_sizes else 0))}"
        f" of {_size(limits.unzipped_bytes)} unzipped)"
    )
    return FunctionPackage(
        handler=handler,
        target=target,
        code=code_info,
        layer=layer_info,
        distributions=distributions,
        excluded=excluded,
        installer=installer_used,
        cache_hit=cache_hit,
        bytecode=bytecode_info,
        steps=tuple(steps),
    )


def _bytecode_interpreter(target: Target, wanted: bool) -> tuple[Interpreter | None, str]:
    """The CPython that compiles the artifact's bytecode, or None and the line saying why."""
    if not wanted:
        return None, "bytecode: off, sources only: every cold start compiles what it imports"
    minor = target.python_version
    found = find_interpreter(minor)
    return found, (
        f"bytecode: none, no CPython {minor} found (uv's managed Pythons, pyenv, PATH), so "
        f"the artifact ships sources only and every cold start compiles what it imports; "
        f"get one with {how_to_get(minor)} and build again"
    )


def _bytecode_info(
    cache: BuildCache,
    interpreter: Interpreter,
    compiled: Sequence[CompiledTree],
    sources_only: Sequence[tuple[Manifest, dict[str, Path]]],
    zipped_total: int,
) -> BytecodeInfo:
    """What the bytecode weighs: the archives' zipped size with it, less without it."""
    zipped_without = sum(
        cache.zipped_size(manifest, lambda members=members: zipped_size(sorted(members.items())))
        for manifest, members in sources_only
    )  # fmt: skip
    return BytecodeInfo(
        interpreter=interpreter.describe(),
        cache_tag=interpreter.cache_tag,
        files=sum(tree.manifest.file_count for tree in compiled),
        zipped_bytes=zipped_total - zipped_without,
        unzipped_bytes=sum(tree.manifest.total_size for tree in compiled),
        failed=tuple(failure for tree in compiled for failure in tree.failed),
    )


def _report_bytecode(info: BytecodeInfo, interpreter: Interpreter, step: Progress) -> None:
    step(
        f"bytecode: {info.files} modules compiled by {info.interpreter} into __pycache__ "
        f"(*.{info.cache_tag}.pyc, PEP 552 unchecked hash; sources kept): "
        f"+{_size(info.zipped_bytes)} zipped, +{_size(info.unzipped_bytes)} unzipped"
    )
    if info.failed:
        name, why = info.failed[0]
        step(
            f"bytecode: {len(info.failed)} source(s) do not compile under CPython "
            f"{interpreter.version} and ship as source only (first: {name}: {why})"
        )


def _usable_cache_dir(root: Path, source: Path) -> Path:
    """`root`, refused when inside the source folder, holding it, holding other files, or
    not writable.

    A build folder inside the source would be packaged by the next build, which then grows
    on every run, unless it is in a folder the source scan never enters (`.build/`, hidden);
    one around the source, or any folder of other files (`/`, `.`), would get deps/,
    artifacts/, sizes/ and tmp/ scattered among them; an unwritable one fails half-way with
    an unhelpful OSError.
    """
    allowed = (
        f"a writable folder outside {source} or hidden inside it, such as "
        f"{project_build_dir(source)}"
    )
    inside = _relative(root.resolve(), source.resolve())
    if inside is not None and not (inside.parts and scan_skips(inside.parts[0])):
        raise PackagingConfigError(
            "cache_dir", f"{str(root)!r} is inside the source folder {str(source)!r}; "
            "every build would package the previous one", allowed,
        )  # fmt: skip
    if source.resolve().is_relative_to(root.resolve()):
        raise PackagingConfigError(
            "cache_dir", f"{str(root)!r} holds the source folder {str(source)!r}; the build "
            "would write deps/, artifacts/, sizes/ and tmp/ among the project's files", allowed,
        )  # fmt: skip
    if not is_cache_or_empty(root):
        raise PackagingConfigError(
            "cache_dir", f"{str(root)!r} is neither empty nor an atlas-lambda build cache "
            f"(no {CACHE_MARKER}); the build would scatter deps/, artifacts/, sizes/ and tmp/ "
            "among its files", allowed,
        )  # fmt: skip
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = root / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        mark_cache(root)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise PackagingConfigError(
            "cache_dir", f"{str(root)!r} is not writable ({error.strerror or error})", allowed
        ) from error
    return root


def _relative(path: Path, root: Path) -> Path | None:
    """`path` relative to `root`, or None when it is not inside."""
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _inside(path: Path, root: Path) -> set[str]:
    """{name of path relative to root} if path is in root (the requirements file)."""
    try:
        return {path.resolve().relative_to(root.resolve()).as_posix()}
    except ValueError:
        return set()


def _archive(cache: BuildCache, manifest: Manifest, members: dict[str, Path]) -> ArchiveInfo:
    folder = cache.materialize(manifest, members)
    zipped = cache.zipped_size(manifest, lambda: zipped_size(sorted(members.items())))
    return ArchiveInfo(folder, manifest.digest, manifest.file_count, manifest.total_size, zipped)


def _dependencies(
    cache: BuildCache,
    pins: Sequence[PinnedRequirement],
    target: Target,
    excluded: tuple[str, ...],
    index: IndexOptions,
    installer: str,
    refresh: bool,
    step: Progress,
) -> CachedInstall:
    """The cached install for these inputs, installing (and cleaning) it on a miss."""
    key = cache_key({
        "exclude": list(excluded),
        "index": index.cache_key(),
        "requirements": [pin.line for pin in pins],
        "target": target.cache_key(),
    })  # fmt: skip
    # --refresh installs afresh and then takes the entry's place under its lock: a build
    # copying out of the old one (another process) finishes first, and none sees it vanish.
    cached = None if refresh else cache.get_install(key)
    if cached is not None:
        step(f"dependencies: cached ({key[:12]}): {', '.join(cached.distributions)}")
        return cached

    started = time.perf_counter()
    leaving_out = f", leaving out {', '.join(excluded)}" if excluded else ""
    step(f"dependencies: installing wheels for {target.describe()}{leaving_out}")

    def run(site: Path) -> tuple[str, tuple[str, ...]]:
        result = install(
            pins, target, site, exclude=excluded, index=index, installer=installer,
            progress=lambda line: step(f"dependencies: {line}"),
        )  # fmt: skip
        removed = clean_install_tree(site)
        step(f"clean: removed {len(removed)} files (bytecode, bin/, installer records, sources)")
        _refuse_build_paths(site, [str(site), str(site.parent)])
        return result.installer, result.distributions

    built = cache.put_install(key, run, replace=refresh)
    step(
        f"dependencies: {', '.join(built.distributions)} with {built.installer} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return built


def _refuse_build_paths(root: Path, needles: Iterable[str]) -> None:
    """No file may mention the folder it was built in (RECORDs, .pth files, scripts)."""
    encoded = [needle.encode() for needle in needles]
    for name, path in iter_tree(root, skip_hidden=False):
        data = path.read_bytes()
        if any(needle in data for needle in encoded):
            raise PackagingError(f"{name} contains the build folder's absolute path")


# --- command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = cli.ArgumentParser(
        prog=f"python -m {__package__}",
        description="Build the Lambda package (code + dependency layer) for a target.",
    )
    parser.add_argument("--source", default="function", help="function folder (default: function)")
    parser.add_argument("--handler", default="handler.handler", help="default: handler.handler")
    parser.add_argument("--architecture", default="arm64", help="arm64 (default) or x86_64")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME, help=f"default: {DEFAULT_RUNTIME}")
    parser.add_argument("--local", action="store_true", help="build for this machine instead")
    parser.add_argument(
        "--layer", action=argparse.BooleanOptionalAction, default=DEFAULT_LAYER,
        help="put dependencies in a layer (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--requirements", help="default: <source>/requirements.txt")
    parser.add_argument("--cache-dir", help="default: $ATLAS_LAMBDA_BUILD_DIR or .build/")
    parser.add_argument("--installer", default="auto", help="auto (uv, else pip), uv or pip")
    parser.add_argument("--refresh", action="store_true", help="reinstall dependencies")
    parser.add_argument(
        "--bytecode", action=argparse.BooleanOptionalAction, default=True,
        help="ship .pyc compiled by a CPython of the runtime's version, when one is found "
        "(default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def cli_error(error: PackagingError) -> cli.CliError:
    """The `error:` and `hint:` lines for a failed build (exit 1: input or environment)."""
    if isinstance(error, PackagingConfigError):
        return cli.classify(error)
    if error.hint is not None:  # the error knows what to do (an unreachable index, a link)
        return cli.CliError(error.problem, error.hint)
    if isinstance(error, NoWheelError):
        return cli.CliError(
            f"no binary wheel of {error.requirement} for {error.platform}",
            "pin a version that publishes a wheel for this platform, or choose another "
            "--architecture/--runtime (source builds are refused: they target the build machine)",
        )
    if isinstance(error, ArtifactTooLargeError):
        return cli.CliError(
            f"{error.what} is {error.size:,} bytes, over Lambda's limit of {error.limit:,} bytes",
            "drop dependencies or move them into a container image",
        )
    if isinstance(error, InstallTimeoutError):
        return cli.CliError(
            str(error), f"check that the package index answers, or raise {error.knob} (seconds)"
        )
    if isinstance(error, InstallerError):
        if "no space left on device" in error.output.lower():
            return cli.CliError(
                f"no space left on device while {error.installer} installed the dependencies",
                "free disk space, or point --cache-dir (ATLAS_LAMBDA_BUILD_DIR) and TMPDIR at a "
                "larger disk, and run again",
            )
        return cli.CliError(
            f"{error.installer} could not install the dependencies: {error.reason}",
            "check the network, proxy and certificates (uv uses the system trust store, pip "
            f"reads pip.conf); rerun with {cli.DEBUG_FLAG} for the installer's full output",
        )
    return cli.CliError(str(error), f"rerun with {cli.DEBUG_FLAG} for details")


def _main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        package = build_function_package(
            args.source,
            handler=args.handler,
            architecture=args.architecture,
            runtime=args.runtime,
            layer=args.layer,
            local=args.local,
            requirements=args.requirements,
            cache_dir=args.cache_dir,
            installer=args.installer,
            refresh=args.refresh,
            bytecode=args.bytecode,
            limits=LAMBDA_LIMITS,
        )
    except PackagingError as error:
        raise cli_error(error) from error
    if args.json:
        print(json.dumps(package.to_dict(), indent=2, sort_keys=True))
    else:
        print("\n".join(package.summary_lines()))
    return cli.EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The command line under the failure contract (components/cli.py): exit codes, no
    traceback without --debug, secrets redacted."""
    return cli.run_command(_main, argv)


if __name__ == "__main__":
    sys.exit(main())
