"""The harness itself: the Runtime API paths the function tests rely on but rarely hit."""

from __future__ import annotations

import pytest

from tests.function.backends import WireServerBackend
from tests.function.conftest import StartEnvironment
from tests.harness.events import http_event


def test_import_failure_is_posted_as_an_init_error(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    with pytest.raises(RuntimeError, match="runtime failed to start"):
        start_environment(wire_backend.uri, handler="no_such_module.handler")


def test_handler_exception_is_posted_as_an_invocation_error(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    env = start_environment(
        wire_backend.uri, wire_backend.environ, handler="platform_hooks.handler"
    )
    result = env.invoke({"__test_raise__": "boom"})
    assert result.kind == "error"
    assert result.payload["errorType"] == "RuntimeError"
    assert result.payload["errorMessage"] == "boom"
    # The environment keeps serving after a failed invocation, as on Lambda.
    assert env.invoke(http_event("GET", "/health")).payload["statusCode"] == 200


def test_runtime_client_sees_the_lambda_context(
    wire_backend: WireServerBackend, start_environment: StartEnvironment
) -> None:
    """Deadline header -> context.get_remaining_time_in_millis(): a short one leaves no time."""
    env = start_environment(wire_backend.uri, wire_backend.environ)
    assert env.invoke(http_event("GET", "/health"), timeout_ms=100).payload["statusCode"] == 503
    assert env.invoke(http_event("GET", "/health"), timeout_ms=5000).payload["statusCode"] == 200
