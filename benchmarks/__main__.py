"""`python -m benchmarks [--quick] [--output DIR] [--only SECTION ...]`: see cli.py."""

import sys

from .cli import main

sys.exit(main())
