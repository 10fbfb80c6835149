"""Reference handler: the least a Lambda needs to ping MongoDB, without this library.

`import pymongo`, construct the client, ping: the tutorial shape (client at module level,
reused by every invocation, driver defaults). The warm and cold-start benchmarks measure
the sample handler against this, under the same runtime client and the same server.
"""

from __future__ import annotations

import os
from typing import Any

import pymongo

client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(os.environ["MONGODB_URI"])


def handler(event: object, context: Any) -> dict[str, Any]:
    return client.admin.command("ping")
