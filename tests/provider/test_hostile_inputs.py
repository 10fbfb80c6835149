"""Issue 17, hostile pass over the component package: every refusal comes back as a clean
InputPropertyError naming the input (INVALID_ARGUMENT, no traceback, the value cut short,
no secret in the answer, the engine's log or the plugin's stderr), and inputs the args
document as Outputs work. Each case failed before its fix (a traceback, an empty path,
`<pulumi.output.Unknown object at 0x…>`, RESOURCE_EXHAUSTED, a refusal, or a hang)."""

from __future__ import annotations

import math
import subprocess
import threading
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2, resource_pb2_grpc

from tests.provider import fake_engine
from tests.provider.fake_engine import PROJECT, STACK, FakeMonitor
from tests.provider.test_construct import (
    CLUSTER,
    HANDLER,
    LAMBDA,
    PATTERN,
    PKG,
    SRV,
    is_unknown,
    outputs,
    property_errors,
    register,
)

PASSWORD = "hunter2-s3cr3t"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
# MongoLambda with a private path, so only the input under test can be refused.
FUNCTION = {**LAMBDA, "vpcId": "vpc-0123456789abcdef0",
            "databaseSecurityGroupId": "sg-0123456789abcdef0"}  # fmt: skip
FUNCTION_TYPE = "aws:lambda/function:Function"
OTHER = f"urn:pulumi:{STACK}::{PROJECT}::aws:iam/role:Role::other"


def secret(value: Any) -> dict[str, Any]:
    """A secret as a program's SDK sends it."""
    return {rpc._special_sig_key: rpc._special_secret_sig, "value": value}


def refusal(engine: FakeMonitor, type_: str, inputs: dict[str, Any], **deps: list[str]) -> str:
    """The one property error a Construct answers; returns its reason after checking the
    path, the code and that nothing of the component was registered."""
    with pytest.raises(grpc.RpcError) as caught:
        register(engine, type_, "bad", inputs, deps or None)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
    [(path, reason)] = property_errors(error)
    refusal.path = path  # type: ignore[attr-defined]
    assert "Traceback" not in reason and "<pulumi." not in reason, reason
    return reason


# --- secrets in mongodbSrv --------------------------------------------------------------

SRVS = {
    "password": f"mongodb+srv://user:{PASSWORD}@h.mongodb.net",
    "raw @": f"mongodb+srv://user:pre@{PASSWORD}@h.mongodb.net",
    "bad scheme": f"mongodb+sr://user:{PASSWORD}@h.mongodb.net",
    "session token": f"mongodb+srv://h.mongodb.net/?AWS_SESSION_TOKEN={TOKEN}",
    "mechanism properties": "mongodb+srv://h.mongodb.net/?authMechanismProperties="
    f"AWS_SESSION_TOKEN:{TOKEN}",
}


@pytest.mark.parametrize("as_secret", [False, True], ids=["plain", "secret"])
@pytest.mark.parametrize("srv", SRVS.values(), ids=SRVS)
def test_credentials_in_mongodb_srv_are_a_property_error(
    engine: FakeMonitor, srv: str, as_secret: bool
) -> None:
    """Plain: refused by the constructor. Secret: its value is known only in the apply,
    which used to fail as a traceback holding the string (and, from the engine, its log)."""
    reason = refusal(engine, "MongoLambda", {**FUNCTION, "mongodbSrv": secret(srv) if as_secret
                                             else srv})  # fmt: skip
    assert refusal.path == "mongodbSrv"  # type: ignore[attr-defined]
    assert engine.plugin_process is not None
    seen = reason + "".join(engine.logs) + engine.plugin_process.stderr
    assert PASSWORD not in seen and TOKEN not in seen
    assert not engine.of_type(FUNCTION_TYPE), "the function must not be registered"


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (rpc.UNKNOWN, "unknown during preview"),
        (math.inf, "not a whole number"),
        (-math.inf, "not a whole number"),
        (math.nan, "not a whole number"),
        (2.5, "not a whole number"),
        (secret(2048), "not a secret"),
        (1e20, "beyond the whole numbers"),
    ],
    ids=["unknown", "infinity", "-infinity", "nan", "fraction", "secret", "1e20"],
)
def test_integer_input_that_is_no_whole_number_is_named(
    engine: FakeMonitor, value: Any, words: str
) -> None:
    reason = refusal(engine, "MongoLambda", {**FUNCTION, "memorySize": value})
    assert refusal.path == "memorySize"  # type: ignore[attr-defined]
    assert words in reason, reason


