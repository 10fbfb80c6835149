"""The policy pack: its name and every policy, for the CLI entry point and for tests."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy, PolicyPack

from .network_policies import NETWORK_POLICIES
from .resource_policies import RESOURCE_POLICIES
from .stack_policies import STACK_POLICIES

PACK_NAME = "atlas-lambda"
POLICIES: list[Policy] = [*RESOURCE_POLICIES, *STACK_POLICIES, *NETWORK_POLICIES]


def serve() -> None:
    """Start the analyzer the Pulumi CLI talks to (prints its port, then blocks)."""
    PolicyPack(
        name=PACK_NAME,
        policies=POLICIES,
        # Every policy sets its own level; this is for any added without one.
        enforcement_level=EnforcementLevel.MANDATORY,
        description="Guardrails for AWS Lambda functions that use MongoDB Atlas, built on "
        "the atlas-lambda rules.",
    )
