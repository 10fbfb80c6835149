"""A local implementation of the Lambda Runtime API, enough to drive the real awslambdaric.

Lambda's runtime interface client (awslambdaric, the code Lambda's own Python images run)
long-polls ``GET /2018-06-01/runtime/invocation/next`` and posts each outcome back. This
server plays the Lambda side for one execution environment: tests ``submit`` events, the
runtime client fetches them, and the posted response or error is handed back to the test.

SnapStart: after a ``snap-start`` init the runtime client runs the before-snapshot hooks and
asks ``GET /restore/next``; Lambda answers it when an environment is restored from the
snapshot, and the client then runs the after-restore hooks. It is answered at once unless
``hold_restore()`` was called: then it waits for ``release_restore()``, so a test can act
between the snapshot and the restore (rotate credentials, restart servers).

Two details the real service has and the client depends on: the ``/next`` answer carries
``Content-Type: application/json`` (awslambdaric's native HTTP client waits forever without
it) and the ``Lambda-Runtime-*`` headers (request id, deadline, function ARN, trace id).
"""

from __future__ import annotations

import itertools
import json
import queue
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = f"{API_PREFIX}/invocation/next"
INIT_ERROR_PATH = f"{API_PREFIX}/init/error"
RESTORE_NEXT_PATH = f"{API_PREFIX}/restore/next"
RESTORE_ERROR_PATH = f"{API_PREFIX}/restore/error"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
POLL_SECONDS = 0.2  # how often a waiting /next checks whether the server is stopping


def epoch_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class InvocationResult:
    """What the runtime client posted for one invocation."""

    request_id: str
    kind: str  # "response" or "error"
    raw: bytes
    error_type: str | None
    deadline_ms: int
    finished_ms: int

    @property
    def payload(self) -> Any:
        """The posted body decoded as JSON (the handler's return value, or error details)."""
        return json.loads(self.raw)

    @property
    def before_deadline(self) -> bool:
        """True if the outcome arrived no later than the deadline the invocation was given."""
        return self.finished_ms <= self.deadline_ms


@dataclass
class Invocation:
    """One event on its way through the runtime client."""

    request_id: str
    body: bytes
    timeout_ms: int
    deadline_ms: int = 0
    _done: threading.Event = field(default_factory=threading.Event, repr=False)
    _result: InvocationResult | None = None

    def finish(self, kind: str, raw: bytes, error_type: str | None) -> None:
        self._result = InvocationResult(
            self.request_id, kind, raw, error_type, self.deadline_ms, epoch_ms()
        )
        self._done.set()

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True once the outcome is in."""
        return self._done.wait(seconds)

    def result(self, timeout: float = 0) -> InvocationResult:
        """Wait (at most ``timeout`` seconds) for the outcome."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"invocation {self.request_id} got no outcome in {timeout} s")
        assert self._result is not None
        return self._result


class RuntimeApi:
    """The Lambda side of the Runtime API for one execution environment."""

    def __init__(self, function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:test"):
        self.function_arn = function_arn
        self._queue: queue.Queue[Invocation] = queue.Queue()
        self._in_flight: dict[str, Invocation] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._trace_ids = itertools.count(1)
        self.next_calls = 0
        self.restore_calls = 0
        self.init_errors: list[dict[str, Any]] = []
        self.restore_errors: list[dict[str, Any]] = []
        self.first_poll = threading.Event()
        self.restore_requested = threading.Event()
        """Set when the runtime client asks /restore/next: init done, snapshot hooks run."""
        self._restore_released = threading.Event()
        self._restore_released.set()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_class(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="runtime-api",
            daemon=True,
        )

    @property
    def address(self) -> str:
        """host:port, the value of AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> RuntimeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; waiting ``/next`` polls return 503. Safe to call more than once."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def hold_restore(self) -> None:
        """Leave ``/restore/next`` unanswered until ``release_restore()`` (call before start)."""
        self._restore_released.clear()

    def release_restore(self) -> None:
        """Answer ``/restore/next``: the environment is restored from its snapshot."""
        self._restore_released.set()

    def submit(self, event: Any, timeout_ms: int = 3000) -> Invocation:
        """Queue an event (any JSON value) for the next ``/next`` poll.

        The deadline is set when the runtime client picks the event up, as Lambda does.
        Like Lambda's Invoke API, only valid JSON is accepted (no NaN or Infinity).
        """
        body = json.dumps(event, allow_nan=False).encode()
        invocation = Invocation(str(uuid.uuid4()), body, timeout_ms)
        self._queue.put(invocation)
        return invocation

    # --- called from request threads ---------------------------------------------------

    def _next(self) -> Invocation | None:
        with self._lock:
            self.next_calls += 1
        self.first_poll.set()
        while not self._stopping.is_set():
            try:
                invocation = self._queue.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            invocation.deadline_ms = epoch_ms() + invocation.timeout_ms
            with self._lock:
                self._in_flight[invocation.request_id] = invocation
            return invocation
        return None

    def _finish(self, request_id: str, kind: str, raw: bytes, error_type: str | None) -> bool:
        with self._lock:
            invocation = self._in_flight.pop(request_id, None)
        if invocation is None:
            return False
        invocation.finish(kind, raw, error_type)
        return True

    def _trace_id(self) -> str:
        return f"Root=1-00000000-{next(self._trace_ids):024x};Sampled=0"


class _QuietServer(ThreadingHTTPServer):
    """Threads per request; a runtime process killed mid-poll is expected, not an error."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler_class(api: RuntimeApi) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``api`` (http.server instantiates it per request)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the native client expects
        disable_nagle_algorithm = True  # headers and body go out in two writes

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: a thousand invocations would flood the test output

        def do_GET(self) -> None:
            if self.path == NEXT_PATH:
                invocation = api._next()
                if invocation is None:
                    self._send(HTTPStatus.SERVICE_UNAVAILABLE, b'{"status":"stopping"}')
                    return
                self._send(
                    HTTPStatus.OK,
                    invocation.body,
                    {
                        "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                        "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                        "Lambda-Runtime-Trace-Id": api._trace_id(),
                    },
                )
            elif self.path == RESTORE_NEXT_PATH:
                with api._lock:
                    api.restore_calls += 1
                api.restore_requested.set()
                while not api._restore_released.wait(POLL_SECONDS):
                    if api._stopping.is_set():
                        self._send(HTTPStatus.SERVICE_UNAVAILABLE, b'{"status":"stopping"}')
                        return
                self._send(HTTPStatus.OK, b"")
            else:
                self._send(HTTPStatus.NOT_FOUND, b'{"errorType":"NotFound"}')

        def do_POST(self) -> None:
            body = self._read_body()
            error_type = self.headers.get(ERROR_TYPE_HEADER)
            if self.path in (INIT_ERROR_PATH, RESTORE_ERROR_PATH):
                target = api.init_errors if self.path == INIT_ERROR_PATH else api.restore_errors
                target.append({"error_type": error_type, "body": body.decode(errors="replace")})
                self._send(HTTPStatus.ACCEPTED, b'{"status":"OK"}')
                return
            parts = self.path.split("/")
            # /2018-06-01/runtime/invocation/{id}/{response|error}
            if len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                if api._finish(parts[4], parts[5], body, error_type):
                    self._send(HTTPStatus.ACCEPTED, b'{"status":"OK"}')
                else:
                    self._send(HTTPStatus.BAD_REQUEST, b'{"errorType":"InvalidRequestID"}')
                return
            self._send(HTTPStatus.NOT_FOUND, b'{"errorType":"NotFound"}')

        def _read_body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                chunks = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
