"""Moved to components/local/lambda_like.py, which `scripts/dev invoke` runs too (nothing
outside tests/ may import from tests/); the tests and benchmarks keep importing it here,
with the compile-counting shim that only the tests need."""

from pathlib import Path

from components.local.lambda_like import *  # noqa: F403

SHIMS = Path(__file__).resolve().parent / "shims"
"""sitecustomize.py there logs every module compiled from source under given roots."""
