"""The stack program: read the config, declare AtlasLambda, export its outputs.

`__main__.py` only exports what `stack_program()` returns, so the whole program is testable
under the mock engine through this function.
"""

from __future__ import annotations

import pulumi

from ..errors import ConfigError
from ..names import camel_case
from ..pattern.component import AtlasLambda
from .config import load_args

# The pattern's name in the stack; its children are `app-atlas`, `app-lambda`, ...
RESOURCE_NAME = "app"
# Before AtlasLambda, the stack declared these components at the top level under their
# bare names; an alias on each keeps a deployed stack's resources (the cluster among them)
# instead of replacing them. Their own children follow: Pulumi derives a child's alias
# from its parent's when the child's name starts with the parent's.
LEGACY_NAMES = ("atlas", "privatelink", "network", "lambda", "db-user")


def alias_legacy_names(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    """For the pattern's direct children: an alias to the old top-level name."""
    prefix = f"{RESOURCE_NAME}-"
    old = args.name.removeprefix(prefix)
    parent = args.opts.parent if args.opts else None
    if not (isinstance(parent, AtlasLambda) and args.name.startswith(prefix)):
        return None
    if old not in LEGACY_NAMES:
        return None
    alias = pulumi.Alias(name=old, parent=pulumi.ROOT_STACK_RESOURCE)
    opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(aliases=[alias]))
    return pulumi.ResourceTransformationResult(args.props, opts)


def stack_program() -> dict[str, pulumi.Output]:
    """Declare the stack's resources and return the outputs worth exporting."""
    args = load_args()
    try:
        app = AtlasLambda(
            RESOURCE_NAME, args, opts=pulumi.ResourceOptions(transformations=[alias_legacy_names])
        )
    except ConfigError as error:
        # The component names its args in snake_case; a stack user typed the config key.
        if error.key not in args:
            raise
        raise ConfigError(camel_case(error.key), error.problem, error.allowed) from None
    return app.stack_outputs()
