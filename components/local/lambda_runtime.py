"""The runtime's own packages, as a Lambda Python runtime ships them: a folder to run beside
the artifact.

Lambda's Python runtimes bring awslambdaric (the runtime client), boto3 and botocore (which
pymongo-auth-aws signs with) and snapshot-restore-py (SnapStart's hooks), compiled: their
bytecode is in the image, so a cold start never compiles them. This installs the same
distributions, at the versions this project tests with, as wheels for the interpreter that
will run them, and compiles them with it. The folder is cached by those inputs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from ..packaging.install import find_uv
from ..packaging.interpreter import Interpreter, find_interpreter, how_to_get, probe
from ..packaging.target import RUNTIMES

RUNTIME_DISTRIBUTIONS = ("awslambdaric", "boto3", "snapshot-restore-py")
GLIBC = "2_34"  # Amazon Linux 2023, the python3.12+ runtimes
TIMEOUT_SECONDS = 600


def runtime_interpreter(runtime: str) -> tuple[Interpreter, str, str]:
    """(interpreter, runtime, note): a CPython of `runtime`'s version when one is installed
    here, else the running interpreter under its own runtime name, with a note saying so
    and how to get the right one."""
    minor = RUNTIMES[runtime][0]
    found = find_interpreter(minor)
    if found is not None:
        return found, runtime, ""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    here = probe(Path(sys.executable), "this interpreter")
    if f"python{running}" not in RUNTIMES or here is None:
        raise RuntimeError(f"no CPython {minor} here and python{running} is no Lambda runtime")
    note = (f"no CPython {minor} found, so python{running} on the running interpreter "
            f"({how_to_get(minor)} for {runtime})")  # fmt: skip
    return here, f"python{running}", note


def runtime_pins() -> list[str]:
    """`name==version` of the runtime's packages, at this environment's versions."""
    return [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME_DISTRIBUTIONS]


def runtime_dir(interpreter: Interpreter, cache_root: Path) -> Path:
    """A folder with the runtime's packages for `interpreter`, compiled; built once."""
    pins = runtime_pins()
    machine = platform.machine().lower()
    key = hashlib.sha256(
        json.dumps([pins, interpreter.version, machine, GLIBC]).encode()
    ).hexdigest()[:16]
    final = cache_root / "lambda-runtime" / key
    if (final / "site").is_dir():
        return final / "site"
    uv = find_uv()
    if uv is None:
        raise RuntimeError("uv is needed to install the runtime's packages (pip install uv)")
    scratch = cache_root / "lambda-runtime" / f"tmp-{uuid.uuid4().hex}"
    site = scratch / "site"
    site.mkdir(parents=True)
    try:
        minor = ".".join(interpreter.version.split(".")[:2])
        subprocess.run(
            [uv, "pip", "install", "--target", str(site), "--python", sys.executable,
             "--only-binary", ":all:", "--link-mode", "copy", "--no-progress",
             "--python-platform", f"{machine}-manylinux_{GLIBC}", "--python-version", minor,
             *pins],
            check=True, capture_output=True, timeout=TIMEOUT_SECONDS,
        )  # fmt: skip
        shutil.rmtree(site / "bin", ignore_errors=True)
        # As the runtime image has them: compiled by the interpreter that runs them.
        subprocess.run(
            [str(interpreter.path), "-m", "compileall", "-q", "-j", "0", str(site)],
            check=True, capture_output=True, timeout=TIMEOUT_SECONDS,
        )  # fmt: skip
        try:
            scratch.rename(final)
        except OSError:  # another run built it meanwhile
            shutil.rmtree(scratch, ignore_errors=True)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return final / "site"
