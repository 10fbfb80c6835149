"""Moved to components/local/wire_server.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here."""

from components.local.wire_server import *  # noqa: F403
