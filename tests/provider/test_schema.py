"""The schema the SDK's analyzer infers (pulumi/provider/experimental/analyzer.py) against
the checked-in golden file, plus the rules every consumer language relies on.

Regenerate after changing a component's args or outputs:
    python -m tests.provider.test_schema > tests/provider/schema.golden.json
"""

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from components.component_package import COMPONENTS, PACKAGE_NAME, provider

GOLDEN = Path(__file__).with_name("schema.golden.json")
# Inputs a consumer wires from another resource's output: a plain input cannot take an
# Output from a remote program (schema `plain: true`, Pulumi package schema docs).
WIRED_INPUTS = {
    "AtlasCluster": ["projectId", "orgId"],
    "IamDatabaseUser": ["projectId", "roleArn", "clusterName"],
    "PrivateEndpoint": ["projectId", "clusterName", "vpcId", "subnetIds"],
    "Network": ["vpcId", "subnetIds", "preferredZones"],
    "MongoLambda": ["vpcId", "subnetIds", "mongodbSrv", "databaseSecurityGroupId", "layers",
                    "code"],
}  # fmt: skip


def current_schema() -> dict[str, Any]:
    return json.loads(provider().schema)


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return current_schema()


def test_matches_golden(schema: dict[str, Any]) -> None:
    assert render(schema) == GOLDEN.read_text(), (
        "schema changed: review, then regenerate (see this module's docstring)"
    )


def test_tokens(schema: dict[str, Any]) -> None:
    """`<package>:index:<Class>`: the token each component registers itself with, so a
    remote Construct lands on the class (component.py validate_resource_type)."""
    assert schema["name"] == PACKAGE_NAME
    assert sorted(schema["resources"]) == sorted(
        f"{PACKAGE_NAME}:index:{cls.__name__}" for cls in COMPONENTS
    )
    for cls in COMPONENTS:
        assert f'"{PACKAGE_NAME}:index:{cls.__name__}"' in Path(
            sys.modules[cls.__module__].__file__ or ""
        ).read_text()


def test_every_property_is_described(schema: dict[str, Any]) -> None:
    """Descriptions become the doc comments of every generated SDK."""
    missing = [
        f"{token}.{name}"
        for token, resource in schema["resources"].items()
        for group in ("inputProperties", "properties")
        for name, prop in resource[group].items()
        if not prop.get("description", "").strip()
    ]
    assert not missing


def test_no_name_is_an_input_and_an_output_of_another_type(schema: dict[str, Any]) -> None:
    """Generated SDKs put inputs and outputs on one class: a shared name must share a type."""
    clashes = [
        f"{token}.{name}"
        for token, resource in schema["resources"].items()
        for name, prop in resource["inputProperties"].items()
        if name in resource["properties"]
        and {k: v for k, v in prop.items() if k in ("type", "$ref")}
        != {k: v for k, v in resource["properties"][name].items() if k in ("type", "$ref")}
    ]
    assert not clashes


def test_wired_inputs_accept_outputs(schema: dict[str, Any]) -> None:
    plain = []
    for component, names in WIRED_INPUTS.items():
        inputs = schema["resources"][f"{PACKAGE_NAME}:index:{component}"]["inputProperties"]
        plain += [
            f"{component}.{name}"
            for name in names
            if inputs[name].get("plain") or inputs[name].get("items", {}).get("plain")
        ]
    assert not plain


if __name__ == "__main__":
    sys.stdout.write(render(current_schema()))
