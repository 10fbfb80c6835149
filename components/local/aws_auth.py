"""Server side of MONGODB-AWS: the SASL conversation and the SigV4 check Atlas does via STS.

A real server forwards the client's signed ``sts:GetCallerIdentity`` request to STS, which
recomputes the signature with the caller's secret key. Here botocore recomputes it with the
test credentials the verifier knows, so a client that signs with the wrong secret, the wrong
session token, or stale credentials after a rotation is refused with code 18 exactly like a
real server would.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import bson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

STS_HOST = "sts.amazonaws.com"
STS_REGION = "us-east-1"
STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=15)  # what STS tolerates

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/sts/"
    r"aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class AwsIdentity:
    """Credentials of one IAM principal, as the environment of a Lambda would carry them."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environ(self) -> dict[str, str]:
        """The AWS_* variables a process signing as this identity needs."""
        env = {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
        }
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass(frozen=True)
class AuthAttempt:
    """One finished SASL conversation, as the server saw it."""

    connection_id: int
    access_key_id: str | None
    session_token: str | None
    ok: bool
    reason: str


@dataclass
class Conversation:
    """Per-connection SASL state between saslStart and saslContinue."""

    client_nonce: bytes
    server_nonce: bytes


class AuthFailure(Exception):
    """The client's proof was refused; the message says why (server-side only)."""


def _sign(identity: AwsIdentity, amz_date: str, server_nonce: bytes, region: str) -> str:
    """The SigV4 signature STS would expect for this identity, date and nonce."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-Length": str(len(STS_BODY)),
        "Host": STS_HOST,
        "X-MongoDB-Server-Nonce": base64.standard_b64encode(server_nonce).decode(),
        "X-MongoDB-GS2-CB-Flag": "n",
        "X-Amz-Date": amz_date,
    }
    if identity.session_token:
        headers["X-Amz-Security-Token"] = identity.session_token
    request = AWSRequest(method="POST", url="/", data=STS_BODY, headers=headers)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(identity.access_key_id, identity.secret_access_key, identity.session_token),
        "sts",
        region,
    )
    string_to_sign = signer.string_to_sign(request, signer.canonical_request(request))
    return signer.signature(string_to_sign, request)


class AwsAuthVerifier:
    """Knows the valid identities; plays the server side of the two SASL steps."""

    def __init__(self, identities: list[AwsIdentity] | None = None) -> None:
        self._lock = threading.Lock()
        self._identities: dict[str, AwsIdentity] = {}
        self._attempts: list[AuthAttempt] = []
        for identity in identities or []:
            self.allow(identity)

    def allow(self, identity: AwsIdentity) -> None:
        """Accept signatures from ``identity`` (for example, newly rotated credentials)."""
        with self._lock:
            self._identities[identity.access_key_id] = identity

    def revoke(self, access_key_id: str) -> None:
        """Refuse ``access_key_id`` from now on (expired or rotated-out credentials)."""
        with self._lock:
            self._identities.pop(access_key_id, None)

    def attempts(self) -> list[AuthAttempt]:
        """Every finished conversation so far, oldest first."""
        with self._lock:
            return list(self._attempts)

    def start(self, payload: bytes) -> tuple[Conversation, bytes]:
        """saslStart: read the client nonce, answer with ours and the STS host."""
        first = bson.decode(payload)
        client_nonce = bytes(first.get("r", b""))
        if len(client_nonce) != 32 or first.get("p") != 110:
            raise AuthFailure("malformed client-first message")
        conversation = Conversation(client_nonce, client_nonce + os.urandom(32))
        reply = bson.encode({"s": bson.Binary(conversation.server_nonce), "h": STS_HOST})
        return conversation, reply

    def finish(self, connection_id: int, conversation: Conversation, payload: bytes) -> str:
        """saslContinue: verify the signed request; return the access key id or raise."""
        key_id = token = None
        try:
            final = bson.decode(payload)
            token = final.get("t")
            match = _AUTHORIZATION.match(str(final.get("a", "")))
            if match is None:
                raise AuthFailure("malformed Authorization header")
            key_id = match["key"]
            self._verify(match, str(final.get("d", "")), token, conversation)
        except AuthFailure as exc:
            self._record(AuthAttempt(connection_id, key_id, token, False, str(exc)))
            raise
        except Exception as exc:  # a malformed payload is a refused proof, not a crash
            self._record(AuthAttempt(connection_id, key_id, token, False, repr(exc)))
            raise AuthFailure(f"malformed client-final message: {exc!r}") from exc
        self._record(AuthAttempt(connection_id, key_id, token, True, "signature verified"))
        return key_id

    def _verify(
        self, match: re.Match[str], amz_date: str, token: Any, conversation: Conversation
    ) -> None:
        with self._lock:
            identity = self._identities.get(match["key"])
        if identity is None:
            raise AuthFailure(f"unknown access key id {match['key']}")
        if token != identity.session_token:
            raise AuthFailure("session token does not match the access key")
        if match["region"] != STS_REGION:
            raise AuthFailure(f"signed for region {match['region']}, expected {STS_REGION}")
        try:
            signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
                tzinfo=datetime.UTC
            )
        except ValueError as exc:
            raise AuthFailure("malformed X-Amz-Date") from exc
        if amz_date[:8] != match["date"]:
            raise AuthFailure("credential scope date differs from X-Amz-Date")
        if abs(datetime.datetime.now(datetime.UTC) - signed_at) > MAX_CLOCK_SKEW:
            raise AuthFailure("signature date outside the allowed clock skew")
        expected = _sign(identity, amz_date, conversation.server_nonce, STS_REGION)
        if not hmac.compare_digest(expected, match["signature"]):
            raise AuthFailure("signature does not match")

    def _record(self, attempt: AuthAttempt) -> None:
        with self._lock:
            self._attempts.append(attempt)
