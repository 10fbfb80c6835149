"""Run a Pulumi program in this process under the mock engine and record what it declares.

The recording monitor sees the exact requests the SDK would send to a real engine, so
parents, dependencies, secrets and unknowns come from the program itself, not from a
re-implementation. Each run gets a fresh event loop, config and root stack.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import runpy
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import chdir, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import run_pulumi_func, wait_for_rpcs

from ..advisories import collect
from ..cli import CliError, register_secret
from ..errors import ConfigError
from ..locations import project_dir
from ..stack.config import UNDECRYPTED_SECRET, declared_keys, run_context
from ..stack.files import load_mapping, mapping_field, scalar_texts
from .early_outputs import resolve_early_outputs
from .failures import FalloutHandler, OfflineRunError, clear_error
from .plan import Plan, PlannedResource, render_value

PROJECT_DIR = project_dir()
PROJECT = "atlas-lambda"
# A preview takes seconds (packaging a function's dependencies the first time, a minute or
# two): past this, the run is stuck waiting on something that will never come.
TIMEOUT_ENV = "ATLAS_LAMBDA_OFFLINE_TIMEOUT"
DEFAULT_TIMEOUT_S = 600.0


class OfflineMocks(pulumi.runtime.Mocks):
    """Stand-in provider: a resource's outputs are its inputs, everything else unknown.

    That is what a real preview shows for a create. Invokes (data sources) would need a
    cloud account, so their results are unknown too — never invented.
    """

    def __init__(self, preview: bool = True, ids: Callable[[str, str], str] | None = None):
        self.preview = preview
        self.ids = ids or (lambda type_, name: f"{name}-id")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        resource_id = "" if self.preview else self.ids(args.typ, args.name)
        return resource_id, dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        raise NotImplementedError("RecordingMonitor answers invokes as unknown offline")


def _recording_thread_loop(call: Callable[[], Any], loops: list[asyncio.AbstractEventLoop]) -> Any:
    """Run a MockMonitor call and remember the event loop it creates on a worker thread.

    The SDK's mock monitor gives each worker thread a loop of its own and never closes it;
    the garbage collector then does, at exit, and prints "Exception ignored in
    BaseEventLoop.__del__". The run closes them once its executor has stopped.
    """
    policy = asyncio.get_event_loop_policy()
    try:
        policy.get_event_loop()
        created = False
    except RuntimeError:  # a worker thread without a loop: the SDK is about to make one
        created = True
    try:
        return call()
    finally:
        try:
            loop = policy.get_event_loop() if created else None
        except RuntimeError:  # the SDK made and dropped its own
            loop = None
        if loop is not None:
            loops.append(loop)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that keeps the wire form of every registration."""

    def __init__(self, mocks: pulumi.runtime.Mocks, root: Path):
        super().__init__(mocks)
        self.root = root
        self.recorded: list[PlannedResource] = []
        self.invokes: list[str] = []
        self.thread_loops: list[asyncio.AbstractEventLoop] = []

    def _call(self, call: Callable[[], Any]) -> Any:
        return _recording_thread_loop(call, self.thread_loops)

    def close(self) -> None:
        """Close the loops the SDK opened on worker threads (they have stopped by now)."""
        for loop in self.thread_loops:
            if not loop.is_running() and not loop.is_closed():
                loop.close()
        self.thread_loops.clear()

    def RegisterResource(self, request: Any) -> Any:
        response = self._call(lambda: super(RecordingMonitor, self).RegisterResource(request))
        if request.type != "pulumi:pulumi:Stack":
            wire = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
            self.recorded.append(
                PlannedResource(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent or None,
                    custom=bool(request.custom),
                    inputs=render_value(wire, self.root),
                    dependencies=tuple(sorted(request.dependencies)),
                    ignore_changes=tuple(request.ignoreChanges),
                    property_dependencies={
                        key: tuple(sorted(value.urns))
                        for key, value in request.propertyDependencies.items()
                    },
                )
            )
        return response

    def Invoke(self, request: Any) -> Any:
        """Data sources need a cloud account: answer "unknown", as an engine does for an
        invoke whose inputs are not known yet, rather than inventing a result."""
        self.invokes.append(request.tok)
        if request.tok == "pulumi:pulumi:getResource" or not isinstance(self.mocks, OfflineMocks):
            return self._call(lambda: super(RecordingMonitor, self).Invoke(request))
        return resource_pb2.ResourceInvokeResponse(unknown=True)


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class OfflineRun:
    """A finished run: the plan plus the monitor, for tests that inspect raw requests."""

    plan: Plan
    monitor: RecordingMonitor


def _drain(loop: asyncio.AbstractEventLoop, *, failed: bool) -> None:
    """Cancel a run's pending tasks; after a failed run, also collect its orphaned futures.

    Otherwise a failed run's finalizers run during a later run (logging "exception was
    never retrieved" with deep chains), and under CPython 3.11 one landing inside
    `ast.parse` (the handler check) breaks it with "AST constructor recursion depth
    mismatch". A successful run leaves none, so it skips the collection (about 0.1 s).
    """
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    if failed:
        gc.collect()