def test_integer_from_another_resource_is_named(engine: FakeMonitor) -> None:
    """An unknown with a dependency arrives as an unknown Output."""
    reason = refusal(engine, "MongoLambda", {**FUNCTION, "timeout": rpc.UNKNOWN}, timeout=[OTHER])
    assert refusal.path == "timeout" and "must be" in reason  # type: ignore[attr-defined]


def test_reserved_concurrency_beyond_lambdas_integer(engine: FakeMonitor) -> None:
    """Exact as a float, but over ReservedConcurrentExecutions' Integer."""
    reason = refusal(engine, "MongoLambda", {**FUNCTION, "reservedConcurrency": 3e9})
    assert refusal.path == "reservedConcurrency" and "2147483647" in reason  # type: ignore[attr-defined]


# --- unknowns -----------------------------------------------------------------------------


def old_style(type_: str, inputs: dict[str, Any], engine: FakeMonitor) -> Any:
    """Register with the unknown sentinel sent as a plain string, as older SDKs do."""
    struct = __import__("asyncio").run(rpc.serialize_properties(inputs, {}))
    stub = resource_pb2_grpc.ResourceMonitorStub(grpc.insecure_channel(engine.address))
    return stub.RegisterResource(
        resource_pb2.RegisterResourceRequest(
            type=f"{PKG}:{type_}", name="old", custom=False, remote=True, object=struct
        ),
        timeout=60,
    )


def test_unknown_plain_input_is_named_not_printed(engine: FakeMonitor) -> None:
    """It used to say `must be a string, not Unknown <pulumi.output.Unknown object at 0x…>`."""
    reason = refusal(engine, "AtlasCluster", {**CLUSTER, "clusterName": rpc.UNKNOWN})
    assert refusal.path == "clusterName"  # type: ignore[attr-defined]
    assert "unknown during preview" in reason
    with pytest.raises(grpc.RpcError) as caught:
        old_style("MongoLambda", {**FUNCTION, "memorySize": rpc.UNKNOWN}, engine)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert property_errors(caught.value)[0][0] == "memorySize"


def test_unknowns_where_outputs_go_are_unknown_outputs(engine: FakeMonitor) -> None:
    """`mongodbSrv` and `subnetIds` take Outputs: an unknown there is an unknown Output."""
    register(engine, "MongoLambda", "fn", {**FUNCTION, "mongodbSrv": rpc.UNKNOWN,
                                          "subnetIds": [rpc.UNKNOWN]})  # fmt: skip
    (function,) = engine.of_type(FUNCTION_TYPE)
    uri = function.inputs["environment"]["variables"]["MONGODB_URI"]
    assert is_unknown(uri), uri


# --- long values --------------------------------------------------------------------------


def test_megabytes_of_value_are_not_echoed(engine: FakeMonitor) -> None:
    """A 3 MB clusterName came back whole until gRPC refused the metadata
    (RESOURCE_EXHAUSTED): the reason names the input with the value cut short."""
    reason = refusal(engine, "AtlasCluster", {**CLUSTER, "clusterName": "x" * 3_000_000})
    assert refusal.path == "clusterName"  # type: ignore[attr-defined]
    assert "is not an Atlas cluster name" in reason and len(reason) < 400, reason[:500]


# --- environment values that are Outputs ---------------------------------------------------


