"""The one error type for bad configuration, so every message has the same shape."""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(ValueError):
    """A configuration value is invalid.

    Raised before any resource is registered, so a bad stack never half-deploys.
    The message always names the key and, where there is a closed set, the allowed values.
    """

    def __init__(self, key: str, problem: str, allowed: Iterable[object] | str | None = None):
        self.key = key
        self.problem = problem
        if allowed is None or isinstance(allowed, str):
            self.allowed = allowed
        else:
            self.allowed = ", ".join(str(value) for value in allowed)
        message = f"{key}: {problem}"
        if self.allowed:
            message += f" (allowed: {self.allowed})"
        super().__init__(message)
