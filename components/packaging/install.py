"""Installing pinned requirements as binary wheels for a target, with uv or else pip.

uv is fast and can leave the runtime-provided packages out of the resolution altogether
(`--excludes`: boto3 and botocore are never even downloaded). pip is the fallback when uv
is missing, and (installer `auto`) when uv fails for a reason pip may survive: see
`installer_run.should_retry_with_pip`. pip installs everything and the excluded
distributions are removed afterwards by their RECORD. Either way only wheels are accepted
(`--only-binary :all:`): a source build would compile for the build machine, not for the
Lambda. Both run under one overall time limit (`installer_run.install_timeout`).
"""

from __future__ import annotations

import csv
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from .errors import IndexUnreachableError, InstallerError, NoWheelError, PackagingConfigError
from .installer_run import Progress, install_timeout, run_installer, should_retry_with_pip
from .requirements import PinnedRequirement
from .target import Target

# Shipped by every Lambda Python runtime: boto3, botocore and their dependencies.
RUNTIME_PROVIDED: tuple[str, ...] = (
    "boto3", "botocore", "jmespath", "python-dateutil", "s3transfer", "six", "urllib3",
)  # fmt: skip
INSTALLERS = ("auto", "uv", "pip")

_UV_NO_WHEEL = re.compile(
    r"Because (?P<req>[A-Za-z0-9][A-Za-z0-9._\-]*(?:\[[^\]]*\])?(?:[=<>!~]=?[^\s,]+)?) "
    r"has no (?:usable )?wheels"
)
_PIP_NO_WHEEL = re.compile(r"No matching distribution found for (?P<req>\S+)")
# An index the installer could not read for a reason of the network path, not of the index's
# contents. uv says so in its error (`Failed to fetch: <url>` and its causes); pip logs each
# page it could not fetch only at debug level, so it runs with --log and the log is read.
_UV_FETCH = re.compile(r"Failed to fetch:? `?(?P<url>[a-z][a-z0-9+.-]*://[^\s`'\"]+)")
_PIP_FETCH = re.compile(
    r"Could not fetch URL (?P<url>\S+?): (?P<reason>.*?) - skipping", re.IGNORECASE
)
_CONNECTION = re.compile(
    r"connection error|Max retries exceeded|Failed to establish|NewConnectionError|ProxyError"
    r"|SSLError|certificate|timed out|Temporary failure in name resolution|Name or service not"
    r"|NameResolution|Failed to resolve|Connection refused|Connection reset|Network is unreachable",
    re.IGNORECASE,
)
_CAUSE = re.compile(
    r"\[Errno -?\d+\] (?P<errno>[^'\")\]]+)|(?P<cert>certificate verify failed[^'\")\]]*)"
    r"|(?P<timeout>timed out)|(?P<proxy>ProxyError)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IndexOptions:
    """Where wheels come from; the default is the installer's own configuration (PyPI)."""

    index_url: str | None = None
    find_links: tuple[str, ...] = ()
    no_index: bool = False

    def args(self, installer: str) -> list[str]:
        args: list[str] = []
        if self.index_url:
            args += ["--index-url", self.index_url]
        for location in self.find_links:
            args += ["--find-links", location]
        if self.no_index:
            args.append("--no-index")
        return args

    def cache_key(self) -> dict[str, object]:
        return {"find_links": list(self.find_links), "index_url": self.index_url,
                "no_index": self.no_index}  # fmt: skip


DEFAULT_INDEX = IndexOptions()


@dataclass(frozen=True)
class InstallResult:
    """What ended up in the target folder."""

    installer: str
    distributions: tuple[str, ...]
    """`name==version`, sorted, after exclusions."""


def effective_exclusions(
    requirements: Sequence[PinnedRequirement],
    exclude: Iterable[str],
    target: Target | None = None,
) -> tuple[str, ...]:
    """The packages to leave out, unless the user pinned one of them on purpose.

    Pinning boto3 (say, for a newer API than the runtime's) means "bundle the SDK"; leaving
    out only its unpinned dependencies would ship a boto3 without a matching botocore, so
    a pin of any excluded package turns the whole exclusion off. Only a pin that applies to
    `target` counts: `boto3==1.40.0; python_version < "3.12"` installs nothing on a 3.13
    Lambda, so it must not bundle the SDK there either.
    """
    excluded = tuple(sorted({canonicalize_name(name) for name in exclude}))
    environment = target.marker_environment() if target is not None else None
    if any(
        pin.name in excluded and (environment is None or pin.applies(environment))
        for pin in requirements
    ):
        return ()
    return excluded


UV_ENV = "ATLAS_LAMBDA_UV"


def find_uv() -> str | None:
    """The uv binary: $ATLAS_LAMBDA_UV, else the one the `uv` package ships, else PATH's."""
    configured = os.environ.get(UV_ENV)
    if configured:
        return configured
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


@functools.lru_cache(maxsize=4)
def _uv_supports_excludes(uv: str) -> bool:
    """`--excludes` arrived in uv 0.9; older ones get pip's remove-afterwards treatment."""
    result = subprocess.run(
        [uv, "pip", "install", "--help"], capture_output=True, text=True, check=False
    )
    return "--excludes" in result.stdout


def install(
    requirements: Sequence[PinnedRequirement],
    target: Target,
    dest: Path,
    *,
    exclude: Sequence[str] = RUNTIME_PROVIDED,
    index: IndexOptions = DEFAULT_INDEX,
    installer: str = "auto",
    progress: Progress | None = None,
) -> InstallResult:
    """Install `requirements` for `target` into the empty folder `dest` (`--target` layout).

    With `auto`, a uv failure that pip may survive (network, TLS, a pip configuration uv
    does not read) is retried once with pip, within the same overall time limit.
    """
    if installer not in INSTALLERS:
        raise PackagingConfigError("installer", f"{installer!r} is not known", INSTALLERS)
    uv = find_uv() if installer in ("auto", "uv") else None
    if installer == "uv" and uv is None:
        raise PackagingConfigError("installer", "uv is not installed (pip install uv)", INSTALLERS)
    limit = install_timeout()
    deadline = time.monotonic() + limit
    with tempfile.TemporaryDirectory(prefix="atlas-lambda-req-") as scratch:
        requirements_file = Path(scratch) / "requirements.txt"
        requirements_file.write_text("".join(f"{pin.line}\n" for pin in requirements))
        excludes_file = Path(scratch) / "excludes.txt"
        excludes_file.write_text("".join(f"{name}\n" for name in exclude))
        used = "pip"
        if uv is not None:
            command = [
                uv, "pip", "install", "--target", str(dest), "--python", sys.executable,
                "--only-binary", ":all:", "--link-mode", "copy", "--no-progress",
                "-r", str(requirements_file), *target.uv_args(), *index.args("uv"),
            ]  # fmt: skip
            if exclude and _uv_supports_excludes(uv):
                command += ["--excludes", str(excludes_file)]
            try:
                _run(command, target, "uv", deadline, limit, progress)
                used = "uv"
            except (InstallerError, NoWheelError) as error:
                reason = should_retry_with_pip(error) if installer == "auto" else None
                if reason is None:
                    raise
                if progress is not None:
                    progress(f"uv failed ({reason}); retrying with pip")
                _empty(dest)
        if used == "pip":
            log = Path(scratch) / "pip.log"
            command = [
                sys.executable, "-m", "pip", "install", "--target", str(dest),
                "--only-binary=:all:", "--no-compile", "--no-input",
                "--disable-pip-version-check", "--log", str(log),
                "-r", str(requirements_file), *target.pip_args(), *index.args("pip"),
            ]  # fmt: skip
            _run(command, target, "pip", deadline, limit, progress, log)
    # uv without --excludes, and pip, install the excluded packages: take them out again.
    remove_distributions(dest, exclude)
    return InstallResult(used, installed_distributions(dest))


# pip's per-socket `--timeout` stays pip's own (15 s, or the user's pip.conf/PIP_DEFAULT_TIMEOUT:
# a flag here would override their configuration); the overall limit bounds it anyway.


def _empty(folder: Path) -> None:
    """Remove what a failed attempt left in `folder`, keeping the folder."""
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _run(
    command: list[str],
    target: Target,
    name: str,
    deadline: float,
    limit: float,
    progress: Progress | None,
    log: Path | None = None,
) -> None:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1",
           "PIP_NO_INPUT": "1", "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
    # uv's default trust store is its bundled Mozilla roots; a corporate proxy's root is in
    # the system store. UV_NATIVE_TLS is the older name of UV_SYSTEM_CERTS (uv >= 0.11).
    if "UV_SYSTEM_CERTS" not in env and "UV_NATIVE_TLS" not in env:
        env["UV_SYSTEM_CERTS"] = env["UV_NATIVE_TLS"] = "true"
    env.setdefault("UV_HTTP_TIMEOUT", "30")
    returncode, output = run_installer(command, env, name, deadline, limit, progress)
    if returncode == 0:
        return
    unreachable = _unreachable_index(output, log)
    if unreachable is not None:  # before "no matching distribution": pip says that too
        raise IndexUnreachableError(command, output, *unreachable)
    for pattern in (_UV_NO_WHEEL, _PIP_NO_WHEEL):
        match = pattern.search(output)
        if match:
            raise NoWheelError(match.group("req"), target.describe(), detail=_tail(output))
    raise InstallerError(command, output)


def _unreachable_index(output: str, log: Path | None) -> tuple[str, str] | None:
    """(index without credentials, cause) when an index could not be reached, else None.

    uv names the URL it failed to fetch and the chain of causes; pip's log (`--log`) holds
    a `Could not fetch URL <url>: <reason> - skipping` line per page it could not read.
    """
    match = _UV_FETCH.search(output)
    if match and _CONNECTION.search(output[match.start():]):
        causes = [
            line.split(":", 1)[1].strip() for line in output[match.end():].splitlines()
            if line.strip().lower().startswith(("cause:", "caused by:"))
        ]  # fmt: skip
        return _index_of(match["url"]), (causes[-1] if causes else "the request failed")
    try:
        text = log.read_text(encoding="utf-8", errors="replace") if log else ""
    except OSError:
        text = ""
    for match in _PIP_FETCH.finditer(text):
        if _CONNECTION.search(match["reason"]):
            found = _CAUSE.search(match["reason"])
            cause = next((g for g in found.groups() if g), "") if found else ""
            return _index_of(match["url"]), (cause.strip() or "connection error")
    return None


def _index_of(url: str) -> str:
    """The index a project page belongs to, without credentials:
    `https://user:token@host/simple/dnspython/` -> `https://host/simple/`."""
    parts = urlsplit(url.rstrip("`.,;"))
    host = parts.netloc.rpartition("@")[2]
    path = parts.path
    if path.endswith("/") and path.count("/") >= 3:  # /simple/<project>/
        path = path[: path.rstrip("/").rfind("/") + 1]
    return urlunsplit((parts.scheme, host, path, "", ""))


def _tail(output: str, lines: int = 6) -> str:
    kept = [line for line in output.splitlines() if line.strip()]
    return "\n".join(f"  | {line}" for line in kept[-lines:])


def _dist_infos(root: Path) -> list[tuple[str, str, Path]]:
    """(canonical name, version, dist-info path) of each installed distribution."""
    found = []
    for dist_info in sorted(root.glob("*.dist-info")):
        metadata = dist_info / "METADATA"
        if not metadata.is_file():
            continue
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8", errors="replace"))
        found.append((canonicalize_name(headers["Name"]), headers["Version"], dist_info))
    return found


def installed_distributions(root: Path) -> tuple[str, ...]:
    """`name==version` of each distribution under root, sorted."""
    found = sorted((name, version) for name, version, _ in _dist_infos(root))
    return tuple(f"{name}=={version}" for name, version in found)


def remove_distributions(root: Path, names: Iterable[str]) -> list[str]:
    """Uninstall the named distributions from a --target folder, file by file per RECORD.

    Only paths inside `root` are touched (RECORD may list ../bin scripts).
    """
    wanted = {canonicalize_name(name) for name in names}
    removed = []
    top = root.resolve()
    for name, version, dist_info in _dist_infos(root):
        if name not in wanted:
            continue
        record = dist_info / "RECORD"
        if record.is_file():
            with record.open(newline="", encoding="utf-8") as handle:
                for row in csv.reader(handle):
                    if not row:
                        continue
                    path = (root / row[0]).resolve()
                    if path.is_relative_to(top) and path.is_file():
                        path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
        removed.append(f"{name}=={version}")
    _prune_empty(root)
    return removed


def _prune_empty(root: Path) -> None:
    for folder, _dirs, _files in sorted(os.walk(root, topdown=False), reverse=True):
        path = Path(folder)
        if path != root and path.is_dir() and not any(path.iterdir()):
            path.rmdir()
