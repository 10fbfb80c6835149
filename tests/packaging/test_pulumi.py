"""Under the mock engine, MongoLambda's `code` and the layer's `code` are the same archive
on every program run, so `pulumi preview` after `pulumi up` shows no code change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.lambda_function.component import MongoLambda
from components.offline import run_program
from components.packaging.build import FunctionPackage, build_function_package
from components.packaging.tree import pulumi_view

from .conftest import FUNCTION_REQUIREMENTS, HANDLER_SOURCE, write_source

FUNCTION = "aws:lambda/function:Function"
LAYER = "aws:lambda/layerVersion:LayerVersion"


class CapturingMocks(pulumi.runtime.Mocks):
    """Keeps each resource's inputs as the provider would receive them."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        self.inputs[args.typ] = dict(args.inputs)
        state = dict(args.inputs)
        if args.typ == LAYER:
            state["arn"] = f"arn:aws:lambda:us-east-1:123456789012:layer:{args.name}:1"
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        return {}


def program(package: FunctionPackage) -> None:
    layer = aws.lambda_.LayerVersion(
        "deps", layer_name="atlas-lambda-deps", **package.layer_version_args()
    )
    MongoLambda(
        "fn",
        {
            "function_name": "atlas-lambda-test",
            "vpc_id": "vpc-1",
            "subnet_ids": ["subnet-1", "subnet-2"],
            "database_security_group_id": "sg-1",
            "mongodb_srv": "mongodb+srv://cluster0-pl-0.abcde.mongodb.net",
            "database_name": "app",
            "code": package.code_archive(),
            "layers": [layer.arn],
            "handler": package.handler,
            "runtime": package.runtime,
            "architecture": package.architecture,
        },
    )


def deploy(package: FunctionPackage) -> dict[str, dict[str, Any]]:
    mocks = CapturingMocks()
    run_program(lambda: program(package), mocks=mocks, preview=False)
    return mocks.inputs


def archive_path(value: Any) -> Path:
    assert isinstance(value, pulumi.FileArchive), value
    return Path(value.path)


def test_function_and_layer_archives_are_stable_across_runs(tmp_path, arm64_package, build):
    first = deploy(arm64_package)
    # The same program again, from the cache: the very same folders.
    second = deploy(build(architecture="arm64", runtime="python3.14"))
    # And from a fresh checkout elsewhere with its own build folder.
    elsewhere = write_source(
        tmp_path / "checkout" / "function",
        {"handler.py": HANDLER_SOURCE, "requirements.txt": FUNCTION_REQUIREMENTS},
    )
    fresh = build_function_package(
        elsewhere, handler="handler.handler", runtime="python3.14", progress=None
    )
    third = deploy(fresh)

    for run in (first, second, third):
        assert set(run) >= {FUNCTION, LAYER}
        assert run[FUNCTION]["layers"] == [
            "arn:aws:lambda:us-east-1:123456789012:layer:deps:1"
        ]  # fmt: skip
    code_paths = [archive_path(run[FUNCTION]["code"]) for run in (first, second, third)]
    layer_paths = [archive_path(run[LAYER]["code"]) for run in (first, second, third)]
    assert code_paths[0] == code_paths[1] == arm64_package.code_dir
    assert layer_paths[0] == layer_paths[1] == arm64_package.layer_dir
    assert code_paths[2].is_relative_to(tmp_path / "checkout" / ".build")
    # Pulumi compares archives by hash over member names and contents: equal everywhere.
    assert len({pulumi_view(path).digest for path in code_paths}) == 1
    assert len({pulumi_view(path).digest for path in layer_paths}) == 1
    assert pulumi_view(code_paths[2]).digest == arm64_package.code_hash


def test_layer_version_matches_the_function_target(arm64_package):
    layer = deploy(arm64_package)[LAYER]
    assert layer["compatibleRuntimes"] == ["python3.14"]
    assert layer["compatibleArchitectures"] == ["arm64"]
    assert layer["description"] == "dependencies: " + ", ".join(arm64_package.distributions)
    assert "pymongo==4.20.0" in layer["description"]
    function = deploy(arm64_package)[FUNCTION]
    assert function["architectures"] == ["arm64"]
    assert function["runtime"] == "python3.14"
    assert function["handler"] == "handler.handler"
