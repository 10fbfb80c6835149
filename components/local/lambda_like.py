"""An execution environment laid out as Lambda lays one out, on read-only roots.

Lambda extracts the function's code into `/var/task` and each layer into `/opt`, puts
`/var/task`, `/opt/python` and then the runtime's own packages (awslambdaric, boto3,
botocore, with their bytecode) on `sys.path`, and mounts all of them read-only: Python
cannot write a bytecode cache there, so whatever has no `.pyc` in the artifact is compiled
again by every new environment. This runs the extracted artifact the same way: the task
root, `opt/python` and a runtime folder on PYTHONPATH in that order, the chosen
interpreter, PYTHONDONTWRITEBYTECODE=1, and the three roots read-only.

Read-only means read-only bind mounts in a private mount namespace of the child (as on
Lambda, even root cannot write there). Where the namespace cannot be had (not root, no
CAP_SYS_ADMIN) the roots lose their write bits instead, which stops anyone but root;
`written_since` then proves after the fact that nothing was written.
"""

from __future__ import annotations

import ctypes
import functools
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ..packaging.build import FunctionPackage
from ..packaging.tree import iter_tree, write_zip
from .lambda_environment import LambdaEnvironment

COMPILE_LOG_ENV = "ATLAS_LAMBDA_COMPILE_LOG"
COMPILE_ROOTS_ENV = "ATLAS_LAMBDA_COMPILE_ROOTS"

_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18
READ_ONLY_MOUNTS = "read-only bind mounts"
READ_ONLY_PERMISSIONS = "write bits removed"


def extract(package: FunctionPackage, dest: Path) -> tuple[Path, Path | None]:
    """Zip the package and unzip it as Lambda does: the code in task/, the layer in opt/.

    Returns (task root, opt root or None). Going through the zip proves it is complete
    (bytecode included) and keeps whatever runs out of the build folder.
    """
    dest.mkdir(parents=True, exist_ok=True)
    roots: list[Path | None] = []
    for folder, into in ((package.code_dir, dest / "task"), (package.layer_dir, dest / "opt")):
        if folder is None:
            roots.append(None)
            continue
        archive = dest / f"{into.name}.zip"
        with archive.open("wb") as stream:
            write_zip(iter_tree(folder, skip_hidden=False, keep_bytecode=True), stream)
        with zipfile.ZipFile(archive) as unzipped:
            unzipped.extractall(into)
        archive.unlink()
        roots.append(into)
    task_root, opt_root = roots
    assert task_root is not None
    return task_root, opt_root


