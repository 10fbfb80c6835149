"""The enumerated values of the components' args as `Literal` types, so mypy and pyright
catch a mistyped tier or runtime in a consumer's program before Pulumi runs it.

Each alias mirrors the tuple the guardrails validate against; a test keeps them equal.
"""

from __future__ import annotations

from typing import Literal

Tier = Literal[
    "M10", "M20", "M30", "M40", "R40", "M50", "M60", "M80", "R80", "M140", "M200", "M300",
    "M0", "FLEX",
]  # fmt: skip
"""Atlas cluster tiers (`guardrails.tiers.ALL_TIERS`)."""

ClusterType = Literal["REPLICASET", "SHARDED"]
"""Atlas cluster types this toolkit declares (`guardrails.rules.CLUSTER_TYPES`)."""

MongoDBMajorVersion = Literal["7.0", "8.0"]
"""MongoDB major versions offered (`cluster.component.MONGODB_MAJOR_VERSIONS`)."""

Runtime = Literal["python3.11", "python3.12", "python3.13", "python3.14"]
"""Lambda Python runtimes (`guardrails.lambda_limits.PYTHON_RUNTIMES`)."""

Architecture = Literal["arm64", "x86_64"]
"""Lambda instruction set architectures (`guardrails.lambda_limits.ARCHITECTURES`)."""

FunctionUrlAuthType = Literal["AWS_IAM", "NONE"]
"""Function URL auth types (`guardrails.lambda_limits.FUNCTION_URL_AUTH_TYPES`)."""

DatabaseRole = Literal["read", "readWrite", "dbAdmin"]
"""Built-in roles scoped to one database (`database_user.component.DATABASE_ROLES`)."""

NetworkPath = Literal["privateEndpoint", "peering", "natGateway", "public"]
"""How the function reaches Atlas (`guardrails.network_paths.NETWORK_PATHS`)."""

NatGatewayMode = Literal["perZone", "single"]
"""NAT gateways of a created VPC (`guardrails.network_paths.NAT_GATEWAY_MODES`)."""
