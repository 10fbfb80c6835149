"""Bytecode in the artifact: for the target's exact version when such a CPython is here,
never from another version, reproducible, and sources only (with one line saying so)
when none is found."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from components.packaging import interpreter as interpreters
from components.packaging.build import build_function_package
from components.packaging.bytecode import UNCHECKED_HASH_FLAGS, compile_sources, pyc_header
from components.packaging.cache import BuildCache
from components.packaging.errors import PackagingError
from components.packaging.interpreter import Interpreter, find_interpreter, how_to_get, probe
from components.packaging.target import RUNTIMES
from components.packaging.tree import pulumi_view, scan_files

from .conftest import FUNCTION_REQUIREMENTS, HANDLER_SOURCE, write_source

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def names(package) -> list[str]:
    found = [entry.name for entry in pulumi_view(package.code_dir).entries]
    if package.layer_dir:
        found += [f"layer:{e.name}" for e in pulumi_view(package.layer_dir).entries]
    return found


def pycs(package) -> list[tuple[Path, str]]:
    """(path, archive name) of every .pyc in the package's folders."""
    found = []
    for folder in [package.code_dir] + ([package.layer_dir] if package.layer_dir else []):
        for entry in pulumi_view(folder).entries:
            if entry.name.endswith(".pyc"):
                found.append((folder / entry.name, entry.name))
    return found


def sources(package) -> list[str]:
    found = []
    for folder in [package.code_dir] + ([package.layer_dir] if package.layer_dir else []):
        found += [e.name for e in pulumi_view(folder).entries if e.name.endswith(".py")]
    return found


def test_python313_artifact_holds_its_bytecode_exactly_when_a_cpython_313_is_found(build):
    found = find_interpreter("3.13")
    package = build(architecture="arm64", runtime="python3.13")

    compiled = pycs(package)
    if found is None:
        assert compiled == [] and package.bytecode is None
        assert any(how_to_get("3.13") in step for step in package.steps)
        return
    assert package.bytecode is not None and package.bytecode.cache_tag == "cpython-313"
    assert package.bytecode.interpreter == found.describe()
    assert len(compiled) == len(sources(package)) == package.bytecode.files
    for path, name in compiled:
        assert ".cpython-313.pyc" in name, name
        assert pyc_header(path) == (found.magic, UNCHECKED_HASH_FLAGS), name
    assert set(sources(package)) >= {"handler.py", "python/pymongo/__init__.py"}
    line = next(step for step in package.steps if step.startswith("bytecode:"))
    assert found.source in line and str(found.path) in line and "zipped" in line


def test_a_build_for_a_version_not_installed_here_holds_no_bytecode(make_source, tmp_path):
    missing = [r for r, (v, _) in RUNTIMES.items() if find_interpreter(v) is None]
    if not missing:
        pytest.skip("every supported runtime's CPython is installed here")
    runtime = missing[-1]  # python3.14 on this project's machines
    minor = RUNTIMES[runtime][0]
    source = make_source({"handler.py": "def handler(e, c):\n    return e\n", "lib/x.py": "X=1\n"})

    package = build_function_package(
        source, handler="handler.handler", runtime=runtime, cache_dir=tmp_path / "cache",
        progress=None,
    )  # fmt: skip

    assert package.bytecode is None
    assert pycs(package) == []
    assert not any("__pycache__" in name for name in names(package))
    notes = [step for step in package.steps if step.startswith("bytecode:")]
    assert len(notes) == 1
    assert f"no CPython {minor} found" in notes[0] and how_to_get(minor) in notes[0]
    assert "sources only" in notes[0]


def test_no_bytecode_asked_ships_sources_only(make_source, tmp_path):
    package = build_function_package(
        make_source(), handler="handler.handler", local=True, bytecode=False,
        cache_dir=tmp_path / "cache", progress=None,
    )  # fmt: skip
    assert package.bytecode is None and pycs(package) == []
    assert "bytecode: off" in "\n".join(package.steps)


