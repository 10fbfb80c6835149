"""The databases the function tests run against: the wire-protocol test server, or a real one.

Every backend gives the function a URI and the environment it needs, and says how many
connections the server has accepted. The test server also counts them by kind and injects
faults; a real MongoDB (MONGODB_URI set) is used as it is, in a database of its own.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

from tests.harness.aws_auth import AwsAuthVerifier, AwsIdentity
from tests.harness.wire_server import WireServer

IDENTITY_A = AwsIdentity("AKIATESTIDENTITYA001", "secret-a", "session-token-a")
IDENTITY_B = AwsIdentity("AKIATESTIDENTITYB002", "secret-b", "session-token-b")
REAL_URI_ENV_VAR = "MONGODB_URI"
NO_REAL_MONGODB = (
    "MONGODB_URI is not set: no real MongoDB to run against (the wire-protocol test server"
    " runs these tests; set MONGODB_URI to a credential-free URI to add a real server)"
)


class Backend(Protocol):
    """A database the function can be pointed at."""

    name: str
    uri: str
    environ: dict[str, str]

    def connections_created(self) -> int | None:
        """Connections the server has accepted so far (None: this server will not say)."""
        ...

    def close(self) -> None: ...


@dataclass
class WireServerBackend:
    """The mockupdb-based server, requiring MONGODB-AWS with IDENTITY_A."""

    name: str = "mockupdb"
    verifier: AwsAuthVerifier = field(default_factory=lambda: AwsAuthVerifier([IDENTITY_A]))
    load_balanced: bool = False
    """Answer as mongos behind a load balancer (the shard-optimized string's mode)."""
    server: WireServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = WireServer(auth=self.verifier, load_balanced=self.load_balanced).start()

    @property
    def uri(self) -> str:
        return self.server.uri

    @property
    def environ(self) -> dict[str, str]:
        return IDENTITY_A.environ()

    def connections_created(self) -> int | None:
        return self.server.stats().accepted

    def close(self) -> None:
        self.server.stop()
        assert not self.server.errors, "test server errors:\n" + "\n".join(self.server.errors)


@dataclass
class RealMongoBackend:
    """A real MongoDB from MONGODB_URI; each backend uses its own, dropped, database.

    The function refuses a URI with credentials, so this URI must carry none: a local
    mongod without auth, or MONGODB-AWS with AWS_* credentials in the test environment.
    """

    uri: str
    name: str = "mongodb"
    database: str = field(default_factory=lambda: f"atlas_lambda_test_{uuid.uuid4().hex[:12]}")
    _observing: MongoClient | None = field(default=None, repr=False)

    @property
    def environ(self) -> dict[str, str]:
        passed = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
        env = {name: os.environ[name] for name in passed if name in os.environ}
        return {**env, "MONGODB_DATABASE": self.database}

    def _observer(self) -> MongoClient:
        return MongoClient(self.uri, appName="atlas-lambda-tests", serverSelectionTimeoutMS=10_000)

    def connections_created(self) -> int | None:
        """serverStatus ``connections.totalCreated`` of the server the observer reaches.

        Server-wide, so other clients add to it; tests compare a delta against a bound far
        below one connection per invocation.
        """
        if self._observing is None:
            self._observing = self._observer()
        try:
            status = self._observing.admin.command("serverStatus")
        except OperationFailure:
            return None  # this user may not run serverStatus
        return int(status["connections"]["totalCreated"])

    def close(self) -> None:
        observer = self._observing or self._observer()
        try:
            observer.drop_database(self.database)
        except PyMongoError:
            pass
        finally:
            observer.close()
