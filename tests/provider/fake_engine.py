"""A fake Pulumi engine and resource monitor over gRPC, and the plugin started as the
Python language host starts it.

The engine's part in a remote component (pulumi/pulumi pkg/resource/deploy): a program
registers `atlas-lambda:index:X` with `remote=true`; the engine calls the plugin's
Construct with the monitor's address; the plugin registers the component and its
children back on that monitor; the engine answers the program with the component's URN
and outputs. Children are answered by tests/infra/fake_cloud.py, as after a deploy
(`dry_run=False`) or with no outputs at all, as a preview of a create (`dry_run=True`).
"""

import asyncio
import os
import subprocess
import sys
import threading
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs
from pulumi.runtime.proto import (
    engine_pb2,
    engine_pb2_grpc,
    provider_pb2,
    provider_pb2_grpc,
    resource_pb2,
    resource_pb2_grpc,
)

from components.packaging.cache import BUILD_DIR_ENV
from tests.infra.fake_cloud import FakeCloud

PROJECT_DIR = Path(__file__).resolve().parents[2]
PLUGIN_DIR = PROJECT_DIR / "provider"
PROJECT, STACK = "consumer", "test"
# Features the monitor claims; without `outputValues` clients send plain values plus
# dependencies, which the provider turns back into Outputs.
FEATURES = {"secrets", "resourceReferences"}


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    remote: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)


def urn_of(parent: str, type_: str, name: str) -> str:
    """The engine's URN: a child's type is prefixed with its parent's."""
    if parent:
        type_ = parent.split("::")[2] + "$" + type_
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """Serialized as the engine does, assets and archives included."""
    return asyncio.run(rpc.serialize_properties(values, {}))


