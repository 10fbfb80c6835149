"""Moved to components/local/lambda_environment.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.lambda_environment import *  # noqa: F403
