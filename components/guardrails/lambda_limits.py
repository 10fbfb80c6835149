"""Limits the Lambda service enforces, kept in one place for validation and policy."""

from __future__ import annotations

import re

MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10240
# Below this the driver's TLS handshakes and BSON work get a sliver of a vCPU.
MEMORY_ADVISORY_MB = 512
TIMEOUT_MAX_S = 900
ARCHITECTURES: tuple[str, ...] = ("arm64", "x86_64")
# Lambda's Python runtimes, as pulumi_aws's lambda_.Runtime enum lists them (PYTHON3D14 etc.).
PYTHON_RUNTIMES: tuple[str, ...] = ("python3.11", "python3.12", "python3.13", "python3.14")
DEFAULT_RUNTIME = "python3.14"
# AWS Lambda docs, "Improving startup performance with Lambda SnapStart": Python 3.12 and
# later. The same page lists what SnapStart refuses: provisioned concurrency, Amazon EFS,
# ephemeral storage over 512 MB and container images; MongoLambda offers none of them.
SNAP_START_RUNTIMES: tuple[str, ...] = ("python3.12", "python3.13", "python3.14")
FUNCTION_URL_AUTH_TYPES: tuple[str, ...] = ("AWS_IAM", "NONE")
# botocore's Lambda model (botocore/data/lambda/2015-03-31/service-2.json), VpcConfig of the
# CreateFunction request the Terraform provider builds from vpc_config: SubnetIds `max: 16`,
# SecurityGroupIds `max: 5` (the function's own group is one of them).
VPC_SUBNETS_MAX = 16
VPC_SECURITY_GROUPS_MAX = 5
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
)  # fmt: skip

# Environment keys Lambda defines itself; a function that sets one fails to deploy.
RESERVED_ENV_KEYS: frozenset[str] = frozenset(
    {
        "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
        "AWS_EXECUTION_ENV", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)  # fmt: skip
RESERVED_ENV_PREFIXES: tuple[str, ...] = ("AWS_LAMBDA_",)

# Lambda's API pattern for environment variable names.
ENV_KEY_PATTERN = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")


def is_reserved_env_key(key: str) -> bool:
    """True when Lambda owns `key` (it rejects functions that set it)."""
    return key in RESERVED_ENV_KEYS or key.startswith(RESERVED_ENV_PREFIXES)


# Lambda quotas page (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
# 1,000 concurrent executions per Region by default, of which Lambda keeps 100 unreserved
# for functions without reserved concurrency (configuration-concurrency.html).
ACCOUNT_CONCURRENCY_DEFAULT = 1000
UNRESERVED_CONCURRENCY_MINIMUM = 100
