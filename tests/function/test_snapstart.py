"""SnapStart: the snapshot holds the imports and no socket; restores regain uniqueness.

AWS Lambda docs: "Lambda SnapStart runtime hooks for Python" (hooks registered with
snapshot_restore_py; before-snapshot hooks run in reverse order, after-restore hooks in
order) and "Handling uniqueness with Lambda SnapStart" (state generated at init, such as
random seeds and unique ids, is shared by every environment restored from the snapshot).
The hooks are run by the real runtime client (awslambdaric's lambda_runtime_hooks_runner,
which also drives the SnapStart init of the harness) and the real snapshot_restore_py.
"""

from __future__ import annotations

import os
import random
import struct
import sys
from collections.abc import Iterator

import pytest
import snapshot_restore_py
from atlas_lambda import client as client_module
from atlas_lambda import snapstart
from awslambdaric.lambda_runtime_hooks_runner import run_after_restore, run_before_snapshot
from bson import ObjectId

from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event

PROBE = "snapstart_probe.handler"


@pytest.fixture
def hook_registries() -> Iterator[None]:
    """Keep this process's hook registries as they were (they are module globals)."""
    before = list(snapshot_restore_py.get_before_snapshot())
    after = list(snapshot_restore_py.get_after_restore())
    snapshot_restore_py.get_before_snapshot().clear()
    snapshot_restore_py.get_after_restore().clear()
    yield
    snapshot_restore_py.get_before_snapshot()[:] = before
    snapshot_restore_py.get_after_restore()[:] = after


def restore_in_child(run_hooks: bool) -> tuple[bytes, bytes, float]:
    """Fork this initialised process as a restore would resume it; return the child's
    ObjectId random part, its counter and its next ``random.random()``.

    A restore differs from a fork in two ways that matter here, undone in the child: the
    pid stays the same (bson renews ObjectId's random part when the pid changes), and
    ``random`` keeps its state (the random module reseeds in an at-fork hook).
    """
    state_at_snapshot = random.getstate()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read_end)
            ObjectId._pid = os.getpid()
            random.setstate(state_at_snapshot)
            if run_hooks:
                run_after_restore()
            oid = ObjectId().binary
            os.write(write_end, oid[4:9] + oid[9:12] + struct.pack("d", random.random()))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        data = reader.read()
    os.waitpid(pid, 0)
    assert len(data) == 16, "the child reported nothing"
    return data[:5], data[5:8], struct.unpack("d", data[8:])[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_two_restores_of_one_snapshot_mint_different_object_ids(hook_registries: None) -> None:
    ObjectId()  # init code that already made an ObjectId: its random part is in the snapshot
    assert snapstart.prepare_for_snapshot()
    run_before_snapshot()
    first, second = restore_in_child(run_hooks=True), restore_in_child(run_hooks=True)
    assert first[0] != second[0], "ObjectId random parts repeat across restores"
    assert first[1] != second[1], "ObjectId counters repeat across restores"
    assert first[2] != second[2], "random yields the same sequence in both restores"
    assert first[0] != ObjectId().binary[4:9]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_without_the_hook_restores_share_object_id_state(hook_registries: None) -> None:
    """The simulation is faithful: with no hook, both restores repeat the snapshot's state."""
    ObjectId()
    first, second = restore_in_child(run_hooks=False), restore_in_child(run_hooks=False)
    assert first == second


def test_hooks_registered_only_under_snap_start_init(hook_registries: None) -> None:
    assert not snapstart.prepare_if_snap_start({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"})
    assert snapshot_restore_py.get_after_restore() == []
    assert snapstart.prepare_if_snap_start({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})
    assert [f for f, _, _ in snapshot_restore_py.get_before_snapshot()] == [
        snapstart.before_snapshot
    ]
    assert [f for f, _, _ in snapshot_restore_py.get_after_restore()] == [snapstart.after_restore]
    for name in snapstart.FIRST_INVOCATION_MODULES:
        assert name in sys.modules, f"{name} not imported at init"


def test_without_snapshot_restore_py_nothing_happens(
    hook_registries: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside Lambda's managed runtimes the library may be missing: import-guarded."""
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)
    assert not snapstart.prepare_if_snap_start({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})


def test_no_client_survives_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A client init code made anyway is closed before the snapshot and not reused after."""
    monkeypatch.setenv("MONGODB_URI", "mongodb://127.0.0.1:1/?connect=false")
    made_at_init = client_module.get_client()
    snapstart.before_snapshot()
    snapstart.after_restore()
    fresh = client_module.get_client()
    try:
        assert fresh is not made_at_init
    finally:
        client_module.discard_client(fresh)


@pytest.mark.parametrize("init_type", ["snap-start", "on-demand"])
def test_snap_start_init_moves_the_first_invocation_imports_into_the_snapshot(
    wire_backend: WireServerBackend, start_environment: StartEnvironment, init_type: str
) -> None:
    """Under the real runtime client: after SnapStart init (hooks run, restore requested),
    the first MONGODB-AWS invocation imports none of the driver's modules; after on-demand
    init it imports the signing path, which is what a restore would otherwise pay for."""
    env = start_environment(
        wire_backend.uri, wire_backend.environ, handler=PROBE, init_type=init_type
    )
    assert env.invoke(http_event("GET", "/health")).payload["statusCode"] == 200
    new = env.invoke({"__test_new_modules__": True}).payload["new"]
    restores = env.invoke({"__test_restores__": True}).payload["restores"]
    if init_type == "snap-start":
        assert (env.api.restore_calls, restores, env.api.restore_errors) == (1, 1, [])
        assert new == []
    else:
        assert (env.api.restore_calls, restores) == (0, 0)
        assert "pymongo_auth_aws" in new
    assert wire_backend.server.stats().accepted_pool == 1
