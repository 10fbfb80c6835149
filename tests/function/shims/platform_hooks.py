"""Test shim: lets a test change the environment variables of a running environment.

The sample handler reads AWS credentials from the environment for every new connection;
to show that, a test must rotate them inside the live process. An event carrying
``SET_ENVIRON`` updates ``os.environ`` (standing in for the platform) and returns; every
other event goes to the sample handler unchanged.
"""

from __future__ import annotations

import os
from typing import Any

import handler as sample

SET_ENVIRON = "__test_set_environ__"


def handler(event: object, context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and SET_ENVIRON in event:
        os.environ.update(event[SET_ENVIRON])
        return {"environ_set": sorted(event[SET_ENVIRON])}
    return sample.handler(event, context)