def test_two_bytecode_builds_are_byte_for_byte_identical(tmp_path):
    found = find_interpreter("3.13")
    if found is None:
        pytest.skip(f"needs CPython 3.13 to compile a python3.13 artifact ({how_to_get('3.13')})")
    built = []
    for place in ("one", "two"):
        source = write_source(
            tmp_path / place / "fn",
            {"handler.py": HANDLER_SOURCE, "requirements.txt": FUNCTION_REQUIREMENTS,
             "lib/__init__.py": "", "lib/consts.py": "NAMES = {'a', 'b', 'c', 'd'}\n"},
        )  # fmt: skip
        built.append(build_function_package(
            source, handler="handler.handler", architecture="arm64", runtime="python3.13",
            cache_dir=tmp_path / place / "cache", progress=None,
        ))  # fmt: skip
    first, second = built
    assert not second.cache_hit and first.bytecode is not None
    assert "lib/__pycache__/consts.cpython-313.pyc" in names(first)
    assert first.code_hash == second.code_hash
    assert first.layer_hash == second.layer_hash
    assert pulumi_view(first.code_dir) == pulumi_view(second.code_dir)
    assert pulumi_view(first.layer_dir) == pulumi_view(second.layer_dir)


def test_bytecode_tracebacks_name_lambda_paths_not_the_build_folder(build, session_cache):
    package = build(local=True, layer=True)
    for path, _name in pycs(package):
        data = path.read_bytes()
        assert str(session_cache).encode() not in data
    handler_pyc = package.code_dir / "__pycache__" / f"handler.{sys.implementation.cache_tag}.pyc"
    assert b"/var/task/handler.py" in handler_pyc.read_bytes()


def test_another_versions_interpreter_is_never_taken(monkeypatch):
    """A candidate that answers with another version (a misnamed binary) is passed over."""
    misnamed = [("PATH", Path(sys.executable))]
    monkeypatch.setattr(interpreters, "candidates", lambda minor: iter(misnamed))
    assert find_interpreter("3.99") is None
    here = probe(Path(sys.executable), "PATH")
    assert here is not None and here.version.startswith(RUNNING + ".")


def test_the_worker_refuses_to_compile_for_a_magic_number_it_does_not_have(tmp_path):
    here = probe(Path(sys.executable), "PATH")
    assert here is not None
    impostor = Interpreter(here.path, "3.99.0", "cpython-399", "00000000", "PATH")
    module = write_source(tmp_path / "src", {"m.py": "X = 1\n"}) / "m.py"
    manifest = scan_files([("m.py", module)])

    with pytest.raises(PackagingError, match="could not compile the bytecode: magic"):
        compile_sources(BuildCache(tmp_path / "cache"), impostor, manifest, {"m.py": module},
                        "/var/task/")  # fmt: skip
    assert not list((tmp_path / "cache").rglob("*.pyc"))


def test_a_source_that_does_not_compile_ships_without_bytecode(make_source, tmp_path):
    source = make_source({"handler.py": "def handler(e, c):\n    return e\n",
                          "legacy.py": "print 'python 2'\n"})  # fmt: skip
    package = build_function_package(
        source, handler="handler.handler", local=True, cache_dir=tmp_path / "cache",
        progress=None,
    )  # fmt: skip
    tag = sys.implementation.cache_tag
    assert f"__pycache__/handler.{tag}.pyc" in names(package)
    assert f"__pycache__/legacy.{tag}.pyc" not in names(package)
    assert package.bytecode is not None
    assert package.bytecode.failed[0][0] == "/var/task/legacy.py"
    assert any("1 source(s) do not compile" in step for step in package.steps)


def test_search_order_is_uv_then_pyenv_then_path(tmp_path, monkeypatch):
    uv_root, pyenv_root, bin_dir = tmp_path / "uv", tmp_path / "pyenv", tmp_path / "bin"
    for folder in (uv_root / f"cpython-{RUNNING}.1-linux-x86_64-gnu/bin",
                   uv_root / f"cpython-{RUNNING}.9-linux-x86_64-gnu/bin",
                   pyenv_root / f"versions/{RUNNING}.3/bin",
                   pyenv_root / f"versions/{RUNNING}t/bin", bin_dir):  # fmt: skip
        folder.mkdir(parents=True)
        (folder / f"python{RUNNING}").symlink_to(sys.executable)
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(uv_root))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv_root))
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ["PATH"])

    found = [(where, path.parent.parent.name) for where, path in interpreters.candidates(RUNNING)]

    assert found[:3] == [("uv", f"cpython-{RUNNING}.9-linux-x86_64-gnu"),
                         ("uv", f"cpython-{RUNNING}.1-linux-x86_64-gnu"),
                         ("pyenv", f"{RUNNING}.3")]  # fmt: skip
    assert found[3][0] == "PATH"
    assert len(found) == 4  # the free-threaded 3.Yt folder is not a candidate
