"""Test shim: what a SnapStart environment holds before and after its first invocation.

Imports the sample handler (which prepares for the snapshot under SnapStart init) and
records ``sys.modules`` right then, i.e. what the snapshot would hold. Events carrying
``NEW_MODULES`` report the modules of the driver's packages imported since; ``RESTORES``
reports how often the after-restore hook ran. Every other event goes to the sample handler.
"""

from __future__ import annotations

import sys
from typing import Any

import handler as sample
from atlas_lambda import snapstart

NEW_MODULES = "__test_new_modules__"
RESTORES = "__test_restores__"
# The packages whose import a cold start pays for on the way to the database.
WATCHED = ("pymongo", "bson", "pymongo_auth_aws", "boto3", "botocore", "dns")

AT_INIT = frozenset(sys.modules)


def handler(event: object, context: Any) -> Any:
    if isinstance(event, dict) and NEW_MODULES in event:
        new = set(sys.modules) - AT_INIT
        return {"new": sorted(name for name in new if name.split(".")[0] in WATCHED)}
    if isinstance(event, dict) and RESTORES in event:
        return {"restores": snapstart.restores}
    return sample.handler(event, context)
