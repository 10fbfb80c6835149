"""The platform a package is built for: a Lambda (architecture, runtime) or this machine.

Wheels are chosen for the target, never for the build machine: a laptop's x86_64 CPython
3.11 wheels would not load on an arm64 python3.13 Lambda. The manylinux ceiling follows the
runtime's glibc: python3.12+ run on Amazon Linux 2023 (glibc 2.34), python3.11 on Amazon
Linux 2 (glibc 2.26). A wheel tagged for a newer glibc than the runtime has would fail to
load at the first import, in production.
"""

from __future__ import annotations

import platform
import sys
import sysconfig
from dataclasses import dataclass

from packaging.markers import default_environment

from .errors import PackagingConfigError

# Lambda architecture -> machine name in wheel tags.
ARCHITECTURES: dict[str, str] = {"arm64": "aarch64", "x86_64": "x86_64"}

# Lambda runtime -> (Python version, glibc of its Amazon Linux).
RUNTIMES: dict[str, tuple[str, tuple[int, int]]] = {
    "python3.11": ("3.11", (2, 26)),
    "python3.12": ("3.12", (2, 34)),
    "python3.13": ("3.13", (2, 34)),
    "python3.14": ("3.14", (2, 34)),
}

# manylinux levels uv can target (`<arch>-manylinux_2_NN`); pip gets the same ceiling so
# both installers accept exactly the same wheels.
_UV_MANYLINUX_MINORS = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
_MANYLINUX_FLOOR = 17  # manylinux2014; older tags are accepted through pip's expansion


@dataclass(frozen=True)
class Target:
    """Where the package will run; everything the installer needs to pick wheels."""

    architecture: str
    """Lambda's name for it: arm64 or x86_64 (for a local target, this machine's)."""
    python_version: str
    """`3.13`."""
    runtime: str | None
    """`python3.13`, or None for a local target."""
    glibc: tuple[int, int] | None
    """manylinux ceiling, or None for a local target (the running interpreter decides)."""

    @property
    def local(self) -> bool:
        return self.runtime is None

    @property
    def machine(self) -> str:
        return ARCHITECTURES.get(self.architecture, self.architecture)

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def manylinux(self) -> str:
        """The highest manylinux tag accepted, e.g. manylinux_2_34_aarch64."""
        if self.glibc is None:
            return sysconfig.get_platform()
        return f"manylinux_{self.glibc[0]}_{self.glibc[1]}_{self.machine}"

    def describe(self) -> str:
        """Human form used in progress lines and errors."""
        if self.local:
            return f"this machine ({sysconfig.get_platform()}, CPython {self.python_version})"
        return f"{self.manylinux} / CPython {self.python_version} ({self.abi})"

    def uv_args(self) -> list[str]:
        """Platform flags for `uv pip install`; none for a local target."""
        if self.glibc is None:
            return []
        return [
            "--python-platform", f"{self.machine}-manylinux_{self.glibc[0]}_{self.glibc[1]}",
            "--python-version", self.python_version,
        ]  # fmt: skip

    def pip_args(self) -> list[str]:
        """Platform flags for `pip install`: every accepted manylinux level, spelled out.

        pip does not expand `manylinux_2_34` to the older levels it implies, so the list
        is explicit (manylinux2014 expands to 2010 and 1 on x86_64 by itself).
        """
        if self.glibc is None:
            return []
        args = ["--implementation", "cp", "--python-version", self.python_version]
        args += ["--abi", self.abi]
        for minor in range(self.glibc[1], _MANYLINUX_FLOOR - 1, -1):
            args += ["--platform", f"manylinux_2_{minor}_{self.machine}"]
        args += ["--platform", f"manylinux2014_{self.machine}"]
        return args

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values on the target (a Lambda is CPython on Linux): a pin whose
        marker is false there is not installed in the package."""
        if self.local:
            return dict(default_environment())
        return {
            **default_environment(),
            "python_version": self.python_version,
            "python_full_version": f"{self.python_version}.0",
            "implementation_name": "cpython",
            "implementation_version": f"{self.python_version}.0",
            "platform_python_implementation": "CPython",
            "platform_machine": self.machine,
            "platform_system": "Linux",
            "sys_platform": "linux",
            "os_name": "posix",
        }

    def cache_key(self) -> dict[str, object]:
        """What makes two installs for this target interchangeable."""
        if self.local:
            return {
                "local": True,
                "platform": sysconfig.get_platform(),
                "cache_tag": sys.implementation.cache_tag,
                "python": platform.python_version(),
                "libc": list(platform.libc_ver()),
            }
        return {"abi": self.abi, "platform": self.manylinux, "python": self.python_version}


def lambda_target(architecture: str, runtime: str) -> Target:
    """The target for a Lambda function, validated against what Lambda offers."""
    if architecture not in ARCHITECTURES:
        raise PackagingConfigError(
            "architecture", f"{architecture!r} is not a Lambda architecture", ARCHITECTURES
        )
    if runtime not in RUNTIMES:
        raise PackagingConfigError(
            "runtime", f"{runtime!r} is not a supported Lambda Python runtime", RUNTIMES
        )
    version, glibc = RUNTIMES[runtime]
    ceiling = max(minor for minor in _UV_MANYLINUX_MINORS if minor <= glibc[1])
    return Target(architecture, version, runtime, (glibc[0], ceiling))


def local_target() -> Target:
    """The running interpreter's platform: for tests that run the artifact here."""
    machine = platform.machine().lower()
    architecture = {"aarch64": "arm64", "arm64": "arm64", "amd64": "x86_64"}.get(machine, machine)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Target(architecture, version, None, None)
