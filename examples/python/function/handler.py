"""The example's function: counts the documents in the `items` collection.

MongoLambda packages this folder (`sourceDir: ./function`, relative to the program's
directory) for the function's architecture and runtime: this file is the code; the pinned
requirements.txt, plus the toolkit's `atlas_lambda` helper imported below, go into the
dependency layer. Start from here, or from the repository's `function/` (a full HTTP API).
"""

import json
from typing import Any

from atlas_lambda import get_client, invocation_deadline


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # One client per execution environment (get_client), every call bounded by the time
    # Lambda has left; MONGODB_URI names the database.
    with invocation_deadline(context):
        count = get_client().get_default_database()["items"].count_documents({})
    return {"statusCode": 200, "body": json.dumps({"items": count})}
