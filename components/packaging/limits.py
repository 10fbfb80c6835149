"""Lambda's deployment package size limits, checked before a deploy would hit them.

Lambda takes a zip of at most 50 MB through its API (what Pulumi uses for `code`) and at
most 250 MB unzipped for the function and all its layers together; each layer zip has the
same 50 MB cap. The limits are a value, not constants, so tests can trip them cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ArtifactTooLargeError

MB = 1024 * 1024


@dataclass(frozen=True)
class LambdaLimits:
    zipped_bytes: int = 50 * MB
    """Per zip (function code, each layer): 52,428,800 bytes."""
    unzipped_bytes: int = 250 * MB
    """Function plus layers, unzipped: 262,144,000 bytes."""


LAMBDA_LIMITS = LambdaLimits()


def check_limits(
    code: tuple[int, int], layer: tuple[int, int] | None, limits: LambdaLimits = LAMBDA_LIMITS
) -> None:
    """Raise if (zipped, unzipped) sizes of code and optional layer exceed `limits`."""
    if code[0] > limits.zipped_bytes:
        raise ArtifactTooLargeError("the function code zip", code[0], limits.zipped_bytes)
    if layer is not None and layer[0] > limits.zipped_bytes:
        raise ArtifactTooLargeError("the dependency layer zip", layer[0], limits.zipped_bytes)
    unzipped = code[1] + (layer[1] if layer else 0)
    if unzipped > limits.unzipped_bytes:
        what = "the function and its layer, unzipped," if layer else "the function, unzipped,"
        raise ArtifactTooLargeError(what, unzipped, limits.unzipped_bytes)