class FakeMonitor(resource_pb2_grpc.ResourceMonitorServicer, engine_pb2_grpc.EngineServicer):
    """ResourceMonitor + Engine in one servicer; remote registrations go to the plugin."""

    def __init__(self, plugin: provider_pb2_grpc.ResourceProviderStub | None, dry_run: bool):
        self.plugin, self.dry_run = plugin, dry_run
        self.address = ""
        self.cloud = FakeCloud()
        self.registrations: dict[str, Registration] = {}
        self.logs: list[str] = []
        self.invokes: list[str] = []
        self.construct_errors: list[grpc.RpcError] = []
        self.plugin_process: Plugin | None = None  # for what it wrote on stderr
        self._lock = threading.Lock()

    # --- Engine -------------------------------------------------------------------
    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        self.logs.append(request.message)
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()

    # --- ResourceMonitor ----------------------------------------------------------
    def GetDeploymentInfo(self, request: Any, context: Any) -> Any:
        """Unimplemented, as in engines before it: clients fall back to SupportsFeature."""
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "GetDeploymentInfo")

    def SupportsFeature(self, request: Any, context: Any) -> Any:
        return resource_pb2.SupportsFeatureResponse(hasSupport=request.id in FEATURES)

    def RegisterResource(self, request: Any, context: Any) -> Any:
        urn = urn_of(request.parent, request.type, request.name)
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        registration = Registration(
            urn, request.type, request.name, request.parent, request.custom, request.remote,
            inputs,
        )  # fmt: skip
        if request.remote:  # the plugin registers the component itself
            return self._construct(request, context)
        with self._lock:
            self.registrations[urn] = registration
        if not request.custom:
            return resource_pb2.RegisterResourceResponse(urn=urn)
        args = MockResourceArgs(request.type, request.name, inputs, custom=True)
        resource_id, outputs = self.cloud.new_resource(args)
        if self.dry_run:  # a preview of a create: nothing is known yet
            return resource_pb2.RegisterResourceResponse(urn=urn, id="", object=to_struct({}))
        registration.outputs = {**inputs, **outputs}
        return resource_pb2.RegisterResourceResponse(
            urn=urn, id=resource_id, object=to_struct(registration.outputs)
        )

    def _construct(self, request: Any, context: Any) -> Any:
        """What the engine does for `remote=true`: Construct on the plugin, then answer
        the program with the URN the plugin registered and the component's outputs. A
        failed Construct is passed on with its code and details (the property errors)."""
        assert self.plugin is not None, "a remote component needs the plugin"
        try:
            response = self._call_construct(request)
        except grpc.RpcError as error:
            self.construct_errors.append(error)
            context.set_trailing_metadata(error.trailing_metadata())
            context.abort(error.code(), error.details())
        with self._lock:
            self.registrations[response.urn].outputs = rpc.deserialize_properties(
                response.state, keep_unknowns=True
            )
        return resource_pb2.RegisterResourceResponse(urn=response.urn, object=response.state)

    def _call_construct(self, request: Any) -> Any:
        return self.plugin.Construct(
            provider_pb2.ConstructRequest(
                project=PROJECT, stack=STACK, dryRun=self.dry_run, parallel=4,
                monitorEndpoint=self.address, type=request.type, name=request.name,
                parent=request.parent, inputs=request.object,
                inputDependencies={
                    key: provider_pb2.ConstructRequest.PropertyDependencies(urns=deps.urns)
                    for key, deps in request.propertyDependencies.items()
                },
            )
        )

    def RegisterResourceOutputs(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        self.invokes.append(request.tok)
        args = rpc.deserialize_properties(request.args)
        result = self.cloud.call(MockCallArgs(request.tok, args, request.provider))
        return resource_pb2.ResourceInvokeResponse(**{"return": to_struct(result)})

    def SignalAndWaitForShutdown(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    # --- for assertions -------------------------------------------------------------
    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations.values() if r.type == type_]

    def children_of(self, urn: str) -> list[Registration]:
        return [r for r in self.registrations.values() if r.parent == urn]


def serve_monitor(monitor: FakeMonitor) -> grpc.Server:
    """Engine and monitor on one local port (the plugin gets it as both addresses)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(monitor, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    monitor.address = f"127.0.0.1:{port}"
    return server


class Plugin:
    """`python provider/ <engine address>`: how pulumi-language-python's RunPlugin starts a
    plugin folder with a `__main__.py` (args as there); the port comes on stdout.

    The working directory is the consumer program's directory, as the engine gives it
    (pulumi pkg/resource/plugin ExecPlugin: RunPluginRequest.Pwd, the program's cwd; the
    language host's `cmd.Dir = req.Pwd`), never the plugin's folder: the plugin finds its
    own code by `__file__`, and a relative `sourceDir` is a folder of the program. Without
    $ATLAS_LAMBDA_BUILD_DIR, as for a consumer that never set it: builds of a program's
    folder go to `.build/` beside it, where the tests look."""

    def __init__(self, engine_address: str, program_dir: Path) -> None:
        self.program_dir = program_dir
        self.process = subprocess.Popen(
            [sys.executable, str(PLUGIN_DIR), engine_address],
            cwd=program_dir,
            env={key: value for key, value in os.environ.items() if key != BUILD_DIR_ENV},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The engine reads a plugin's stderr as it comes (and logs it); a pipe nobody reads
        # fills at ~64 KB and the plugin blocks in its next write, at start or mid-Construct.
        self._stderr: list[str] = []
        self._drain = threading.Thread(target=self._read_stderr, daemon=True)
        self._drain.start()
        line = self.process.stdout.readline() if self.process.stdout else ""
        if not line.strip().isdigit():
            self.process.kill()
            self._drain.join(timeout=10)
            raise RuntimeError(f"plugin printed no port: {line!r} {self.stderr[-3000:]}")
        self.port = int(line)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for chunk in iter(self.process.stderr.readline, ""):
            self._stderr.append(chunk)

    @property
    def stderr(self) -> str:
        """What the plugin has written on stderr so far."""
        return "".join(self._stderr)

    def stop(self) -> str:
        """Stop the plugin (as the engine does) and return what it wrote on stderr."""
        self.channel.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        self._drain.join(timeout=10)
        return self.stderr
