"""What the real-cloud test needs, and a skip message that names exactly what is missing.

The test creates an Atlas project and cluster and AWS resources that cost money, so it
runs only when everything is there on purpose: the Pulumi CLI, AWS credentials, an Atlas
API key and the Atlas organization (or project) to create things in.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ORG_ID = "ATLAS_LAMBDA_ORG_ID"
PROJECT_ID = "ATLAS_LAMBDA_PROJECT_ID"
ATLAS_KEY_PAIRS = (
    ("MONGODB_ATLAS_PUBLIC_KEY", "MONGODB_ATLAS_PRIVATE_KEY"),  # API key
    ("MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"),  # service account
)
DEFAULT_REGION = "us-east-1"


def _aws_credentials_found() -> bool:
    import boto3

    return boto3.Session().get_credentials() is not None


@dataclass(frozen=True)
class CloudSettings:
    """Where the ephemeral stack goes: the AWS region and the Atlas org or project."""

    aws_region: str
    org_id: str | None
    project_id: str | None

    def stack_config(self) -> dict[str, str]:
        config = {"aws:region": self.aws_region}
        if self.project_id:
            config["atlas-lambda:projectId"] = self.project_id
        else:
            config["atlas-lambda:orgId"] = self.org_id or ""
        return config


def missing(
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    aws_credentials: Callable[[], bool] = _aws_credentials_found,
) -> list[str]:
    """Everything the cloud test lacks, each named with how to provide it."""
    env = os.environ if env is None else env
    lacking = []
    if which("pulumi") is None:
        lacking.append("Pulumi CLI (no `pulumi` on PATH)")
    if not aws_credentials():
        lacking.append("AWS credentials (boto3 found none: AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)")
    if not any(env.get(a) and env.get(b) for a, b in ATLAS_KEY_PAIRS):
        pairs = " or ".join("/".join(pair) for pair in ATLAS_KEY_PAIRS)
        lacking.append(f"Atlas credentials ({pairs})")
    if not (env.get(ORG_ID) or env.get(PROJECT_ID)):
        lacking.append(f"Atlas organization to create the project in ({ORG_ID} or {PROJECT_ID})")
    return lacking


def settings(env: Mapping[str, str] | None = None) -> CloudSettings:
    env = os.environ if env is None else env
    return CloudSettings(
        aws_region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        org_id=env.get(ORG_ID) or None,
        project_id=env.get(PROJECT_ID) or None,
    )
