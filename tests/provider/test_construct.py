"""Every component constructed through the plugin's gRPC server, as the engine does for a
remote component (pulumi provider.proto, ResourceProvider.Construct), with dry run on and off.

A program's RegisterResource(remote=true) goes to the fake monitor, which calls Construct
on the plugin; the plugin registers the component and its children back on the monitor.
"""

import asyncio
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.errors import InputPropertyError
from pulumi.output import Unknown
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.runtime import rpc

# pulumi's own copy of google.rpc.Status: importing google.rpc's too clashes in the pool.
from pulumi.runtime.proto import errors_pb2, resource_pb2, resource_pb2_grpc, status_pb2

from components.component_package import provider
from tests.infra.fake_cloud import physical_id
from tests.provider.fake_engine import PROJECT, STACK, FakeMonitor

PKG = "atlas-lambda:index"
ORG_ID = "0123456789abcdef01234567"
ROLE_ARN = "arn:aws:iam::123456789012:role/app"
SRV = "mongodb+srv://orders-pl-0.abcde.mongodb.net"
CLUSTER = {"clusterName": "c", "awsRegion": "us-east-1", "orgId": ORG_ID}
LAMBDA = {"functionName": "f", "vpcId": "v", "subnetIds": ["s"], "mongodbSrv": SRV,
          "databaseName": "d", "code": pulumi.AssetArchive({})}  # fmt: skip
# A MongoLambda the plugin packages: `sourceDir` is added per test.
SOURCE_LAMBDA = {"functionName": "orders-api", "vpcId": "vpc-0123456789abcdef0",
                 "subnetIds": ["subnet-0aaaaaaaaaaaaaaaa"], "databaseName": "app",
                 "databaseSecurityGroupId": "sg-0123456789abcdef0",
                 "mongodbSrv": "mongodb+srv://orders-pl-0.abcde.mongodb.net"}  # fmt: skip
# AtlasLambda with only what it has no default for (`awsRegion`: no `aws:region` config here).
PATTERN = {"orgId": ORG_ID, "awsRegion": "us-east-1"}
HANDLER = "def handler(event, context):\n    return 1\n"
LAYER = "aws:lambda/layerVersion:LayerVersion"
GIVEN_SUBNETS = {"subnet-0aaaaaaaaaaaaaaaa": "us-east-1b", "subnet-0bbbbbbbbbbbbbbbb": "us-east-1c"}


def register(
    engine: FakeMonitor,
    type_: str,
    name: str,
    inputs: dict[str, Any],
    dependencies: dict[str, list[str]] | None = None,
) -> resource_pb2.RegisterResourceResponse:
    """What a program's SDK sends for a remote component."""
    struct = asyncio.run(rpc.serialize_properties(inputs, {}))
    stub = resource_pb2_grpc.ResourceMonitorStub(grpc.insecure_channel(engine.address))
    return stub.RegisterResource(
        resource_pb2.RegisterResourceRequest(
            type=f"{PKG}:{type_}", name=name, custom=False, remote=True, object=struct,
            propertyDependencies={
                key: resource_pb2.RegisterResourceRequest.PropertyDependencies(urns=urns)
                for key, urns in (dependencies or {}).items()
            },
        ),
        timeout=60,
    )


def outputs(response: resource_pb2.RegisterResourceResponse) -> dict[str, Any]:
    return rpc.deserialize_properties(response.object, keep_unknowns=True)


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def known(value: Any, engine: FakeMonitor) -> bool:
    """After `up` a value is known; in a preview of a create it is unknown."""
    return is_unknown(value) == engine.dry_run


def check_tree(engine: FakeMonitor, response: Any, type_: str, name: str, children: int) -> None:
    """The component's URN is the engine's for a top-level resource; every child the
    plugin registered names it as parent (and so carries its type in its URN)."""
    assert response.urn == f"urn:pulumi:{STACK}::{PROJECT}::{PKG}:{type_}::{name}"
    kids = engine.children_of(response.urn)
    assert len([k for k in kids if k.custom]) == children, [k.type for k in kids]
    assert all(f"::{PKG}:{type_}$" in kid.urn for kid in kids)


