"""Moved to components/local/aws_auth.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.aws_auth import *  # noqa: F403
