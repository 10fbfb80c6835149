"""The consumer examples (examples/typescript, go, yaml) give MongoLambda `sourceDir`, a
folder of the program that the component packages (code + dependency layer), never `code`,
which would deploy a function without its dependencies.

No Pulumi CLI here, so the TypeScript and Go programs are read, not run (test_node_consumer.py
runs the TypeScript example's function through the plugin); the YAML example's MongoLambda is
constructed through the fake engine from a copy of its directory, as the engine would.
"""

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.provider.fake_engine import FakeMonitor
from tests.provider.test_construct import register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REQUIREMENTS = EXAMPLES.parent / "function" / "requirements.txt"
SOURCE_DIR = "./function"
# Outputs of other resources in the YAML program, as the engine would resolve them.
RESOLVED = {
    "${network.vpcId}": "vpc-0123456789abcdef0",
    "${network.subnetIds}": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    "${endpoint.securityGroupId}": "sg-0123456789abcdef0",
    "${endpoint.privateSrvConnectionString}": "mongodb+srv://orders-pl-0.abcde.mongodb.net",
}


def yaml_lambda() -> dict[str, Any]:
    program = yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text())
    (fn,) = [r for r in program["resources"].values() if r["type"] == "atlas-lambda:MongoLambda"]
    return fn["properties"]


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The YAML example's directory, copied: the plugin runs in it."""
    program = tmp_path_factory.mktemp("yaml-consumer") / "yaml"
    shutil.copytree(EXAMPLES / "yaml", program, ignore=shutil.ignore_patterns(".build"))
    return program


@pytest.mark.parametrize("language", ["typescript", "go", "yaml"])
def test_example_ships_a_packageable_function(language: str) -> None:
    """Each example's `function/`: a handler and the toolkit's tested pins."""
    folder = EXAMPLES / language / "function"
    assert (folder / "handler.py").is_file()
    assert (folder / "requirements.txt").read_text() == REQUIREMENTS.read_text()
    assert (folder / "handler.py").read_text() == (
        EXAMPLES / "typescript" / "function" / "handler.py"
    ).read_text()


def test_typescript_example_passes_source_dir() -> None:
    text = (EXAMPLES / "typescript" / "index.ts").read_text()
    assert re.search(r'^\s*sourceDir: "\./function",$', text, re.MULTILINE)
    assert not re.search(r"^\s*code:", text, re.MULTILINE)
    assert "FileArchive" not in text


def test_go_example_passes_source_dir() -> None:
    text = (EXAMPLES / "go" / "main.go").read_text()
    assert re.search(r'^\s*sourceDir := "\./function"$', text, re.MULTILINE)
    assert re.search(r"^\s*SourceDir:\s+&sourceDir,$", text, re.MULTILINE)
    assert not re.search(r"^\s*Code:", text, re.MULTILINE)
    assert "FileArchive" not in text


def test_yaml_example_passes_source_dir() -> None:
    properties = yaml_lambda()
    assert properties["sourceDir"] == SOURCE_DIR
    assert "code" not in properties


def test_yaml_example_lambda_is_packaged(engine: FakeMonitor, program_dir: Path) -> None:
    """The YAML program's MongoLambda inputs as sent (other resources' outputs resolved):
    `./function` is the folder beside Pulumi.yaml, packaged with its dependency layer."""
    inputs = {key: RESOLVED.get(value, value) if isinstance(value, str) else value
              for key, value in yaml_lambda().items()}  # fmt: skip
    register(engine, "MongoLambda", "fn", inputs)
    (function,) = engine.of_type("aws:lambda/function:Function")
    (layer,) = engine.of_type("aws:lambda/layerVersion:LayerVersion")
    code, deps = Path(function.inputs["code"].path), Path(layer.inputs["code"].path)
    assert code.is_relative_to(program_dir / ".build")
    handler = program_dir / "function" / "handler.py"
    assert (code / "handler.py").read_bytes() == handler.read_bytes()
    assert (deps / "python" / "pymongo" / "__init__.py").is_file()
