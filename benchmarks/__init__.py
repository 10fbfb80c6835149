"""Side-by-side measurements of atlas-lambda: `python -m benchmarks [--quick]`.

Every figure is measured in one run next to its reference, repeated, and reported as the
median with min and max, and as a ratio to the reference where there is one. Results are
documentation (benchmarks/results/), not build output. See benchmarks/cli.py.
"""
