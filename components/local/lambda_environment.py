"""One Lambda execution environment: the handler in its own process under awslambdaric.

As on Lambda, the process imports the handler once and then serves invocation after
invocation; ``freeze``/``thaw`` are SIGSTOP/SIGCONT, which is what Lambda does to an idle
environment. Setting AWS_LAMBDA_RUNTIME_API (to our local RuntimeApi) is also what makes
PyMongo detect a FaaS environment, exactly as on Lambda.

The code root is a parameter: function/ in the source tree, or an unpacked artifact.

SnapStart (``init_type="snap-start"``, ``hold_restore=True``): ``launch()``, then
``snapshot()`` returns once init is done and the before-snapshot hooks ran, with the
process frozen as in a snapshot; ``restore()`` thaws it, lets the runtime client run the
after-restore hooks and waits for its first poll, as a restored environment does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from .runtime_api import InvocationResult, RuntimeApi

DEFAULT_TIMEOUT_MS = 3000  # Lambda's default function timeout
READY_SECONDS = 30.0  # bound on process start + handler import
RESULT_GRACE_SECONDS = 10.0  # how long past its deadline an outcome is waited for

# Variables Lambda sets in every environment (values for a test function). Credentials,
# MONGODB_URI and anything test-specific come from the caller.
LAMBDA_ENVIRON: Mapping[str, str] = {
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
    "AWS_LAMBDA_LOG_STREAM_NAME": "test",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_STS_REGIONAL_ENDPOINTS": "regional",
    "TZ": ":UTC",
    "LANG": "C.UTF-8",
    # Keep boto3 (MONGODB-AWS) on the environment variables: no files, no metadata service.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "PYTHONDONTWRITEBYTECODE": "1",  # never write __pycache__ into the code root
    "PYTHONUNBUFFERED": "1",
}


class LambdaEnvironment:
    """A runtime-client process plus the Runtime API it talks to."""

    def __init__(
        self,
        code_root: Path,
        environ: Mapping[str, str],
        *,
        handler: str = "handler.handler",
        extra_paths: Iterable[Path] = (),
        function_name: str = "atlas-lambda-test",
        init_type: str = "on-demand",
        hold_restore: bool = False,
    ) -> None:
        self.code_root = Path(code_root).resolve()
        self.handler = handler
        self.api = RuntimeApi(f"arn:aws:lambda:us-east-1:000000000000:function:{function_name}")
        if hold_restore:
            self.api.hold_restore()
        python_path = [str(self.code_root), *(str(Path(p).resolve()) for p in extra_paths)]
        self._environ = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            **LAMBDA_ENVIRON,
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": init_type,
            "LAMBDA_TASK_ROOT": str(self.code_root),
            "_HANDLER": handler,
            "PYTHONPATH": os.pathsep.join(python_path),
            **environ,
        }
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._process: subprocess.Popen[bytes] | None = None
        self._frozen = False

    # --- lifecycle ---------------------------------------------------------------------

    def start(self, ready_seconds: float = READY_SECONDS) -> LambdaEnvironment:
        """Start the process; return once it polls for its first invocation."""
        return self.launch().wait_ready(ready_seconds)

    def launch(self) -> LambdaEnvironment:
        """Start the process without waiting (to start several environments at once)."""
        self.api.start()
        self._environ["AWS_LAMBDA_RUNTIME_API"] = self.api.address
        self._process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", self.handler],
            cwd=self.code_root,
            env=self._environ,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait_ready(self, ready_seconds: float = READY_SECONDS) -> LambdaEnvironment:
        """Wait until the handler is imported and the runtime client polls for work."""
        assert self._process is not None, "launch() first"
        deadline = time.monotonic() + ready_seconds
        while not self.api.first_poll.wait(0.05):
            if self._process.poll() is not None or self.api.init_errors:
                raise RuntimeError(f"runtime failed to start:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"runtime not ready in {ready_seconds} s:\n{self.log()}")
        return self

    def snapshot(self, ready_seconds: float = READY_SECONDS) -> LambdaEnvironment:
        """SnapStart (with ``hold_restore``): wait until init is done and the before-snapshot
        hooks ran (the runtime client asks /restore/next), then freeze the process."""
        assert self._process is not None, "launch() first"
        deadline = time.monotonic() + ready_seconds
        while not self.api.restore_requested.wait(0.05):
            if self._process.poll() is not None or self.api.init_errors:
                raise RuntimeError(f"runtime failed before the snapshot:\n{self.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no snapshot point in {ready_seconds} s:\n{self.log()}")
        self.freeze()
        return self

    def restore(self, ready_seconds: float = READY_SECONDS) -> LambdaEnvironment:
        """Resume a snapshot: thaw, answer /restore/next (the runtime client runs the
        after-restore hooks), and wait for the first poll for an invocation."""
        self.thaw()
        self.api.release_restore()
        self.wait_ready(ready_seconds)
        if self.api.restore_errors:
            raise RuntimeError(f"after-restore hooks failed: {self.api.restore_errors}")
        return self

    def stop(self) -> None:
        """Kill the process (as Lambda reclaims an environment) and stop the API."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            if self._frozen:
                os.kill(process.pid, signal.SIGCONT)
            process.kill()
            process.wait(10)
        self.api.stop()

    def close(self) -> None:
        """stop(), then release the process log."""
        self.stop()
        self._log.close()

    def __enter__(self) -> LambdaEnvironment:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("not started")
        return self._process.pid

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def freeze(self) -> None:
        """SIGSTOP: every thread stops, sockets stay open, monotonic time keeps counting."""
        os.kill(self.pid, signal.SIGSTOP)
        self._frozen = True

    def thaw(self) -> None:
        os.kill(self.pid, signal.SIGCONT)
        self._frozen = False

    # --- invocations -------------------------------------------------------------------

    def invoke(self, event: Any, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> InvocationResult:
        """Run one invocation and return what the runtime client posted."""
        invocation = self.api.submit(event, timeout_ms)
        give_up = time.monotonic() + timeout_ms / 1000 + RESULT_GRACE_SECONDS
        while not invocation.wait(0.05):
            if not self.alive():
                raise RuntimeError(f"runtime process exited during an invocation:\n{self.log()}")
            if time.monotonic() > give_up:
                raise TimeoutError(f"no outcome for {invocation.request_id}:\n{self.log()}")
        return invocation.result()

    def invoke_many(
        self, events: Iterable[Any], timeout_ms: int = DEFAULT_TIMEOUT_MS
    ) -> list[InvocationResult]:
        """Invoke one event after another (an environment runs one invocation at a time)."""
        return [self.invoke(event, timeout_ms) for event in events]

    def log(self, tail_bytes: int = 8000) -> str:
        """The end of the process's stdout/stderr, for failure messages."""
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - tail_bytes))
        return self._log.read().decode(errors="replace")
