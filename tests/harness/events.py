"""Moved to components/local/events.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.events import *  # noqa: F403
