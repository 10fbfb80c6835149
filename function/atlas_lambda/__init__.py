"""Runtime helpers for an AWS Lambda function that talks to MongoDB Atlas.

The rules come from MongoDB's "Manage Connections with AWS Lambda" page: one client per
execution environment, created lazily and reused by every invocation, credentials from the
environment only, and every database call bounded by the invocation's remaining time.
"""

from .client import (
    AUTHENTICATION_FAILED,
    LAMBDA_CLIENT_DEFAULTS,
    ClientConfigurationError,
    client_for_invocation,
    client_options,
    clients_created,
    create_client,
    discard_client,
    get_client,
    refuse_uri_credentials,
)
from .deadline import DEFAULT_SAFETY_MARGIN_MS, DeadlineExceeded, invocation_deadline
from .version import __version__

__all__ = [
    "AUTHENTICATION_FAILED",
    "DEFAULT_SAFETY_MARGIN_MS",
    "LAMBDA_CLIENT_DEFAULTS",
    "ClientConfigurationError",
    "DeadlineExceeded",
    "__version__",
    "client_for_invocation",
    "client_options",
    "clients_created",
    "create_client",
    "discard_client",
    "get_client",
    "invocation_deadline",
    "refuse_uri_credentials",
]