def test_network_created_vpc_takes_engine_integers(engine: FakeMonitor) -> None:
    """`availabilityZones` arrives as 3.0; the SDK's own conversion is lost (pulumi#21944),
    so without the provider's fix `range(3.0)` fails in subnet_cidrs."""
    response = register(engine, "Network", "net", {"availabilityZones": 3})
    check_tree(engine, response, "Network", "net", children=4)
    assert len(engine.of_type("aws:ec2/subnet:Subnet")) == 3
    state = outputs(response)
    assert known(state["vpcId"], engine)
    if not engine.dry_run:
        assert state["vpcId"] == physical_id("aws:ec2/vpc:Vpc", "net-vpc")
        assert [s.startswith("subnet-") for s in state["subnetIds"]] == [True] * 3


def test_network_given_vpc_as_output(engine: FakeMonitor) -> None:
    """A VPC id from another resource arrives with a dependency, so as an Output: the
    component passes it through without checking its shape."""
    vpc_urn = f"urn:pulumi:{STACK}::{PROJECT}::aws:ec2/vpc:Vpc::theirs"
    response = register(
        engine, "Network", "given",
        {"vpcId": "vpc-0123456789abcdef0", "subnetIds": list(GIVEN_SUBNETS)},
        {"vpcId": [vpc_urn]},
    )  # fmt: skip
    check_tree(engine, response, "Network", "given", children=0)
    state = outputs(response)
    assert state["vpcId"] == "vpc-0123456789abcdef0"
    assert state["subnetIds"] == list(GIVEN_SUBNETS)


def test_cluster(engine: FakeMonitor) -> None:
    response = register(
        engine, "AtlasCluster", "db",
        {"clusterName": "orders", "awsRegion": "us-east-1", "orgId": ORG_ID, "tier": "M30",
         "clusterType": "SHARDED", "shardCount": 2},
    )  # fmt: skip
    # project, cluster, and the connection alert (on by default)
    check_tree(engine, response, "AtlasCluster", "db", children=3)
    (alert,) = engine.of_type("mongodbatlas:index/alertConfiguration:AlertConfiguration")
    assert alert.inputs["metricThresholdConfig"]["metricName"] == "CONNECTIONS_PERCENT"
    (cluster,) = engine.of_type("mongodbatlas:index/advancedCluster:AdvancedCluster")
    assert len(cluster.inputs["replicationSpecs"]) == 2
    assert cluster.inputs["name"] == "orders"
    state = outputs(response)
    assert known(state["projectId"], engine)
    assert known(state["srvConnectionString"], engine)


def test_database_user_from_outputs(engine: FakeMonitor) -> None:
    role = f"urn:pulumi:{STACK}::{PROJECT}::aws:iam/role:Role::fn-role"
    arn = "arn:aws:iam::123456789012:role/fn-role"
    response = register(
        engine, "IamDatabaseUser", "user",
        {"projectId": ORG_ID, "roleArn": arn, "clusterName": "orders",
         "databaseName": "app", "roles": ["read"]},
        {"roleArn": [role]},
    )  # fmt: skip
    check_tree(engine, response, "IamDatabaseUser", "user", children=1)
    (user,) = engine.of_type("mongodbatlas:index/databaseUser:DatabaseUser")
    assert user.inputs["username"] == arn
    assert user.inputs["awsIamType"] == "ROLE"
    username = outputs(response)["username"]
    assert is_unknown(username) if engine.dry_run else username == arn


