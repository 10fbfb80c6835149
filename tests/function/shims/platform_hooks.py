"""Test shim: what the platform (or an observer) can do to a live environment.

Events carrying one of the keys below are handled here and never reach the sample handler;
every other event goes to the sample handler unchanged.

* ``SET_ENVIRON``: update ``os.environ``, as the platform does when it rotates the
  execution role's credentials (the handler must pick them up for new connections).
* ``CLIENTS``: report whether a client is cached and how many this process has
  built, so a test can tell "same client reconnected" from "client rebuilt", which
  connection counts alone cannot (a network error also makes the monitor reconnect).
* ``RAISE``: raise, to check that the harness reports a handler error as Lambda does.
"""

from __future__ import annotations

import os
from typing import Any

import handler as sample
from atlas_lambda import client as client_module

SET_ENVIRON = "__test_set_environ__"
CLIENTS = "__test_clients__"
RAISE = "__test_raise__"


def handler(event: object, context: Any) -> Any:
    if isinstance(event, dict) and SET_ENVIRON in event:
        os.environ.update(event[SET_ENVIRON])
        return {"environ_set": sorted(event[SET_ENVIRON])}
    if isinstance(event, dict) and CLIENTS in event:
        cached = client_module._DEFAULT_CACHE.cached()
        return {"cached": cached is not None, "created": client_module.clients_created()}
    if isinstance(event, dict) and RAISE in event:
        raise RuntimeError(str(event[RAISE]))
    return sample.handler(event, context)
