"""The stack program: read the config, declare AtlasLambda, export its outputs.

`__main__.py` only exports what `stack_program()` returns, so the whole program is testable
under the mock engine through this function.
"""

from __future__ import annotations

import pulumi

from ..pattern.component import AtlasLambda
from .config import load_args

# The pattern's name in the stack; its children are `app-atlas`, `app-lambda`, ...
RESOURCE_NAME = "app"


def stack_program() -> dict[str, pulumi.Output]:
    """Declare the stack's resources and return the outputs worth exporting."""
    return AtlasLambda(RESOURCE_NAME, load_args()).stack_outputs()