def test_private_endpoint_one_step(engine: FakeMonitor) -> None:
    """A remote consumer gives vpcId and subnetIds at once: no `connect()` call."""
    engine.cloud.subnet_zones.update(GIVEN_SUBNETS)
    response = register(
        engine, "PrivateEndpoint", "pl",
        {"projectId": ORG_ID, "clusterName": "orders", "awsRegion": "us-east-1",
         "vpcId": "vpc-0123456789abcdef0", "subnetIds": list(GIVEN_SUBNETS),
         "clusterTier": "M10"},
    )  # fmt: skip
    check_tree(engine, response, "PrivateEndpoint", "pl", children=4)
    state = outputs(response)
    assert known(state["vpcEndpointId"], engine)
    assert known(state["privateSrvConnectionString"], engine)
    if not engine.dry_run:
        assert "-pl-0." in state["privateSrvConnectionString"]
        assert state["serviceZones"] == ["us-east-1b", "us-east-1c", "us-east-1d"]


def test_lambda(engine: FakeMonitor, tmp_path: Any) -> None:
    (tmp_path / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    response = register(
        engine, "MongoLambda", "fn",
        {"functionName": "orders-api", "vpcId": "vpc-0123456789abcdef0",
         "subnetIds": list(GIVEN_SUBNETS), "databaseSecurityGroupId": "sg-0123456789abcdef0",
         "mongodbSrv": "mongodb+srv://orders-pl-0.abcde.mongodb.net", "databaseName": "app",
         "code": pulumi.FileArchive(str(tmp_path)), "memorySize": 2048,
         "reservedConcurrency": 50, "functionUrlEnabled": True,
         "environment": {"LOG_LEVEL": "info"}},
    )  # fmt: skip
    # 8 for the function and its path, 3 alarms and a dashboard (on by default)
    check_tree(engine, response, "MongoLambda", "fn", children=12)
    assert len(engine.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")) == 3
    (function,) = engine.of_type("aws:lambda/function:Function")
    assert function.inputs["memorySize"] == 2048
    variables = function.inputs["environment"]["variables"]
    assert variables["LOG_LEVEL"] == "info"
    assert "authMechanism=MONGODB-AWS" in variables["MONGODB_URI"]
    state = outputs(response)
    assert known(state["functionUrl"], engine)
    assert known(state["roleArn"], engine)


@pytest.mark.parametrize("relative", [True, False], ids=["relative", "absolute"])
def test_lambda_packages_source_dir(
    engine: FakeMonitor, program_dir: Path, tmp_path: Path, relative: bool
) -> None:
    """The plugin packages `sourceDir`: a relative one is a folder of the consumer program
    (the plugin's working directory, as the engine starts it), an absolute one is anywhere.
    Without requirements there is no dependency layer."""
    folder = (program_dir if relative else tmp_path) / "app"
    folder.mkdir(exist_ok=True)
    (folder / "handler.py").write_text(HANDLER)
    source = "./app" if relative else str(folder)
    register(engine, "MongoLambda", "fn", {**SOURCE_LAMBDA, "sourceDir": source})
    (function,) = engine.of_type("aws:lambda/function:Function")
    code = Path(function.inputs["code"].path)
    assert (code / "handler.py").read_text() == HANDLER
    assert code.is_relative_to(folder.parent / ".build"), code  # the build beside the source
    assert not engine.of_type(LAYER)


def test_atlas_lambda(engine: FakeMonitor, program_dir: Path) -> None:
    """The whole pattern from one remote call: the five components under it, named after
    it, with a relative `sourceDir` packaged from the program's directory (no
    requirements.txt here, so no dependency layer)."""
    folder = program_dir / "pattern-app"
    folder.mkdir(exist_ok=True)
    (folder / "handler.py").write_text(HANDLER)
    response = register(
        engine, "AtlasLambda", "app",
        {**PATTERN, "sourceDir": "./pattern-app", "reservedConcurrency": 100,
         "functionUrl": True},
    )  # fmt: skip
    check_tree(engine, response, "AtlasLambda", "app", children=0)
    kids = engine.children_of(response.urn)
    assert sorted((kid.type, kid.name) for kid in kids) == [
        (f"{PKG}:AtlasCluster", "app-atlas"), (f"{PKG}:IamDatabaseUser", "app-db-user"),
        (f"{PKG}:MongoLambda", "app-lambda"), (f"{PKG}:Network", "app-network"),
        (f"{PKG}:PrivateEndpoint", "app-privatelink"),
    ]  # fmt: skip
    (function,) = engine.of_type("aws:lambda/function:Function")
    assert (Path(function.inputs["code"].path) / "handler.py").read_text() == HANDLER
    assert function.inputs["reservedConcurrentExecutions"] == 100
    assert not engine.of_type(LAYER)
    state = outputs(response)
    for key in ("vpcEndpointId", "connectionString", "roleArn", "databaseUser", "url"):
        assert known(state[key], engine), key
    if not engine.dry_run:
        assert state["databaseUser"] == state["roleArn"]
        assert state["url"].startswith("https://")


@pytest.mark.parametrize(
    ("type_", "inputs"),
    [("MongoLambda", SOURCE_LAMBDA), ("AtlasLambda", PATTERN)],
    ids=["lambda", "pattern"],
)
def test_relative_source_dir_missing_names_the_program_dir(
    engine: FakeMonitor, program_dir: Path, type_: str, inputs: dict[str, Any]
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        register(engine, type_, "bad", {**inputs, "sourceDir": "./nowhere"})
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    ((path, reason),) = property_errors(caught.value)
    assert path == "sourceDir"
    assert "'./nowhere' does not exist in " + str(program_dir) in reason
    assert not engine.registrations, "nothing may be registered"


def test_any_source_dir_input_resolves(tmp_path: Path) -> None:
    """Resolution goes by the input's name, whatever the component (or nested type)."""
    (tmp_path / "fn").mkdir()
    package = provider(program_dir=tmp_path)
    properties = {"sourceDir": PropertyDefinition(optional=True, type=PropertyType.STRING)}
    mapping = {"sourceDir": "source_dir"}

    def mapped(value: Any, path: str = "") -> Any:
        inputs = {"sourceDir": value}
        return package.map_input_properties(inputs, properties, mapping, "Any", path)

    assert mapped("fn") == {"source_dir": str(tmp_path / "fn")}
    assert mapped("/elsewhere/fn") == {"source_dir": "/elsewhere/fn"}  # absolute: unchanged
    # An unknown is no folder to package: the component needs it now (the input is plain).
    properties["sourceDir"] = PropertyDefinition(
        optional=True, type=PropertyType.STRING, plain=True
    )
    with pytest.raises(InputPropertyError) as unknown:
        mapped(rpc.UNKNOWN)
    assert unknown.value.property_path == "sourceDir"
    assert "unknown during preview" in unknown.value.reason
    with pytest.raises(InputPropertyError) as caught:
        mapped("gone", "build")
    assert caught.value.property_path == "build.sourceDir"
    assert str(tmp_path) in caught.value.reason


def property_errors(error: grpc.RpcError) -> list[tuple[str, str]]:
    """The InputPropertiesError details the engine turns into a message naming the input."""
    metadata = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    details = errors_pb2.InputPropertiesError()
    assert status.details[0].Unpack(details)
    return [(e.property_path, e.reason) for e in details.errors]


@pytest.mark.parametrize(
    ("type_", "inputs", "path", "reason"),
    [
        ("Network", {"vpcId": "bogus", "subnetIds": list(GIVEN_SUBNETS)}, "vpcId", "VPC id"),
        ("Network", {"availabilityZones": 2.5}, "availabilityZones", "not a whole number"),
        ("AtlasCluster", {"clusterName": "c", "awsRegion": "us-east-1", "orgId": ORG_ID,
                          "tier": "M5"}, "tier", "is not supported"),
        ("PrivateEndpoint", {"projectId": ORG_ID, "clusterName": "c", "awsRegion": "us-east-1",
                             "clusterTier": "M0"}, "clusterTier", "dedicated tier"),
        ("IamDatabaseUser", {"projectId": ORG_ID, "roleArn": ROLE_ARN, "clusterName": "c",
                             "databaseName": "app", "roles": ["root"]}, "roles", "root"),
        ("MongoLambda", {"functionName": "f", "vpcId": "v", "subnetIds": ["s"],
                         "mongodbSrv": SRV, "databaseName": "d", "code": pulumi.AssetArchive({}),
                         "environment": {"AWS_REGION": "x"}}, "environment.AWS_REGION",
         "reserved"),
        # Strings where numbers go, and a bool for a number: the components' args check.
        ("MongoLambda", {**LAMBDA, "memorySize": "big"}, "memorySize", "must be an integer"),
        ("Network", {"availabilityZones": "3"}, "availabilityZones", "must be an integer"),
        ("AtlasCluster", {**CLUSTER, "shardCount": "2", "clusterType": "SHARDED",
                          "tier": "M30"}, "shardCount", "must be an integer"),
        ("MongoLambda", {**LAMBDA, "timeout": True}, "timeout", "must be an integer"),
        # Keys the shared validation names as the stack config does, mapped to the input.
        ("AtlasCluster", {**CLUSTER, "awsRegion": "cn-north-1"}, "awsRegion", "Atlas serves"),
        ("AtlasCluster", {**CLUSTER, "alertIntervalMin": 4}, "alertIntervalMin", "5-2147483647"),
        ("AtlasCluster", {**CLUSTER, "alertEmail": "ops"}, "alertEmail", "name@domain"),
        # Unknown inputs are refused, not dropped (the SDK maps only schema properties).
        ("MongoLambda", {**LAMBDA, "memroySize": 2048}, "memroySize", "memorySize"),
        ("IamDatabaseUser", {"projectId": ORG_ID, "roleArn": "role", "clusterName": "c",
                             "databaseName": "app"}, "roleArn", "IAM role ARN"),
        # The whole pattern refuses what the stack refuses, naming its own input.
        ("AtlasLambda", {**PATTERN, "reservedConcurency": 100}, "reservedConcurency",
         "did you mean 'reservedConcurrency'"),
        ("AtlasLambda", {**PATTERN, "tier": "M10", "reservedConcurrency": 900},
         "reservedConcurrency", "the largest safe value is 745"),
        ("AtlasLambda", {**PATTERN, "tier": "M5"}, "tier", "'M5' is not supported"),
        ("AtlasLambda", {"orgId": ORG_ID}, "awsRegion", "is not set"),
        ("AtlasLambda", {**PATTERN, "orgId": "org"}, "orgId", "not an Atlas id"),
        ("AtlasLambda", {**PATTERN, "availabilityZones": "3"}, "availabilityZones",
         "must be an integer"),
    ],
    ids=["vpc-id", "fraction", "tier", "endpoint-tier", "roles", "reserved-env",
         "memory-str", "zones-str", "shards-str", "timeout-bool", "region", "interval",
         "email", "unknown-key", "role-arn", "pattern-unknown-key", "pattern-over-budget",
         "pattern-tier", "pattern-no-region", "pattern-org-id", "pattern-zones-str"],
)  # fmt: skip
def test_config_error_names_the_property(
    engine: FakeMonitor, type_: str, inputs: dict[str, Any], path: str, reason: str
) -> None:
    """A ConfigError reaches the engine as INVALID_ARGUMENT naming the input (the SDK alone
    sends a generic error with a traceback)."""
    with pytest.raises(grpc.RpcError) as caught:
        register(engine, type_, "bad", inputs)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    ((got_path, got_reason),) = property_errors(caught.value)
    assert got_path == path
    assert reason in got_reason
    assert not engine.of_type(f"{PKG}:{type_}"), "nothing may be registered"


def test_missing_required_input(engine: FakeMonitor) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        register(engine, "IamDatabaseUser", "bad", {"projectId": "p"})
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert property_errors(caught.value)[0][0] == "roleArn"
