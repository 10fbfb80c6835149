"""atlas-lambda: read the stack's config, declare AtlasLambda, export its outputs."""

import pulumi

from components.stack.program import stack_program

for name, value in stack_program().items():
    pulumi.export(name, value)