@contextmanager
def _fresh_runtime() -> Iterator[asyncio.AbstractEventLoop]:
    """Isolate one run: its own event loop, no root stack left over from an earlier run."""
    loop = asyncio.new_event_loop()
    fallout = FalloutHandler()
    loop.set_exception_handler(fallout)
    asyncio.set_event_loop(loop)
    settings.ROOT.set(None)
    failed = True
    try:
        yield loop
        failed = False
    finally:
        fallout.settle(loop, failed=failed)
        # A run that failed half-way (an error inside an apply) leaves tasks and RPCs in
        # the SDK's global settings, bound to this loop: drain them here, or the next run
        # waits on futures of a closed loop.
        _drain(loop, failed=failed)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
        settings.ROOT.set(None)
        settings.SETTINGS.outputs.clear()
        settings.SETTINGS.rpc_manager.clear()


def run_timeout(timeout: float | None = None) -> float:
    """Seconds a run may take: `timeout`, else $ATLAS_LAMBDA_OFFLINE_TIMEOUT, else 600."""
    if timeout is None:
        text = os.environ.get(TIMEOUT_ENV, "").strip()
        try:
            timeout = float(text) if text else DEFAULT_TIMEOUT_S
        except ValueError:
            raise ConfigError(TIMEOUT_ENV, f"{text!r} is not a number", "seconds above 0") from None
        key = TIMEOUT_ENV
    else:
        key = "timeout"
    if not 0 < timeout < float("inf"):
        raise ConfigError(key, f"{timeout:g} s", "seconds above 0")
    return timeout


def run_program(
    program: Callable[[], Mapping[str, Any] | None],
    *,
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = True,
    mocks: pulumi.runtime.Mocks | None = None,
    project: str = PROJECT,
    root: Path = PROJECT_DIR,
    timeout: float | None = None,
) -> OfflineRun:
    """Run `program` under the mock engine; its returned mapping becomes the outputs.

    `program` may also call `pulumi.export`. Errors raised by the program (for example a
    ConfigError) propagate unchanged, also from inside an apply, without the SDK's
    "While processing ..." wrappers (failures.clear_error). Tests pass their own `mocks`
    to play a provider that returns deploy-time values. A run that waits longer than
    `timeout` seconds ($ATLAS_LAMBDA_OFFLINE_TIMEOUT, 600 by default) on something that
    never comes raises OfflineRunError; so does an Output created before this call that
    is not a plain value (early_outputs).
    """
    limit = run_timeout(timeout)
    resolve_early_outputs()
    mocks = mocks or OfflineMocks(preview=preview)
    monitor = RecordingMonitor(mocks, root)
    warnings = _WarningCollector()
    logger = logging.getLogger(f"atlas-lambda.offline.{stack}")
    logger.propagate = False
    logger.handlers = [warnings]
    with _fresh_runtime() as loop, collect() as advisories:
        set_all_config(dict(config or {}), list(secret_keys or []))
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=preview, logger=logger, monitor=monitor
        )
        stack_resource = settings.get_root_resource()
        returned: dict[str, Any] = {}

        def body() -> None:
            returned.update(program() or {})

        async def run() -> dict[str, Any]:
            await run_pulumi_func(body)
            exported = {**getattr(stack_resource, "outputs", {}), **returned}
            outputs = await _resolve_outputs(exported, root)
            await wait_for_rpcs()
            return outputs

        try:
            outputs = loop.run_until_complete(_within(limit, run()))
        except Exception as error:
            clear = clear_error(error)
            if clear is error:
                raise
            raise clear from None  # the SDK's wrappers may quote a secret value
        loop.run_until_complete(loop.shutdown_default_executor())
        monitor.close()
    plan = Plan(project=project, stack=stack, resources=list(monitor.recorded), outputs=outputs)
    plan.warnings.extend(warnings.messages)
    plan.advisories.extend(
        {"rule": a.rule, "key": a.key, "message": a.message} for a in advisories
    )
    return OfflineRun(plan=plan, monitor=monitor)


