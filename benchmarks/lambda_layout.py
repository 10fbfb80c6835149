"""The artifacts the cold-start benchmark runs, built and laid out as Lambda runs them.

A cold start on Lambda imports from the *deployed* artifact: the code extracted into a
read-only `/var/task`, the dependency layer into a read-only `/opt`, the runtime's own
awslambdaric and boto3 (compiled) beside them, no bytecode cache written anywhere. Running
`function/` from the repository with the development venv's packages would measure
something else: pip compiled their `.pyc` at install time, and Lambda has none unless the
artifact ships them. So every side here is built by `components.packaging` for this
machine's architecture and the benchmark runtime (python3.13 when a CPython 3.13 is
installed here, else the running interpreter's version), extracted from its zip, and run
by that CPython under `tests/packaging/lambda_like.py`'s read-only environment:

* **ours**: the sample handler (`function/`), with the bytecode the build ships;
* **ours, sources only**: the same, built with `bytecode=False` (what Lambda ran before);
* **reference**: `lambda_code/raw_ping.py` with the same pinned requirements, built the same
  way (bytecode included), so the cold-start ratio compares like with like.
"""

from __future__ import annotations

import platform
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from components.local.lambda_like import (
    READ_ONLY_MOUNTS,
    READ_ONLY_PERMISSIONS,
    LambdaLikeEnvironment,
    bind_mounts_work,
    extract,
    restore_write_bits,
)
from components.local.lambda_runtime import runtime_dir, runtime_interpreter, runtime_pins
from components.packaging.build import FunctionPackage, build_function_package
from components.packaging.interpreter import Interpreter

from .deployment import FUNCTION_ROOT, LAMBDA_CODE, REPO

BENCH_RUNTIME = "python3.13"
BUILD_DIR = REPO / ".build"
REFERENCE_HANDLER = "raw_ping.handler"
REFERENCE_MODULES = ("raw_ping.py", "raw_http_ping.py")
ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
SIDES = ("ours", "ours_source", "reference")


@dataclass(frozen=True)
class Extracted:
    """One built artifact, extracted."""

    package: FunctionPackage
    task_root: Path
    opt_root: Path | None
    handler: str

    @property
    def roots(self) -> list[Path]:
        return [self.task_root, *([self.opt_root] if self.opt_root else [])]


@dataclass(frozen=True)
class LambdaLayout:
    """The interpreter, the runtime folder and the extracted artifacts of one run."""

    interpreter: Interpreter
    runtime: str
    runtime_dir: Path
    sides: dict[str, Extracted]
    note: str
    """Why this runtime (python3.13 unless no CPython 3.13 is installed here)."""

    def environment(
        self, side: str, environ: Mapping[str, str], *, init_type: str = "on-demand",
        extra_environ: Mapping[str, str] | None = None, extra_paths: tuple[Path, ...] = (),
        handler: str | None = None,
    ) -> LambdaLikeEnvironment:  # fmt: skip
        """An environment for `side` (another `handler` of its code if given), not started
        yet (the caller times the start)."""
        chosen = self.sides[side]
        return LambdaLikeEnvironment(
            chosen.task_root, {**environ, **(extra_environ or {})}, opt_root=chosen.opt_root,
            runtime_dir=self.runtime_dir, python=str(self.interpreter.path),
            extra_paths=extra_paths, handler=handler or chosen.handler,
            function_name=f"bench-{uuid.uuid4().hex[:8]}", init_type=init_type,
        )  # fmt: skip

    @property
    def read_only(self) -> str:
        """How the roots are kept read-only: bind mounts, or (not root) write bits."""
        return READ_ONLY_MOUNTS if bind_mounts_work() else READ_ONLY_PERMISSIONS

    @property
    def roots(self) -> list[Path]:
        return [root for side in self.sides.values() for root in side.roots] + [self.runtime_dir]

    def describe(self) -> str:
        ours, source = self.sides["ours"].package, self.sides["ours_source"].package
        bytecode = ours.bytecode
        added = f"+{bytecode.zipped_bytes / 1024 / 1024:.2f} MB zipped" if bytecode else "none"
        return (
            f"{self.runtime} artifacts for {ours.architecture}, run by "
            f"{self.interpreter.describe()} with the runtime's {', '.join(runtime_pins())} "
            "(compiled) beside them; "
            f"bytecode {added} ({source.zipped_bytes:,} B -> {ours.zipped_bytes:,} B zipped)"
            f"{'; ' + self.note if self.note else ''}"
        )


def bench_interpreter() -> tuple[Interpreter, str, str]:
    """(interpreter, runtime, note): CPython 3.13 if here, else the running interpreter."""
    return runtime_interpreter(BENCH_RUNTIME)


def _reference_source(folder: Path) -> Path:
    """The raw-ping handlers with the function's pins: the reference as a deployable folder
    (raw_http_ping.py is the warm benchmark's diagnostic, never imported by raw_ping)."""
    folder.mkdir(parents=True)
    for name in REFERENCE_MODULES:
        shutil.copyfile(LAMBDA_CODE / name, folder / name)
    shutil.copyfile(FUNCTION_ROOT / "requirements.txt", folder / "requirements.txt")
    return folder


@contextmanager
def lambda_layout(progress: Callable[[str], None]) -> Iterator[LambdaLayout]:
    """Build, extract and lay out every side; removed again on exit."""
    interpreter, runtime, note = bench_interpreter()
    architecture = ARCHITECTURES.get(platform.machine().lower())
    if architecture is None:
        raise RuntimeError(f"Lambda has no {platform.machine()} architecture")
    progress(f"cold start: building {runtime} artifacts for {architecture} "
             f"({interpreter.describe()})")  # fmt: skip
    scratch = Path(tempfile.mkdtemp(prefix="atlas-lambda-cold-"))
    try:
        reference_source = _reference_source(scratch / "reference-src")

        def build(source: Path, handler: str, bytecode: bool) -> FunctionPackage:
            return build_function_package(
                source, handler=handler, architecture=architecture, runtime=runtime,
                cache_dir=BUILD_DIR, bytecode=bytecode, progress=None,
            )  # fmt: skip

        packages = {
            "ours": (build(FUNCTION_ROOT, "handler.handler", True), "handler.handler"),
            "ours_source": (build(FUNCTION_ROOT, "handler.handler", False), "handler.handler"),
            "reference": (build(reference_source, REFERENCE_HANDLER, True), REFERENCE_HANDLER),
        }
        sides = {}
        for side, (package, handler) in packages.items():
            task_root, opt_root = extract(package, scratch / side)
            sides[side] = Extracted(package, task_root, opt_root, handler)
        progress("cold start: the runtime's packages (awslambdaric, boto3) for that interpreter")
        runtime_folder = runtime_dir(interpreter, BUILD_DIR)
        yield LambdaLayout(interpreter, runtime, runtime_folder, sides, note)
    finally:
        _remove(scratch)


def _remove(folder: Path) -> None:
    """Remove a tree whose write bits the read-only fallback may have taken away."""
    restore_write_bits([folder])
    shutil.rmtree(folder, ignore_errors=True)
