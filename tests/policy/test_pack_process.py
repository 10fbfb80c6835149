"""The pack as the Pulumi CLI runs it: `python -m pulumi.policy ENGINE .` in `policy/`.

No CLI is needed to check what the CLI would get: the pack prints its gRPC port and
answers the analyzer protocol. This proves the entry point finds the shared rules from
`policy/` (the repository root on sys.path) and that config and enforcement levels reach
the engine. `policy/installed/` is the pack folder of a pip-installed toolkit; it starts
the same pack (tests/packaging/test_pip_package.py starts it installed).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.pack import POLICIES

from .helpers import ACCESS_LIST, LAMBDA, function_props, urn
from .pack_server import started_pack

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def _struct(value: dict) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    with started_pack(sys.executable, ".", POLICY_DIR) as stub:
        yield stub


def test_the_cli_sees_every_policy_with_its_level(analyzer) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "atlas-lambda"
    levels = {p.name: p.enforcementLevel for p in info.policies}
    assert levels["lambda-memory-size-advisory"] == analyzer_pb2.ADVISORY
    assert levels["atlas-access-list"] == analyzer_pb2.MANDATORY
    schema = next(p for p in info.policies if p.name == "atlas-access-list").configSchema
    assert schema.properties["allowAccessList"]["type"] == "boolean"
    assert schema.properties["allowAccessFromAnywhere"]["type"] == "boolean"
    assert schema.properties["allowAccessFromAnywhere"]["default"] is False


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


def _entry(name: str, cidr: str, cidr_from: list[str] | None = None):
    """An access-list entry as the engine describes it to a stack policy: an entry per
    input property in propertyDependencies (the SDK sends one for each)."""
    return analyzer_pb2.AnalyzerResource(
        type=ACCESS_LIST,
        urn=urn(ACCESS_LIST, name),
        name=name,
        properties=_struct({"cidrBlock": cidr, "comment": name}),
        dependencies=list(cidr_from or []),
        propertyDependencies={
            "cidrBlock": analyzer_pb2.AnalyzerPropertyDependencies(urns=cidr_from or []),
            "comment": analyzer_pb2.AnalyzerPropertyDependencies(urns=[]),
        },
    )


def _analyze_stack(analyzer, *resources) -> list[tuple[str, int]]:
    request = analyzer_pb2.AnalyzeStackRequest(resources=list(resources))
    return [(d.policyName, d.enforcementLevel) for d in analyzer.AnalyzeStack(request).diagnostics]


def test_pack_config_opts_in_to_an_access_list(analyzer) -> None:
    """Both opt-ins are the access-list policy's config: allowAccessList for an entry typed
    by hand, allowAccessFromAnywhere for 0.0.0.0/0 (which warns even then)."""
    office, anywhere = _entry("office", "203.0.113.0/24"), _entry("open", "0.0.0.0/0")
    assert _analyze_stack(analyzer, office) == [("atlas-access-list", analyzer_pb2.MANDATORY)]
    warning = ("atlas-access-from-anywhere-advisory", analyzer_pb2.ADVISORY)
    assert sorted(_analyze_stack(analyzer, anywhere)) == sorted(
        [("atlas-access-list", analyzer_pb2.MANDATORY), warning]
    )
    settings = {"allowAccessList": True, "allowAccessFromAnywhere": True}
    config = analyzer_pb2.PolicyConfig(
        enforcementLevel=analyzer_pb2.MANDATORY, properties=_struct(settings)
    )
    analyzer.Configure(
        analyzer_pb2.ConfigureAnalyzerRequest(policyConfig={"atlas-access-list": config})
    )
    try:
        assert _analyze_stack(analyzer, office) == []
        assert _analyze_stack(analyzer, anywhere) == [warning]
    finally:
        analyzer.Configure(analyzer_pb2.ConfigureAnalyzerRequest())


def test_the_engine_s_property_dependencies_tell_a_nat_entry(analyzer) -> None:
    """At preview a NAT entry's address is unknown: its cidrBlock's dependency on a declared
    Elastic IP, as the engine sends it, is what makes it the path's own entry."""
    eip_urn = urn("aws:ec2/eip:Eip", "nat-eip-0")
    eip = analyzer_pb2.AnalyzerResource(
        type="aws:ec2/eip:Eip", urn=eip_urn, name="nat-eip-0", properties=_struct({"domain": "vpc"})
    )
    nat = _entry("nat-0", rpc.UNKNOWN, cidr_from=[eip_urn])
    assert _analyze_stack(analyzer, eip, nat) == []
    [(policy, level)] = _analyze_stack(analyzer, eip, _entry("nat-0", rpc.UNKNOWN))
    assert (policy, level) == ("atlas-access-list", analyzer_pb2.ADVISORY)  # can't run yet


def test_a_stack_violation_reaches_the_engine(analyzer) -> None:
    function = analyzer_pb2.AnalyzerResource(
        type=LAMBDA,
        urn=urn(LAMBDA, "fn"),
        name="fn",
        properties=_struct(
            function_props(
                reservedConcurrentExecutions=1000, vpcConfig={"subnetIds": ["subnet-0a"]}
            )
        ),
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


def test_the_installed_pack_folder_starts_the_same_pack() -> None:
    """`policy/installed/` (what `--path` prints) runs the package's entry point: here the
    package is `policy`, installed it is `pulumi_atlas_lambda.policy`."""
    path = subprocess.run(
        [sys.executable, "-m", "policy", "--path"],
        cwd=POLICY_DIR.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(path) == POLICY_DIR / "installed"
    with started_pack(sys.executable, ".", Path(path)) as stub:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "atlas-lambda"
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in POLICIES)


def test_both_pack_folders_describe_one_pack() -> None:
    """The repository's pack runs in policy/venv; the installed one names no virtualenv
    (none exists in site-packages: the CLI uses the Python on PATH or PULUMI_PYTHON_CMD)."""
    repository = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    installed = yaml.safe_load((POLICY_DIR / "installed" / "PulumiPolicy.yaml").read_text())
    for key in ("description", "version"):
        assert installed[key] == repository[key]
    assert installed["runtime"]["name"] == repository["runtime"]["name"] == "python"
    assert repository["runtime"]["options"]["virtualenv"] == "venv"
    assert installed["runtime"]["options"] == {"toolchain": "pip"}


def test_only_the_toolkit_module_names_the_toolkit_package() -> None:
    """`components` exists only in the repository and `pulumi_atlas_lambda` only when
    installed: the pack's modules import the rules through `toolkit.py`, which picks the
    name (its `if TYPE_CHECKING:` imports are for type checkers in the repository)."""
    for module in sorted(POLICY_DIR.glob("*.py")):
        if module.name == "toolkit.py":
            continue
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in ("components", "pulumi_atlas_lambda"), (
                    f"{module.name}:{node.lineno} imports {name}"
                )