async def _within(limit: float, run: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    """`run`, or OfflineRunError once it has waited `limit` seconds in all.

    The event loop watches the clock whenever the run waits (on an Output, a registration),
    so a wait that never ends is stopped; a program blocked in its own code (a sleep, a
    lock) is stopped only once it gives control back.
    """
    deadline = asyncio.timeout(limit)
    try:
        async with deadline:
            return await run
    except TimeoutError:
        if not deadline.expired():
            raise  # the program's own TimeoutError
        raise OfflineRunError(
            f"the program did not finish within {limit:g} s under the mock engine: it waits "
            "on an Output or resource that never resolves",
            "look for an Output from outside the program or a mock that never answers; if it "
            f"is only slow, raise the limit: timeout=<seconds>, or {TIMEOUT_ENV}=<seconds>",
        ) from None


async def _resolve_outputs(outputs: Mapping[str, Any], root: Path) -> dict[str, Any]:
    """Serialize outputs the way the engine would receive them, then render them."""
    wire = await rpc.serialize_properties(dict(outputs), {}, keep_output_values=False)
    return render_value(json_format.MessageToDict(wire), root)


def _is_secure(value: Any) -> bool:
    """Pulumi's own test (`isSecureValue`, pulumi/pulumi
    sdk/go/common/resource/config/object.go): a mapping of exactly one key, `secure`, whose
    value is a string. Anything else is a plain value to Pulumi."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _holds_secure(value: Any) -> bool:
    """A secure value nested inside a list or mapping (Pulumi's hasSecureValue)."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return any(_is_secure(item) or _holds_secure(item) for item in items)


def _mentions_secure(value: Any) -> bool:
    """A `secure` key anywhere inside: nested ciphertext, or a broken secure value."""
    if isinstance(value, dict):
        return "secure" in value or any(_mentions_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_mentions_secure(item) for item in value)
    return False


def _ciphertexts(value: Any) -> list[str]:
    """Every string under a `secure` key: text no message may show."""
    if isinstance(value, list):
        return [text for item in value for text in _ciphertexts(item)]
    if not isinstance(value, dict):
        return []
    found = [value["secure"]] if isinstance(value.get("secure"), str) else []
    return found + [text for item in value.values() for text in _ciphertexts(item)]


def stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> tuple[dict[str, str], list[str]]:
    """Read Pulumi.<stack>.yaml as the CLI hands config to a program: strings, arrays as JSON.

    Values encrypted with `pulumi config set --secret` cannot be decrypted offline; they
    stay secret and show as masked. Keys are read as `_config_key` says; a scalar value
    keeps its source text, as the CLI keeps it (config_files.scalar_texts).
    """
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        stacks = sorted(
            p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")
        )
        raise CliError(
            f"stack {stack!r}: no {path.name} in {project_dir}",
            f"choose one of: {', '.join(stacks) or '(none)'}",
        )
    document = load_mapping(path)
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    texts = scalar_texts(path, "config")
    for written, value in mapping_field(path, document, "config").items():
        key = _config_key(str(written), path)
        if key in config:
            raise ConfigError(
                key, f"is set twice in {path.name} (as {str(written)!r} too)", "one entry"
            )
        ciphertexts = _ciphertexts(value)
        for ciphertext in ciphertexts:
            register_secret(ciphertext)  # never printed, wherever a message quotes it
        if _is_secure(value):
            config[key] = UNDECRYPTED_SECRET
            secret_keys.append(key)
        elif _mentions_secure(value):
            raise ConfigError(
                key,
                f"in {path.name} holds a nested secure value, which cannot be decrypted offline"
                if _holds_secure(value)
                else f"in {path.name} has a `secure` entry that is not one ciphertext string",
                "`secure: <ciphertext>` as the whole value (pulumi config set --secret), or "
                "plain values",
            )
        elif isinstance(value, list | dict):
            config[key] = json.dumps(value)
        else:
            config[key] = texts.get(str(written), "" if value is None else str(value))
    return config, secret_keys


def _config_key(key: str, path: Path) -> str:
    """`<namespace>:<name>`, or the legacy `<namespace>:config:<name>` the Pulumi CLI still
    reads as `<namespace>:<name>` (`ParseKey` in pulumi/pulumi
    sdk/go/common/resource/config/key.go); any other key it refuses, and so does this."""
    parts = key.split(":")
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    if len(parts) != 2 or not all(parts):
        raise ConfigError(
            key,
            f"in {path.name} is not a <namespace>:<name> config key (the Pulumi CLI "
            "refuses it too)",
            f"{PROJECT}:{key.rsplit(':', 1)[-1]} for this project's keys",
        )
    return key


def run_stack(
    stack: str,
    project_dir: Path = PROJECT_DIR,
    preview: bool = True,
    mocks: pulumi.runtime.Mocks | None = None,
    timeout: float | None = None,
) -> OfflineRun:
    """Run the project's own `__main__.py` with a stack's config, as `pulumi preview` would:
    in the project directory, so the program finds the project's own files (function/)."""
    project_file = project_dir / "Pulumi.yaml"
    declared_keys(project_file)  # a broken Pulumi.yaml is reported before anything runs
    config, secret_keys = stack_config(stack, project_dir)
    main = project_dir / "__main__.py"
    if not main.is_file():
        raise CliError(f"{main}: no program", "run in a project directory with __main__.py")

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")

    with run_context(project_file), chdir(project_dir):
        return run_program(
            program,
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            preview=preview,
            mocks=mocks,
            root=project_dir,
            timeout=timeout,
        )
