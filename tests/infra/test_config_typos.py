"""A misspelt config key fails the preview with the key it likely meant (issue 15, item 8).

A near miss of the project's namespace (`atlas_lambda:tier`) was ignored: nothing reads
it, so the preview showed the default. Provider namespaces stay the providers' business.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from components.errors import ConfigError
from components.stack.config import declared_keys, project_values
from tests.cli_contract import assert_clean_failure
from tests.errors.test_catalog import copy_project, preview, stack, with_config

from .conftest import run_project
from .fake_cloud import FakeCloud

# key set -> the key the message suggests
TYPOS = {
    # a namespace that is this project's but for case, `-`/`_` or one or two edits
    "atlas_lambda:tier": "atlas-lambda:tier",
    "atlaslambda:tier": "atlas-lambda:tier",
    "Atlas-Lambda:tier": "atlas-lambda:tier",
    "ATLAS_LAMBDA:memorySize": "atlas-lambda:memorySize",
    "atlas-lamdba:memorySize": "atlas-lambda:memorySize",
    "atlas-lambdas:tier": "atlas-lambda:tier",
    "altas-lamda:tier": "atlas-lambda:tier",
    # ... and a key that is a near miss too: the corrected full key
    "atlas_lambda:memroySize": "atlas-lambda:memorySize",
    "atlas-lamdba:netwrokPath": "atlas-lambda:networkPath",
    # the right namespace, a misspelt or miscased key
    "atlas-lambda:memroySize": "atlas-lambda:memorySize",
    "atlas-lambda:MemorySize": "atlas-lambda:memorySize",
    "atlas-lambda:reservedConcurency": "atlas-lambda:reservedConcurrency",
}
# a valid value for the key meant, so only the key can be wrong
VALUES = {"tier": "M20", "memorySize": "2048", "networkPath": "peering",
          "reservedConcurrency": "50"}  # fmt: skip
# Namespaces a stack file may hold that are not this project's: never refused.
OTHERS = (
    "aws", "aws-native", "awsx", "mongodbatlas", "pulumi", "random", "tls", "command",
    "atlas", "lambda", "aws-lambda", "atlas-lambda-dev", "mongodb-atlas",
)  # fmt: skip


@pytest.mark.parametrize(("key", "meant"), TYPOS.items(), ids=TYPOS.keys())
def test_a_typo_is_refused_with_the_key_meant(dev_config, key: str, meant: str) -> None:
    cloud = FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_project({**dev_config, key: VALUES[meant.partition(":")[2]]}, mocks=cloud)
    message = str(caught.value)
    assert caught.value.key == key, message
    assert message.startswith(f"{key}: "), message
    assert f"did you mean {meant}?" in message, message
    assert "allowed: " in message and "memorySize, mongodbMajorVersion" in message, message
    assert cloud.events == [], "a resource was registered before validation failed"


def test_an_unknown_key_with_nothing_close_keeps_the_plain_message(dev_config) -> None:
    with pytest.raises(ConfigError) as caught:
        run_project({**dev_config, "atlas-lambda:zzz": "1"})
    assert str(caught.value).startswith(
        "atlas-lambda:zzz: is not a config key of this project (allowed: accessListCidrs, "
    )


def test_a_namespace_typo_names_both_namespaces(dev_config) -> None:
    with pytest.raises(ConfigError) as caught:
        run_project({**dev_config, "atlas_lambda:tier": "M20"})
    assert caught.value.problem == (
        "is in namespace 'atlas_lambda', not this project's 'atlas-lambda', so nothing would "
        "read it; did you mean atlas-lambda:tier?"
    )


@pytest.mark.parametrize("namespace", OTHERS)
def test_other_namespaces_are_left_to_their_owners(namespace: str) -> None:
    schema = declared_keys()
    values = project_values({f"{namespace}:tier": "M20", f"{namespace}:region": "x"}, schema)
    assert values["tier"] == schema["tier"].default


def test_provider_keys_still_preview(dev_config) -> None:
    config = {**dev_config, "mongodbatlas:baseUrl": "https://cloud.mongodb.com/", "aws:a": "b"}
    run = run_project(config)
    assert run.plan.one("mongodbatlas:index/advancedCluster:AdvancedCluster")


def test_the_preview_cli_reports_one_error_and_a_hint(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    name = stack(project, with_config("  atlas_lambda:tier: M20\n"))
    result = preview(project, name)
    error = assert_clean_failure(
        result, exit_code=1, names=["atlas_lambda:tier", "did you mean atlas-lambda:tier?"]
    )
    assert error.startswith("error: atlas_lambda:tier: is in namespace 'atlas_lambda'"), error
    hint = next(line for line in result.stderr.splitlines() if line.startswith("hint:"))
    assert "memorySize" in hint and "tier" in hint, hint
