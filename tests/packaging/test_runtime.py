"""The local-platform artifact, unpacked as Lambda unpacks it, answers invocations under
the real runtime client (awslambdaric) and the local Runtime API harness."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.packaging.build import build_function_package
from tests.harness.lambda_environment import LambdaEnvironment

from .conftest import REPO, unpack


@pytest.mark.parametrize("layer", [False, True], ids=["one-zip", "code+layer"])
def test_unpacked_artifact_answers_invocations(build, tmp_path, layer):
    package = build(local=True, layer=layer)
    task_root, *layer_paths = unpack(package, tmp_path / "lambda")

    with LambdaEnvironment(task_root, {}, extra_paths=layer_paths) as environment:
        results = environment.invoke_many([{"n": 1}, {"n": 2}, {"n": 3}])

    assert [r.kind for r in results] == ["response"] * 3, results[0].raw
    assert [r.payload["echo"] for r in results] == [{"n": 1}, {"n": 2}, {"n": 3}]
    answer = results[0].payload
    where = task_root if not layer else layer_paths[0]
    assert Path(answer["pymongo"]).is_relative_to(where)
    assert Path(answer["pymongo_auth_aws"]).is_relative_to(where)
    assert answer["c_extensions"] is True


def test_the_real_function_runs_from_its_artifact(tmp_path, session_cache):
    """function/ itself, built for this machine: the handler imports and routes a request."""
    package = build_function_package(
        REPO / "function", handler="handler.handler", local=True, layer=True,
        cache_dir=session_cache, progress=None,
    )  # fmt: skip
    task_root, *layer_paths = unpack(package, tmp_path / "lambda")
    event = {
        "version": "2.0",
        "rawPath": "/no-such-route",
        "requestContext": {"http": {"method": "GET", "path": "/no-such-route"}},
    }
    environ = {
        "MONGODB_URI": "mongodb+srv://cluster0.example.mongodb.net/?authMechanism=MONGODB-AWS"
    }

    with LambdaEnvironment(task_root, environ, extra_paths=layer_paths) as environment:
        result = environment.invoke(event)

    assert result.kind == "response", result.raw
    assert result.payload["statusCode"] == 404
