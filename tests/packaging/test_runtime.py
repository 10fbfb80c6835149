"""The artifact, extracted as Lambda extracts it onto read-only roots, answers invocations
under the real runtime client (awslambdaric) and the local Runtime API harness, and its
shipped bytecode is what the imports use: nothing is compiled from source, nothing written."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from components.packaging.build import build_function_package
from components.packaging.interpreter import find_interpreter, how_to_get

from .conftest import REPO, unpack
from .lambda_like import (
    SHIMS,
    LambdaLikeEnvironment,
    compiled_modules,
    counting_compiles,
    listing,
    written_since,
)
from .lambda_runtime import runtime_dir

ROUTE_404 = {
    "version": "2.0",
    "rawPath": "/no-such-route",
    "requestContext": {"http": {"method": "GET", "path": "/no-such-route"}},
}
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


def _run(package, tmp_path, events, environ=None, python=None, runtime=None):
    """Extract, run under awslambdaric read-only, return (results, compiled, written, env)."""
    task_root, *layer = unpack(package, tmp_path / "lambda")
    opt_root = layer[0].parent if layer else None
    roots = [task_root, *([opt_root] if opt_root else [])]
    log = tmp_path / "compiled.log"
    before = listing(roots)
    options = {"python": python} if python else {}
    with LambdaLikeEnvironment(
        task_root, {**(environ or {}), **counting_compiles(log, roots)}, opt_root=opt_root,
        runtime_dir=runtime, extra_paths=[SHIMS], **options,
    ) as environment:  # fmt: skip
        results = environment.invoke_many(events)
        mode = environment.read_only
    return results, compiled_modules(log), written_since(roots, before), (task_root, opt_root, mode)


@pytest.mark.parametrize("layer", [False, True], ids=["one-zip", "code+layer"])
def test_read_only_artifact_answers_from_its_bytecode(build, tmp_path, layer):
    package = build(local=True, layer=layer)
    assert package.bytecode is not None  # this interpreter is the local target's version

    results, compiled, written, (task_root, opt_root, _) = _run(
        package, tmp_path, [{"n": 1}, {"n": 2}, {"n": 3}]
    )

    assert [r.kind for r in results] == ["response"] * 3, results[0].raw
    assert [r.payload["echo"] for r in results] == [{"n": 1}, {"n": 2}, {"n": 3}]
    answer = results[0].payload
    where = opt_root / "python" if layer else task_root
    assert Path(answer["pymongo"]).is_relative_to(where)
    assert Path(answer["pymongo_auth_aws"]).is_relative_to(where)
    assert answer["c_extensions"] is True
    assert compiled == []  # handler, pymongo, bson, dnspython...: all from the .pyc
    assert written == []


def test_without_bytecode_every_import_compiles(build, tmp_path):
    """The counter is not vacuous: sources only, and each imported module is compiled."""
    package = build(local=True, layer=True, bytecode=False)
    assert package.bytecode is None

    results, compiled, written, (task_root, opt_root, _) = _run(package, tmp_path, [{"n": 1}])

    assert results[0].kind == "response", results[0].raw
    assert str(task_root / "handler.py") in compiled
    assert str(opt_root / "python" / "pymongo" / "__init__.py") in compiled
    assert len(compiled) > 50
    assert written == []  # read-only: no __pycache__ appears


def test_the_real_function_runs_from_its_read_only_artifact(tmp_path, session_cache):
    """function/ itself, built for this machine: the handler imports and routes a request."""
    package = build_function_package(
        REPO / "function", handler="handler.handler", local=True, layer=True,
        cache_dir=session_cache, progress=None,
    )  # fmt: skip
    environ = {
        "MONGODB_URI": "mongodb+srv://cluster0.example.mongodb.net/?authMechanism=MONGODB-AWS"
    }

    results, compiled, written, _ = _run(package, tmp_path, [ROUTE_404], environ)

    assert results[0].kind == "response", results[0].raw
    assert results[0].payload["statusCode"] == 404
    assert compiled == []
    assert written == []


def test_a_python313_artifact_runs_under_python313_as_on_lambda(build, tmp_path, session_cache):
    """The runtime's version end to end: wheels and bytecode for cp313, run by CPython 3.13
    with its own awslambdaric and boto3 beside the artifact, the roots read-only."""
    interpreter = find_interpreter("3.13")
    if interpreter is None:
        pytest.skip(
            f"needs CPython 3.13 to compile and run a python3.13 artifact ({how_to_get('3.13')})"
        )
    architecture = MACHINES.get(platform.machine().lower())
    if architecture is None:
        pytest.skip(f"Lambda has no {platform.machine()} architecture to build for")
    package = build(architecture=architecture, runtime="python3.13")
    assert package.bytecode is not None and package.bytecode.cache_tag == "cpython-313"
    runtime = runtime_dir(interpreter, session_cache.parent)

    results, compiled, written, (_, opt_root, _) = _run(
        package, tmp_path, [{"n": 1}], python=str(interpreter.path), runtime=runtime
    )

    assert results[0].kind == "response", results[0].raw
    assert Path(results[0].payload["pymongo"]).is_relative_to(opt_root / "python")
    assert compiled == []
    assert written == []
