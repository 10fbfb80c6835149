"""The dependency cache: keyed by requirements + target, reused without an installer,
and output folders that stay what Pulumi was told they are."""

from __future__ import annotations

import dataclasses

import pytest

import components.packaging.install as packaging_install
from components.packaging.build import build_function_package
from components.packaging.tree import pulumi_view


@pytest.fixture
def no_installer(monkeypatch):
    """Fail the test if anything tries to install."""

    def refuse(*args, **kwargs):
        raise AssertionError("the installer ran although the cache should have answered")

    monkeypatch.setattr(packaging_install, "install", refuse)
    monkeypatch.setattr("components.packaging.build.install", refuse)


def rebuild(source, cache, **options):
    return build_function_package(
        source, handler="handler.handler", cache_dir=cache, progress=None, **options
    )


def test_second_build_comes_from_the_cache(
    arm64_package, function_source, session_cache, no_installer
):
    again = rebuild(function_source, session_cache)
    assert again.cache_hit
    assert again.installer == "uv"  # who built the entry
    assert again == dataclasses.replace(arm64_package, cache_hit=True)
    assert any(step.startswith("dependencies: cached") for step in again.steps)


def test_cache_key_includes_the_target(arm64_package, x86_64_package, local_package):
    assert len({arm64_package.layer_hash, x86_64_package.layer_hash}) == 2
    assert local_package.code_hash not in (arm64_package.code_hash, x86_64_package.code_hash)


def test_cache_key_includes_the_requirements(
    tmp_path, function_source, session_cache, arm64_package
):
    source = tmp_path / "fn"
    source.mkdir()
    (source / "handler.py").write_text((function_source / "handler.py").read_text())
    (source / "requirements.txt").write_text("pymongo[aws]==4.20.0\ndnspython==2.8.0\n")
    pinned = rebuild(source, session_cache)
    assert not pinned.cache_hit
    assert "dnspython==2.8.0" in pinned.distributions
    assert pinned.layer_hash != arm64_package.layer_hash


def test_bytecode_written_into_an_output_folder_is_removed(
    arm64_package, function_source, session_cache, no_installer
):
    """Running code in place writes __pycache__; Pulumi would archive it as a change."""
    stray = arm64_package.layer_dir / "python" / "bson" / "__pycache__" / "x.cpython-314.pyc"
    stray.parent.mkdir()
    stray.write_bytes(b"bytecode")
    again = rebuild(function_source, session_cache)
    assert again.layer_dir == arm64_package.layer_dir
    assert not stray.parent.exists()
    assert pulumi_view(again.layer_dir).digest == arm64_package.layer_hash


def test_a_damaged_output_folder_is_rewritten(
    arm64_package, function_source, session_cache, no_installer
):
    victim = arm64_package.layer_dir / "python" / "pymongo" / "__init__.py"
    original = victim.read_bytes()
    victim.write_bytes(original + b"\n# edited in place\n")
    again = rebuild(function_source, session_cache)
    assert again.layer_dir == arm64_package.layer_dir
    assert victim.read_bytes() == original


def test_a_damaged_cache_entry_is_reinstalled(tmp_path, function_source):
    cache = tmp_path / "cache"
    first = rebuild(function_source, cache, local=True)
    (site,) = (cache / "deps").glob("*/site")
    (site / "pymongo" / "__init__.py").write_text("broken = True\n")
    second = rebuild(function_source, cache, local=True)
    assert not second.cache_hit
    assert second.hash == first.hash


def test_refresh_reinstalls(tmp_path, function_source):
    cache = tmp_path / "cache"
    first = rebuild(function_source, cache, local=True)
    second = rebuild(function_source, cache, local=True, refresh=True)
    assert not second.cache_hit
    assert second.hash == first.hash


def test_build_folder_defaults_beside_the_source(tmp_path, monkeypatch):
    from components.packaging.cache import BUILD_DIR_ENV, default_cache_dir

    monkeypatch.delenv(BUILD_DIR_ENV, raising=False)
    assert default_cache_dir(tmp_path / "function") == tmp_path / ".build"
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "elsewhere"))
    assert default_cache_dir(tmp_path / "function") == tmp_path / "elsewhere"


def test_the_handler_check_runs_once_per_content_of_the_code(make_source, tmp_path, monkeypatch):
    """An unchanged function is not parsed again; an edit, or a refused handler, is."""
    from components.packaging import reuse_check
    from components.packaging.errors import HandlerError

    calls: list[str] = []
    real = reuse_check.client_reuse_findings

    def counting(source, filename, function, load_module=None, parse=None):
        calls.append(filename)
        return real(source, filename, function, load_module, parse)

    monkeypatch.setattr(reuse_check, "client_reuse_findings", counting)
    cache = tmp_path / "cache"
    source = make_source()
    for _ in range(2):
        build_function_package(source, handler="handler.handler", cache_dir=cache, progress=None)
    assert len(calls) == 1

    (source / "handler.py").write_text(
        "from pymongo import MongoClient\n\ndef handler(e, c):\n    return MongoClient().x\n"
    )
    for _ in range(2):
        with pytest.raises(HandlerError, match="MongoClient"):
            build_function_package(source, handler="handler.handler", cache_dir=cache,
                                   progress=None)  # fmt: skip
    assert len(calls) == 2
