"""The pack as the Pulumi CLI runs it: `python -m pulumi.policy ENGINE .` in `policy/`.

No CLI is needed to check what the CLI would get: the pack prints its gRPC port and
answers the analyzer protocol. This proves the entry point finds the shared rules from
`policy/` (the repository root on sys.path) and that config and enforcement levels reach
the engine.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .helpers import ACCESS_LIST, LAMBDA, function_props, urn

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
STARTUP_TIMEOUT_S = 60


def _struct(value: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=POLICY_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not selector.select(STARTUP_TIMEOUT_S):
            pytest.fail(f"the pack printed no port within {STARTUP_TIMEOUT_S} s")
        line = process.stdout.readline().strip()  # type: ignore[union-attr]
        if not line.isdigit():
            process.kill()
            pytest.fail(f"the pack did not start: {line!r} {process.stderr.read()}")  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{line}") as channel:
            yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        process.kill()
        process.wait(timeout=10)


def test_the_cli_sees_every_policy_with_its_level(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "atlas-lambda"
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["lambda-memory-size-advisory"] == analyzer_pb2.ADVISORY
    assert levels["atlas-access-list"] == analyzer_pb2.MANDATORY
    schema = next(p for p in info.policies if p.name == "atlas-access-list").configSchema
    assert schema.properties["allowAccessList"]["type"] == "boolean"


def test_a_resource_violation_reaches_the_engine(analyzer) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type=LAMBDA,
        properties=_struct(function_props({"AWS_REGION": "us-east-1"})),
        urn=urn(LAMBDA, "fn"),
        name="fn",
    )
    diagnostics = analyzer.Analyze(request).diagnostics
    assert [d.policyName for d in diagnostics] == ["lambda-reserved-environment-keys"]
    assert "environment.variables.AWS_REGION: AWS_REGION is reserved" in diagnostics[0].message
    assert diagnostics[0].enforcementLevel == analyzer_pb2.MANDATORY


def test_pack_config_opts_in_to_an_access_list(analyzer) -> None:
    request = analyzer_pb2.AnalyzeRequest(
        type=ACCESS_LIST,
        properties=_struct({"cidrBlock": "203.0.113.0/24"}),
        urn=urn(ACCESS_LIST, "office"),
        name="office",
    )
    assert [d.policyName for d in analyzer.Analyze(request).diagnostics] == ["atlas-access-list"]
    config = analyzer_pb2.PolicyConfig(
        enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct({"allowAccessList": True})
    )
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={"atlas-access-list": config})
    )
    try:
        assert list(analyzer.Analyze(request).diagnostics) == []
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())


def test_a_stack_violation_reaches_the_engine(analyzer) -> None:
    function = analyzer_pb2.AnalyzerResource(
        type=LAMBDA,
        urn=urn(LAMBDA, "fn"),
        name="fn",
        properties=_struct(function_props(reservedConcurrentExecutions=1000)),
    )
    cluster = analyzer_pb2.AnalyzerResource(
        type="mongodbatlas:index/advancedCluster:AdvancedCluster",
        urn=urn("mongodbatlas:index/advancedCluster:AdvancedCluster", "app"),
        name="app",
        properties=_struct(
            {
                "name": "app",
                "clusterType": "REPLICASET",
                "replicationSpecs": [
                    {
                        "regionConfigs": [
                            {"providerName": "AWS", "electableSpecs": {"instanceSize": "M10"}}
                        ]
                    }
                ],
            }
        ),
    )
    response = analyzer.AnalyzeStack(
        analyzer_pb2.AnalyzeStackRequest(resources=[function, cluster])
    )
    [diagnostic] = response.diagnostics
    assert diagnostic.policyName == "atlas-connection-budget"
    assert diagnostic.urn == function.urn
    assert "the largest safe value is 745" in diagnostic.message


def test_the_pack_installs_what_its_rules_import() -> None:
    """The CLI builds policy/venv from policy/requirements.txt: pulumi-policy, plus the
    component library's requirements, since the rules are imported from `components`."""
    pack = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert pack["runtime"]["name"] == "python"
    lines = (POLICY_DIR / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("pulumi-policy") for line in lines)
    included = [line.split(maxsplit=1)[1] for line in lines if line.startswith("-r ")]
    assert [(POLICY_DIR / path).resolve() for path in included] == [
        (POLICY_DIR.parent / "requirements.txt").resolve()
    ]
