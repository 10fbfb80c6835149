"""Fixtures for the packaging tests.

Builds that download wheels share one session-scoped cache folder, so each (target,
layer) combination is installed once per session; offline tests use sources without
requirements, which never call an installer.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from components.packaging.build import FunctionPackage, build_function_package

REPO = Path(__file__).resolve().parents[2]
FUNCTION_REQUIREMENTS = (REPO / "function" / "requirements.txt").read_text()

HANDLER_SOURCE = '''\
"""Test handler: proves the packaged dependencies import and work."""

import bson
import pymongo
import pymongo_auth_aws


def handler(event, context):
    encoded = bson.encode({"echo": event})
    return {
        "pymongo": pymongo.__file__,
        "pymongo_auth_aws": pymongo_auth_aws.__file__,
        "c_extensions": pymongo.has_c() and bson.has_c(),
        "echo": bson.decode(encoded)["echo"],
    }
'''


def write_source(root: Path, files: Mapping[str, str]) -> Path:
    """A function folder with the given files (name -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def make_source(tmp_path: Path) -> Callable[..., Path]:
    """Offline source folders: a handler and, unless given, no requirements."""
    counter = iter(range(1000))

    def make(files: Mapping[str, str] | None = None, requirements: str | None = None) -> Path:
        files = dict(
            files if files is not None else {"handler.py": "def handler(e, c):\n    return e\n"}
        )
        if requirements is not None:
            files["requirements.txt"] = requirements
        return write_source(tmp_path / f"src{next(counter)}", files)

    return make


@pytest.fixture(scope="session")
def function_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real function requirements with a small handler that uses them."""
    return write_source(
        tmp_path_factory.mktemp("function"),
        {"handler.py": HANDLER_SOURCE, "requirements.txt": FUNCTION_REQUIREMENTS},
    )


@pytest.fixture(scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture(scope="session")
def build(function_source: Path, session_cache: Path) -> Callable[..., FunctionPackage]:
    """build(**options): a package of `function_source` from the shared session cache."""
    built: dict[tuple, FunctionPackage] = {}

    def _build(**options: object) -> FunctionPackage:
        key = tuple(sorted(options.items()))
        if key not in built:
            built[key] = build_function_package(
                function_source,
                handler="handler.handler",
                cache_dir=session_cache,
                progress=None,
                **options,  # type: ignore[arg-type]
            )
        return built[key]

    return _build


@pytest.fixture(scope="session")
def arm64_package(build: Callable[..., FunctionPackage]) -> FunctionPackage:
    return build(architecture="arm64", runtime="python3.14")


@pytest.fixture(scope="session")
def x86_64_package(build: Callable[..., FunctionPackage]) -> FunctionPackage:
    return build(architecture="x86_64", runtime="python3.14")


@pytest.fixture(scope="session")
def local_package(build: Callable[..., FunctionPackage]) -> FunctionPackage:
    """This machine's platform, everything in one folder: what the runtime tests run."""
    return build(local=True, layer=False)


def make_wheel(folder: Path, name: str, version: str, tag: str) -> Path:
    """A minimal wheel file, for an index that offers only the platforms a test wants."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-{tag}.whl"
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        wheel.writestr(
            f"{dist_info}/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n",
        )
        wheel.writestr(f"{dist_info}/RECORD", "")
    return path


def unpack(package: FunctionPackage, dest: Path) -> list[Path]:
    """Zip the package and unzip it as Lambda does: code in task/, the layer in opt/.

    Returns the sys.path entries in Lambda's order. Running from an unpacked copy keeps
    bytecode out of the build folder (and proves the zip is complete).
    """
    from .lambda_like import extract

    task_root, opt_root = extract(package, dest)
    return [task_root] + ([opt_root / "python"] if opt_root is not None else [])
