"""The container credentials endpoint Lambda serves to SnapStart functions.

A SnapStart function's environment has no ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/
``AWS_SESSION_TOKEN``: Lambda sets ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` instead, and the AWS SDKs' credential chains fetch the
execution role's credentials from that endpoint (AWS Lambda docs, "Activating and managing
Lambda SnapStart", section "Using SnapStart with AWS SDKs"). botocore's ``ContainerProvider``
(botocore/credentials.py) does the fetch: ``GET`` on the full URI, allowed on a loopback
address, with the token as the ``Authorization`` header, and reads ``AccessKeyId``,
``SecretAccessKey``, ``Token`` and ``Expiration`` from the JSON answer. Its credentials
are refreshable (they expire), which is why pymongo-auth-aws caches them
(pymongo_auth_aws/auth.py ``aws_temp_credentials``), unlike credentials from the environment.

This server plays that endpoint on 127.0.0.1: it serves one identity at a time, ``serve``
rotates it, and every request is recorded (which token it carried, which key it got).
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.harness.aws_auth import AwsIdentity

CREDENTIALS_PATH = "/2021-04-23/credentials"
DEFAULT_LIFETIME = datetime.timedelta(hours=1)
"""How long served credentials claim to last: long enough that nothing refreshes them on
its own during a test, so a key seen after a rotation was fetched because of the rotation."""


@dataclass(frozen=True)
class CredentialsRequest:
    """One GET the endpoint answered."""

    path: str
    authorized: bool
    served: str | None
    """The access key id handed out (None: refused)."""


class ContainerCredentialsEndpoint:
    """An HTTP endpoint answering as Lambda's container credentials endpoint does."""

    def __init__(
        self, identity: AwsIdentity, *, lifetime: datetime.timedelta = DEFAULT_LIFETIME
    ) -> None:
        self.token = secrets.token_urlsafe(24)
        self.lifetime = lifetime
        self._identity = identity
        self._lock = threading.Lock()
        self._requests: list[CredentialsRequest] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="container-credentials",
            daemon=True,
        )

    def start(self) -> ContainerCredentialsEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()

    def __enter__(self) -> ContainerCredentialsEndpoint:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{CREDENTIALS_PATH}"

    def environ(self) -> dict[str, str]:
        """What Lambda sets in a SnapStart function's environment instead of the AWS_* keys."""
        return {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
        }

    def serve(self, identity: AwsIdentity) -> None:
        """Hand out ``identity`` from now on (the role's credentials were rotated)."""
        with self._lock:
            self._identity = identity

    def requests(self) -> list[CredentialsRequest]:
        """Every request answered so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def _answer(self, path: str, authorization: str | None) -> tuple[int, bytes]:
        with self._lock:
            identity = self._identity
            authorized = path == CREDENTIALS_PATH and authorization == self.token
            served = identity.access_key_id if authorized else None
            self._requests.append(CredentialsRequest(path, authorized, served))
        if not authorized:
            return HTTPStatus.UNAUTHORIZED, b'{"message":"invalid authorization token"}'
        expiration = datetime.datetime.now(datetime.UTC) + self.lifetime
        body: dict[str, Any] = {
            "AccessKeyId": identity.access_key_id,
            "SecretAccessKey": identity.secret_access_key,
            "Token": identity.session_token,
            "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return HTTPStatus.OK, json.dumps(body).encode()


def _handler_class(endpoint: ContainerCredentialsEndpoint) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            status, body = endpoint._answer(self.path, self.headers.get("Authorization"))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
