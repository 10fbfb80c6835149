"""Moved to components/local/lambda_runtime.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.lambda_runtime import *  # noqa: F403
