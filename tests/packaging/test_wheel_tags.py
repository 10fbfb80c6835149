"""Wheels for the target, never the build machine (x86_64 CPython 3.11 here)."""

from __future__ import annotations

import struct
import sysconfig
from pathlib import Path

import pytest

from components.packaging.target import lambda_target, local_target

EM_X86_64 = 62
EM_AARCH64 = 183


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    byte_order = "<" if header[5] == 1 else ">"
    return struct.unpack(f"{byte_order}H", header[18:20])[0]


def site_dir(package) -> Path:
    return package.layer_dir / "python" if package.layer_dir else package.code_dir


def wheel_tags(package, dist: str) -> list[str]:
    (wheel,) = site_dir(package).glob(f"{dist}-*.dist-info/WHEEL")
    return [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines()
            if line.startswith("Tag:")]  # fmt: skip


def extensions(package) -> list[Path]:
    found = sorted(site_dir(package).rglob("*.so"))
    assert {p.name.split(".")[0] for p in found} >= {"_cbson", "_cmessage"}
    return found


@pytest.mark.parametrize(
    ("fixture", "machine", "elf"),
    [("arm64_package", "aarch64", EM_AARCH64), ("x86_64_package", "x86_64", EM_X86_64)],
)
def test_lambda_targets_get_manylinux_wheels_for_their_cpu(request, fixture, machine, elf):
    package = request.getfixturevalue(fixture)
    tags = wheel_tags(package, "pymongo")
    assert tags and all(tag.startswith("cp314-cp314-manylinux") for tag in tags), tags
    assert all(tag.endswith(f"_{machine}") for tag in tags), tags
    for path in extensions(package):
        assert f"cpython-314-{machine}-linux-gnu" in path.name, path.name
        assert elf_machine(path) == elf, path.name


def test_manylinux_tags_fit_the_runtime_glibc(arm64_package):
    """python3.14 (the default) runs on Amazon Linux 2023 (glibc 2.34), as python3.12 and
    python3.13 do (AWS Lambda "Lambda runtimes" table): nothing newer is acceptable."""
    for tag in wheel_tags(arm64_package, "pymongo"):
        platform = tag.split("-")[2]
        if platform.startswith("manylinux_"):
            major, minor = (int(part) for part in platform.split("_")[1:3])
            assert (major, minor) <= (2, 34), tag


def test_pure_python_dependencies_are_universal(arm64_package):
    assert wheel_tags(arm64_package, "dnspython") == ["py3-none-any"]


def test_local_target_matches_this_interpreter(local_package):
    tag = f"cp{local_target().python_version.replace('.', '')}"
    assert all(t.startswith(f"{tag}-{tag}-") for t in wheel_tags(local_package, "pymongo"))
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert all(path.name.endswith(suffix) for path in extensions(local_package))


def test_installer_flags_name_the_target_not_the_build_machine():
    arm = lambda_target("arm64", "python3.13")
    assert arm.uv_args() == [
        "--python-platform", "aarch64-manylinux_2_34", "--python-version", "3.13",
    ]  # fmt: skip
    pip = arm.pip_args()
    assert pip[:6] == ["--implementation", "cp", "--python-version", "3.13", "--abi", "cp313"]
    platforms = pip[7::2]
    assert platforms[0] == "manylinux_2_34_aarch64"
    assert platforms[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    # python3.11 runs on Amazon Linux 2 (glibc 2.26): the ceiling drops to manylinux2014.
    old = lambda_target("x86_64", "python3.11")
    assert old.uv_args()[:2] == ["--python-platform", "x86_64-manylinux_2_17"]
    assert old.pip_args()[7::2] == ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]

