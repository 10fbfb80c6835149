"""Outputs created before `run_program()`: resolve them if they are plain values, else say so.

Every Output's value is an asyncio task on the event loop current when it was created
(`asyncio.ensure_future` in pulumi/output.py), and the SDK tracks it in the global
`SETTINGS.outputs` until it succeeds. A program module that makes one at import time
(`pulumi.Output.from_input("x")`, `pulumi.Output.secret(...)`) puts it on the thread's
default loop; a run then waits for it on its own loop (`wait_for_rpcs` in
pulumi/runtime/stack.py), where it never runs: the run hung forever.

An Output built from plain values needs nothing from the engine, so it is run to its value
on its own loop, first; once done it can be awaited from any loop. One that came from a
resource (registered before the mock engine was set up, so never in the plan), failed, or
cannot finish is refused with one error instead.
"""

from __future__ import annotations

import asyncio

from pulumi.runtime import settings

from ..cli import redact
from .failures import OfflineRunError

# Plain-value Outputs finish in a few turns of their loop; this only bounds a stuck one.
EARLY_OUTPUT_WAIT_S = 5.0
HINT = "create Outputs and resources inside the program function passed to run_program()"


def _refuse(problem: str) -> OfflineRunError:
    return OfflineRunError(f"{problem} before run_program() was called", HINT)


def resolve_early_outputs(wait_s: float = EARLY_OUTPUT_WAIT_S) -> None:
    """Run the Outputs created before this run to their values, or raise OfflineRunError."""
    with settings.SETTINGS.lock:
        early = list(settings.SETTINGS.outputs)
    if not early:
        return
    pending = [task for task in early if not task.done()]
    for loop in {task.get_loop() for task in pending}:
        if loop.is_closed() or loop.is_running():
            raise _refuse("an Output was created on an event loop that is closed or busy")
        mine = [task for task in pending if task.get_loop() is loop]
        loop.run_until_complete(asyncio.wait(mine, timeout=wait_s))
    if any(not task.done() for task in early):
        raise _refuse(f"an Output still unresolved after {wait_s:g} s was created")
    failure = next((task.exception() for task in early if not task.cancelled()
                    and task.exception() is not None), None)  # fmt: skip
    if failure is not None:
        raise _refuse(f"an Output that failed ({redact(str(failure))}) was created")
    if any(task.cancelled() for task in early):
        raise _refuse("an Output that was cancelled was created")
    # A resource's Outputs carry it; its registration is an RPC of the SDK's manager.
    if settings.SETTINGS.rpc_manager.rpcs or any(task.result().resources for task in early):
        raise _refuse("a resource (which the mock engine cannot record) was created")
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.difference_update(early)