def _mount_read_only(paths: Sequence[Path]) -> Callable[[], None]:
    """A preexec_fn: a private mount namespace with each path bind-mounted read-only.

    Everything is looked up before the fork; the child only makes system calls.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    unshare, mount = libc.unshare, libc.mount
    mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                      ctypes.c_void_p]  # fmt: skip
    encoded = [os.fsencode(path) for path in paths]

    def enter() -> None:
        if unshare(_CLONE_NEWNS) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
        if mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
            raise OSError(ctypes.get_errno(), "mount --make-rprivate /")
        for path in encoded:
            if mount(path, path, None, _MS_BIND | _MS_REC, None) != 0:
                raise OSError(ctypes.get_errno(), f"mount --bind {path!r}")
            flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
            if mount(None, path, None, flags, None) != 0:
                raise OSError(ctypes.get_errno(), f"mount -o remount,ro {path!r}")

    return enter


@functools.cache
def bind_mounts_work() -> bool:
    """True when a child may get read-only bind mounts here (tried once, on /tmp-like dir)."""
    probe = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        completed = subprocess.run(
            [sys.executable, "-c", f"open({str(probe / '.ro-probe')!r}, 'w')"],
            preexec_fn=_mount_read_only([probe]), capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode != 0 and b"Read-only file system" in completed.stderr


def remove_write_bits(roots: Iterable[Path]) -> None:
    """chmod a-w on every folder and file under `roots` (the fallback)."""
    mask = ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for path in [folder, *(os.path.join(folder, name) for name in files)]:
                os.chmod(path, os.stat(path).st_mode & mask, follow_symlinks=False)


def restore_write_bits(roots: Iterable[Path]) -> None:
    """chmod u+w again, so a fallback-protected tree can be removed."""
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for path in [folder, *(os.path.join(folder, name) for name in files)]:
                mode = os.stat(path, follow_symlinks=False).st_mode
                os.chmod(path, mode | stat.S_IWUSR, follow_symlinks=False)


def listing(roots: Iterable[Path]) -> set[str]:
    """Every file and folder under `roots`: compared before and after a run."""
    found: set[str] = set()
    for root in roots:
        for folder, dirs, files in os.walk(root):
            found.update(os.path.join(folder, name) for name in [*dirs, *files])
    return found


def written_since(roots: Iterable[Path], before: set[str]) -> list[str]:
    """Paths that appeared under `roots` since `before` was taken (expected: none)."""
    return sorted(listing(roots) - before)


class LambdaLikeEnvironment(LambdaEnvironment):
    """awslambdaric under `python`, the extracted artifact and a runtime folder read-only."""

    def __init__(
        self,
        task_root: Path,
        environ: Mapping[str, str],
        *,
        opt_root: Path | None = None,
        runtime_dir: Path | None = None,
        python: str = sys.executable,
        extra_paths: Iterable[Path] = (),
        handler: str = "handler.handler",
        function_name: str = "atlas-lambda-test",
        init_type: str = "on-demand",
        isolated: bool = False,
    ) -> None:
        roots = [Path(task_root).resolve()]
        roots += [Path(opt_root).resolve()] if opt_root is not None else []
        roots += [Path(runtime_dir).resolve()] if runtime_dir is not None else []
        paths = [roots[1] / "python"] if opt_root is not None else []
        paths += [Path(runtime_dir)] if runtime_dir is not None else []
        paths += list(extra_paths)
        super().__init__(
            task_root, {"PYTHONDONTWRITEBYTECODE": "1", **environ}, handler=handler,
            extra_paths=paths, function_name=function_name, init_type=init_type,
        )  # fmt: skip
        self.python = python
        self.isolated = isolated
        """`python -S`: no site-packages of `python` (a virtualenv's, say) on sys.path, so
        only the artifact and the runtime folder can be imported, as on Lambda."""
        self.read_only_roots = roots
        self.read_only = READ_ONLY_MOUNTS if bind_mounts_work() else READ_ONLY_PERMISSIONS
        if self.read_only == READ_ONLY_PERMISSIONS:
            remove_write_bits(roots)

    def launch(self) -> LambdaLikeEnvironment:
        """As LambdaEnvironment.launch, with this interpreter and the roots read-only."""
        self.api.start()
        self._environ["AWS_LAMBDA_RUNTIME_API"] = self.api.address
        preexec = (
            _mount_read_only(self.read_only_roots) if self.read_only == READ_ONLY_MOUNTS else None
        )
        self._process = subprocess.Popen(
            [self.python, *(["-S"] if self.isolated else []), "-m", "awslambdaric", self.handler],
            cwd=self.code_root, env=self._environ, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=preexec,
        )  # fmt: skip
        return self


def counting_compiles(log: Path, roots: Iterable[Path]) -> dict[str, str]:
    """Environment for the shim: log each module compiled from source under `roots`."""
    return {
        COMPILE_LOG_ENV: str(log),
        COMPILE_ROOTS_ENV: os.pathsep.join(str(Path(root).resolve()) for root in roots),
    }


def compiled_modules(log: Path) -> list[str]:
    """What the shim logged: source paths compiled at run time, in order.

    Raises when the shim never ran (an empty list would then prove nothing).
    """
    lines = log.read_text().splitlines() if log.exists() else []
    if not any(line.startswith("# counting") for line in lines):
        raise RuntimeError(f"the compile counter (shims/sitecustomize.py) did not run: {log}")
    return [line for line in lines if not line.startswith("#")]
