"""The anti-pattern, for comparison only: a new MongoClient in every invocation.

Runs the sample handler unchanged except that ``client_for_invocation`` yields a fresh
client each time, the way ``client = MongoClient(uri)`` inside a handler body would.
``handler`` never closes it (the common mistake); ``closing_handler`` closes it at the end
of every invocation (the "tidy" variant: fewer open connections, just as many opened).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import handler as sample
from atlas_lambda.client import create_client


@contextmanager
def _fresh_client() -> Iterator[Any]:
    yield create_client()


@contextmanager
def _fresh_closed_client() -> Iterator[Any]:
    with create_client() as client:
        yield client


def handler(event: object, context: Any) -> dict[str, Any]:
    sample.client_for_invocation = _fresh_client
    return sample.handler(event, context)


def closing_handler(event: object, context: Any) -> dict[str, Any]:
    sample.client_for_invocation = _fresh_closed_client
    return sample.handler(event, context)
