"""The consumer examples (examples/typescript, go, yaml) are the whole pattern in a few
lines: one AtlasLambda with `sourceDir`, a folder of the program that the component
packages (code + dependency layer), and none of the building blocks composed by hand.

No Pulumi CLI here, so the TypeScript and Go programs are read, not run (their inputs are
checked against the schema; test_node_consumer.py constructs the same AtlasLambda from a
Node program); the YAML example's AtlasLambda is constructed through the fake engine from
a copy of its directory, as the engine would.
"""

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.provider.fake_engine import FakeMonitor
from tests.provider.test_construct import check_tree, register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REQUIREMENTS = EXAMPLES.parent / "function" / "requirements.txt"
GOLDEN = Path(__file__).with_name("schema.golden.json")
PKG = "atlas-lambda:index"
PATTERN_TYPE = f"{PKG}:AtlasLambda"
SOURCE_DIR = "./function"
BUILDING_BLOCKS = ("AtlasCluster", "IamDatabaseUser", "MongoLambda", "Network", "PrivateEndpoint")
# Config of the YAML program, as the engine would resolve it.
RESOLVED = {"${orgId}": "0123456789abcdef01234567"}


def schema_inputs() -> set[str]:
    return set(json.loads(GOLDEN.read_text())["resources"][PATTERN_TYPE]["inputProperties"])


def schema_outputs() -> set[str]:
    return set(json.loads(GOLDEN.read_text())["resources"][PATTERN_TYPE]["properties"])


def camel_case(go_field: str) -> str:
    """`ReservedConcurrency` → `reservedConcurrency`: the schema's spelling of a Go field."""
    return go_field[:1].lower() + go_field[1:]


def yaml_program() -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / "yaml" / "Pulumi.yaml").read_text())


def yaml_pattern() -> dict[str, Any]:
    resources = yaml_program()["resources"]
    assert [r["type"] for r in resources.values()] == ["atlas-lambda:AtlasLambda"]
    (app,) = resources.values()
    return app["properties"]


def block(text: str, opening: str) -> str:
    """The args of the one call that starts with `opening`, up to its closing `})`."""
    start = text.index(opening)
    return text[start : text.index("})", start)]


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The YAML example's directory, copied: the plugin runs in it."""
    program = tmp_path_factory.mktemp("yaml-consumer") / "yaml"
    shutil.copytree(EXAMPLES / "yaml", program, ignore=shutil.ignore_patterns(".build"))
    return program


@pytest.mark.parametrize("language", ["typescript", "go", "yaml", "python"])
def test_example_ships_a_packageable_function(language: str) -> None:
    """Each example's `function/`: a handler and the toolkit's tested pins."""
    folder = EXAMPLES / language / "function"
    assert (folder / "handler.py").is_file()
    assert (folder / "requirements.txt").read_text() == REQUIREMENTS.read_text()
    assert (folder / "handler.py").read_text() == (
        EXAMPLES / "typescript" / "function" / "handler.py"
    ).read_text()


def test_typescript_example_is_atlas_lambda() -> None:
    text = (EXAMPLES / "typescript" / "index.ts").read_text()
    assert text.count("new atlasLambda.") == 1
    args = block(text, "new atlasLambda.AtlasLambda(")
    assert re.search(r'^\s*sourceDir: "\./function",$', args, re.MULTILINE)
    keys = set(re.findall(r"^\s*(\w+):", args, re.MULTILINE))
    assert keys <= schema_inputs(), keys - schema_inputs()
    exported = set(re.findall(r"= app\.(\w+);$", text, re.MULTILINE))
    assert exported and exported <= schema_outputs(), exported - schema_outputs()
    assert "FileArchive" not in text


def test_go_example_is_atlas_lambda() -> None:
    text = (EXAMPLES / "go" / "main.go").read_text()
    assert re.findall(r"atlaslambda\.New(\w+)\(", text) == ["AtlasLambda"]
    assert re.search(r'^\s*sourceDir := "\./function"$', text, re.MULTILINE)
    args = block(text, "atlaslambda.NewAtlasLambda(")
    assert re.search(r"^\s*SourceDir:\s+&sourceDir,$", args, re.MULTILINE)
    keys = {camel_case(field) for field in re.findall(r"^\s*(\w+):", args, re.MULTILINE)}
    assert keys <= schema_inputs(), keys - schema_inputs()
    exported = {camel_case(field) for field in re.findall(r"app\.(\w+)\)$", text, re.MULTILINE)}
    assert exported and exported <= schema_outputs(), exported - schema_outputs()
    assert "FileArchive" not in text


def test_yaml_example_is_atlas_lambda() -> None:
    properties = yaml_pattern()
    assert properties["sourceDir"] == SOURCE_DIR
    assert set(properties) <= schema_inputs(), set(properties) - schema_inputs()
    (name,) = yaml_program()["resources"]
    exported = {value.removeprefix(f"${{{name}.").removesuffix("}")
                for value in yaml_program()["outputs"].values()}  # fmt: skip
    assert exported <= schema_outputs(), exported - schema_outputs()


def test_yaml_example_runs(engine: FakeMonitor, program_dir: Path) -> None:
    """The YAML program's AtlasLambda inputs as sent (its config resolved): the five
    components under it, and `./function`, the folder beside Pulumi.yaml, packaged with
    its dependency layer."""
    inputs = {key: RESOLVED.get(value, value) if isinstance(value, str) else value
              for key, value in yaml_pattern().items()}  # fmt: skip
    (name,) = yaml_program()["resources"]
    response = register(engine, "AtlasLambda", name, inputs)
    check_tree(engine, response, "AtlasLambda", name, children=0)
    kids = sorted(kid.type.removeprefix(f"{PKG}:") for kid in engine.children_of(response.urn))
    assert kids == sorted(BUILDING_BLOCKS)
    (function,) = engine.of_type("aws:lambda/function:Function")
    (layer,) = engine.of_type("aws:lambda/layerVersion:LayerVersion")
    assert function.inputs["reservedConcurrentExecutions"] == inputs["reservedConcurrency"]
    code, deps = Path(function.inputs["code"].path), Path(layer.inputs["code"].path)
    assert code.is_relative_to(program_dir / ".build")
    handler = program_dir / "function" / "handler.py"
    assert (code / "handler.py").read_bytes() == handler.read_bytes()
    assert (deps / "python" / "pymongo" / "__init__.py").is_file()
