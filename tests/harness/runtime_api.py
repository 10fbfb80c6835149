"""Moved to components/local/runtime_api.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.runtime_api import *  # noqa: F403
