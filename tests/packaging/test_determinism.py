"""Same inputs, any folder, any time, any file order: the same content hash.

The hash covers exactly what Pulumi's directory hash covers (member names, sizes and
bytes), so equal hashes here mean `pulumi preview` sees no change in the code.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from components.packaging.build import build_function_package
from components.packaging.tree import pulumi_view

from .conftest import FUNCTION_REQUIREMENTS, HANDLER_SOURCE, write_source


def recreate_in_reverse_order(folder: Path) -> None:
    """Rewrite every file, last name first, with new mtimes: a different directory order."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()), reverse=True)
    contents = {path: path.read_bytes() for path in files}
    shutil.rmtree(folder)
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(contents[path])
        os.utime(path, (1_000_000_000 + len(str(path)), 1_700_000_000 + len(str(path))))


def test_two_builds_in_different_folders_have_the_same_hash(tmp_path, arm64_package):
    source = write_source(
        tmp_path / "elsewhere" / "fn",
        {"handler.py": HANDLER_SOURCE, "requirements.txt": FUNCTION_REQUIREMENTS},
    )
    again = build_function_package(
        source, handler="handler.handler", architecture="arm64", runtime="python3.14",
        cache_dir=tmp_path / "other-cache", progress=None,
    )  # fmt: skip

    assert not again.cache_hit  # a real second install, not the first one reused
    assert again.code_dir != arm64_package.code_dir
    assert again.layer_dir != arm64_package.layer_dir
    assert again.code_hash == arm64_package.code_hash
    assert again.layer_hash == arm64_package.layer_hash
    assert again.hash == arm64_package.hash
    # And Pulumi, reading the folders itself, sees the same members.
    assert pulumi_view(again.layer_dir) == pulumi_view(arm64_package.layer_dir)


def test_touched_and_reordered_sources_give_the_same_hash(tmp_path, arm64_package):
    source = write_source(
        tmp_path / "fn",
        {
            "handler.py": HANDLER_SOURCE,
            "requirements.txt": FUNCTION_REQUIREMENTS,
            "lib/__init__.py": "",
            "lib/util.py": "VALUE = 1\n",
        },
    )
    cache = tmp_path / "cache"
    first = build_function_package(
        source, handler="handler.handler", cache_dir=cache, progress=None
    )
    recreate_in_reverse_order(source)
    # Bytecode and caches appear when code is run or tested in place; they never ship.
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00bytecode")
    (source / ".pytest_cache").mkdir()
    (source / ".pytest_cache" / "README.md").write_text("cache")
    recreate_in_reverse_order(cache / "deps")  # the cached install, reordered and touched
    second = build_function_package(
        source, handler="handler.handler", cache_dir=cache, progress=None
    )

    assert second.cache_hit
    assert second.hash == first.hash
    assert second.code_dir == first.code_dir
    assert second.layer_dir == first.layer_dir


def test_a_code_change_changes_only_the_code_hash(tmp_path, arm64_package, session_cache):
    source = write_source(
        tmp_path / "fn",
        {"handler.py": HANDLER_SOURCE + "\n# edited\n", "requirements.txt": FUNCTION_REQUIREMENTS},
    )
    edited = build_function_package(
        source, handler="handler.handler", cache_dir=session_cache, progress=None
    )

    assert edited.code_hash != arm64_package.code_hash
    assert edited.layer_hash == arm64_package.layer_hash
    assert edited.layer_dir == arm64_package.layer_dir


def test_uv_and_pip_produce_the_same_tree(tmp_path, arm64_package, function_source):
    with_pip = build_function_package(
        function_source, handler="handler.handler", installer="pip",
        cache_dir=tmp_path / "pip-cache", progress=None,
    )  # fmt: skip

    assert arm64_package.installer == "uv"
    assert with_pip.installer == "pip"
    assert with_pip.distributions == arm64_package.distributions
    assert with_pip.layer_hash == arm64_package.layer_hash
