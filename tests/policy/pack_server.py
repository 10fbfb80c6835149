"""Start a policy pack as the Pulumi CLI does and hand back its analyzer stub.

The CLI runs `python -u -m pulumi.policy ENGINE DIR` with DIR the working directory and
reads the gRPC port from the first line of stdout. The repository's pack and the installed
toolkit's pack are started the same way, so one helper serves both.
"""

from __future__ import annotations

import selectors
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import analyzer_pb2_grpc

STARTUP_TIMEOUT_S = 60


@contextmanager
def started_pack(
    python: str | Path, pack_arg: str, cwd: Path, env: Mapping[str, str] | None = None
) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """The pack in `cwd` (`pack_arg` as the CLI passes it), run by `python`."""
    process = subprocess.Popen(
        [str(python), "-u", "-m", "pulumi.policy", "127.0.0.1:0", pack_arg],
        cwd=cwd,
        env=None if env is None else dict(env),
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
