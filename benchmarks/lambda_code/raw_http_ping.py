"""Diagnostic handler: the raw ping, answering with the same HTTP response as ``/health``.

The sample handler's ``GET /health`` returns a payload format 2.0 response (status,
headers, JSON body), which the runtime client serializes and posts; ``raw_ping.py`` returns
the ping's reply. This handler does the raw ping and returns /health's response, so the
warm benchmark can tell what answering HTTP at all costs from what the library adds.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pymongo

client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(os.environ["MONGODB_URI"])


def handler(event: object, context: Any) -> dict[str, Any]:
    client.admin.command("ping")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"status": "ok"}, sort_keys=True),
        "isBase64Encoded": False,
    }