def test_environment_values_may_be_secrets_or_outputs(engine: FakeMonitor) -> None:
    """MongoLambdaArgs.environment: a value may be another resource's Output (not screened
    for credentials). A secret among them keeps the function's environment secret."""
    register(
        engine, "MongoLambda", "fn",
        {**FUNCTION, "environment": {"API_TOKEN": secret(TOKEN), "LOG_LEVEL": "info"}},
    )  # fmt: skip
    register(
        engine, "MongoLambda", "fn2",
        {**FUNCTION, "functionName": "g", "environment": {"UPSTREAM": "arn:aws:iam::1:role/x"}},
        {"environment": [OTHER]},
    )  # fmt: skip
    first, second = sorted(engine.of_type(FUNCTION_TYPE), key=lambda r: r.name)
    # The secret spreads up to the whole input, as the SDK serializes a secret inside a map.
    environment = first.inputs["environment"]
    assert rpc.is_rpc_secret(environment), environment
    variables = rpc.unwrap_rpc_secret(environment)["variables"]
    assert variables["API_TOKEN"] == TOKEN and variables["LOG_LEVEL"] == "info"
    assert second.inputs["environment"]["variables"]["UPSTREAM"] == "arn:aws:iam::1:role/x"


def test_the_pattern_takes_environment_secrets_too(engine: FakeMonitor, program_dir: Path) -> None:
    folder = program_dir / "env-app"
    folder.mkdir(exist_ok=True)
    (folder / "handler.py").write_text(HANDLER)
    register(engine, "AtlasLambda", "app", {
        **PATTERN, "sourceDir": "./env-app", "reservedConcurrency": 100,
        "environment": {"API_TOKEN": secret(TOKEN), "LOG_LEVEL": "info"},
    })  # fmt: skip
    (function,) = engine.of_type(FUNCTION_TYPE)
    environment = function.inputs["environment"]
    assert rpc.is_rpc_secret(environment), environment
    variables = rpc.unwrap_rpc_secret(environment)["variables"]
    assert variables["API_TOKEN"] == TOKEN and variables["LOG_LEVEL"] == "info"


def test_environment_keys_are_still_checked_inside_an_output(engine: FakeMonitor) -> None:
    reason = refusal(engine, "MongoLambda",
                     {**FUNCTION, "environment": {"AWS_REGION": secret("x")}})  # fmt: skip
    assert refusal.path == "environment.AWS_REGION" and "reserved" in reason  # type: ignore[attr-defined]


# --- the plugin's stderr -------------------------------------------------------------------


def test_failed_constructs_leave_the_plugin_answering(engine: FakeMonitor) -> None:
    """Constructs whose apply refuses a value (each failed registration is logged by the
    SDK, and its never-retrieved task on collection) are followed by one that succeeds."""
    for attempt in range(4):
        with pytest.raises(grpc.RpcError) as caught:
            register(engine, "MongoLambda", f"bad{attempt}",
                     {**FUNCTION, "mongodbSrv": secret(SRVS["password"])})  # fmt: skip
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    response = register(engine, "MongoLambda", "good", {**FUNCTION, "mongodbSrv": SRV})
    assert outputs(response)


def test_plugin_that_writes_much_on_stderr_still_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Deterministic stand-in for a flood of failed Constructs: PYTHONVERBOSE makes the
    plugin log every import on stderr (well over 64 KB at start, more as a Construct imports
    the provider SDKs' modules). Without the fake engine draining the pipe, the plugin never
    printed its port."""
    started: list[subprocess.Popen[str]] = []
    popen = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen[str]:
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(fake_engine.subprocess, "Popen", recording)
    monkeypatch.setenv("PYTHONVERBOSE", "1")
    monitor = FakeMonitor(plugin=None, dry_run=True)
    server = fake_engine.serve_monitor(monitor)
    plugins: list[fake_engine.Plugin] = []
    starting = threading.Thread(
        target=lambda: plugins.append(fake_engine.Plugin(monitor.address, tmp_path)), daemon=True
    )
    starting.start()
    starting.join(timeout=120)
    try:
        assert plugins, "the plugin never printed its port (blocked writing stderr)"
        monitor.plugin, monitor.plugin_process = plugins[0].stub, plugins[0]
        register(monitor, "MongoLambda", "fn", {**FUNCTION, "mongodbSrv": SRV})
        assert len(plugins[0].stop()) > 64 * 1024
    finally:
        for process in started:
            process.kill()
        server.stop(grace=None)
