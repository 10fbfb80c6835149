"""atlas-lambda: read the stack's config, compose the components, export the outputs."""

import pulumi

from components.stack.compose import compose
from components.stack.config import load_settings

for name, value in compose(load_settings()).items():
    pulumi.export(name, value)
