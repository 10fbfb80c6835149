"""`python -m components.packaging`: build the function package and print what it holds."""

import sys

from .build import main

sys.exit(main())
