"""Running uv or pip as a child: one overall time limit, a progress line, honest retries.

A silent index (a proxy that accepts the connection and never answers) would otherwise keep
the user waiting for many minutes with nothing on the screen. The installer runs in its own
process group, so on expiry or Ctrl-C the whole group (uv's own workers, pip's builds) is
killed, not just the parent.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from .errors import InstallerError, InstallTimeoutError, NoWheelError, PackagingConfigError

Progress = Callable[[str], None]

INSTALL_TIMEOUT_ENV = "ATLAS_LAMBDA_INSTALL_TIMEOUT"
DEFAULT_INSTALL_TIMEOUT = 300.0
"""Seconds for the whole dependency install, pip retry included (a cold uv install of the
function's pins takes seconds, pip well under a minute)."""
HEARTBEAT_SECONDS = 10.0
"""How often a still-running install says so."""

# uv's messages for failures that depend on the network path, not on the requirements; pip
# may get through (its own certificates and index from pip.conf, a different TLS stack).
_NETWORK = re.compile(
    r"certificate|UnknownIssuer|tls|ssl|handshake|connection refused|connection reset"
    r"|dns error|failed to lookup address|error sending request|timed out|network is unreachable"
    r"|failed to fetch|could not connect",
    re.IGNORECASE,
)
_PIP_ENV = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CERT",
            "PIP_CLIENT_CERT", "PIP_TRUSTED_HOST", "PIP_CONFIG_FILE")  # fmt: skip


def install_timeout(env: Mapping[str, str] = os.environ) -> float:
    """The overall limit in seconds: $ATLAS_LAMBDA_INSTALL_TIMEOUT or the default."""
    text = env.get(INSTALL_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_INSTALL_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise PackagingConfigError(
            INSTALL_TIMEOUT_ENV, f"{text!r} is not a number of seconds", "a number above 0"
        )
    return seconds


def pip_config_files(env: Mapping[str, str] = os.environ) -> list[Path]:
    """pip's configuration files that exist (pip's documented site, user, global places).

    PIP_CONFIG_FILE=/dev/null (os.devnull) tells pip to load none, and so does it here.
    """
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    home = Path(env.get("HOME", str(Path.home())))
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
    candidates = [Path(sys.prefix) / "pip.conf", config_home / "pip" / "pip.conf",
                  home / ".pip" / "pip.conf", Path("/etc/pip.conf")]  # fmt: skip
    candidates += [Path(folder) / "pip" / "pip.conf" for folder in dirs.split(":") if folder]
    return [path for path in candidates if path.is_file()]


def pip_configured(env: Mapping[str, str] = os.environ) -> str | None:
    """What pip would read that uv does not (a PIP_* variable or a pip.conf), or None."""
    for name in _PIP_ENV:
        if env.get(name) and env.get(name) != os.devnull:
            return name
    files = pip_config_files(env)
    return str(files[0]) if files else None


def should_retry_with_pip(
    error: InstallerError | NoWheelError, env: Mapping[str, str] = os.environ
) -> str | None:
    """Why pip may succeed where uv failed, or None when pip would fail the same way.

    A missing wheel or an unsatisfiable pin fails identically with pip against the same
    index, so it is retried only when pip is configured differently (its own index, cert).
    """
    output = error.output if isinstance(error, InstallerError) else str(error)
    if "no space left on device" in output.lower():
        return None  # the same disk either way
    if isinstance(error, InstallerError):
        match = _NETWORK.search(error.output)
        if match:
            return f"network or TLS: {match.group(0)}"
    configured = pip_configured(env)
    if configured:
        return f"pip has its own configuration: {configured}"
    return None


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_installer(
    command: list[str],
    env: Mapping[str, str],
    name: str,
    deadline: float,
    limit: float,
    progress: Progress | None,
) -> tuple[int, str]:
    """(exit code, combined output) of `command`, killed with its group at `deadline`."""
    started = time.monotonic()
    if progress is not None:
        progress(f"{name} started (limit {limit:g} s, {INSTALL_TIMEOUT_ENV} to change)")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        text=True, errors="replace", env=dict(env), start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(process)
                raise InstallTimeoutError(name, limit, INSTALL_TIMEOUT_ENV)
            try:
                output, _ = process.communicate(timeout=min(HEARTBEAT_SECONDS, remaining))
                return process.returncode, output or ""
            except subprocess.TimeoutExpired:
                if progress is not None and deadline - time.monotonic() > 0:
                    elapsed = time.monotonic() - started
                    progress(f"{name} still running after {elapsed:.0f} s (limit {limit:g} s)")
    except BaseException:  # Ctrl-C or the limit: never leave the installer running
        if process.returncode is None:
            _kill_group(process)
        raise
