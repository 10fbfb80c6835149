"""Probe: the sample handler in a SnapStart function, optionally primed at init.

AWS recommends "priming" for SnapStart: doing at init what the first invocation would do,
so the snapshot already holds it. A function that pings its database at init has, in its
snapshot, a client with an authenticated connection and the MONGODB-AWS credentials that
pymongo-auth-aws caches when they come from the container credentials endpoint (refreshable
credentials; pymongo_auth_aws/auth.py ``aws_temp_credentials``). Every environment restored
from that snapshot would sign with those credentials until they near their expiry, unless
the function's snapshot hooks (atlas_lambda/snapstart.py) drop them.

Environment switches (read at import, i.e. at init):

* ``PRIME_AT_INIT=1``: ping the database at init with the function's own client;
* ``KEEP_CACHED_CREDENTIALS=1``: the control: the hooks run, but without their credential
  reset (``snapstart.forget_cached_aws_credentials`` replaced by a no-op).

An event carrying ``REPORT`` is answered with what this process holds: clients built since
the last restore, restores, the access key pymongo-auth-aws has cached, and whether the
environment carries static AWS keys. Every other event goes to the sample handler.
"""

from __future__ import annotations

import os
from typing import Any

import handler as sample
from atlas_lambda import client as client_module
from atlas_lambda import snapstart

REPORT = "__probe_report__"
PRIME_AT_INIT = "PRIME_AT_INIT"
KEEP_CACHED_CREDENTIALS = "KEEP_CACHED_CREDENTIALS"

if os.environ.get(KEEP_CACHED_CREDENTIALS) == "1":
    snapstart.forget_cached_aws_credentials = lambda: None  # type: ignore[assignment]

if os.environ.get(PRIME_AT_INIT) == "1":
    client_module.get_client().admin.command("ping")


def cached_access_key() -> str | None:
    from pymongo_auth_aws import auth

    cached = auth.get_cached_credentials()
    return None if cached is None else cached.username


def handler(event: object, context: Any) -> Any:
    if isinstance(event, dict) and REPORT in event:
        return {
            "clients_created": client_module.clients_created(),
            "restores": snapstart.restores,
            "cached_access_key": cached_access_key(),
            "static_keys": "AWS_ACCESS_KEY_ID" in os.environ,
        }
    return sample.handler(event, context)
