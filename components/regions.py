"""AWS region names and the Atlas names for the same regions (`us-east-1` is `US_EAST_1`)."""

from __future__ import annotations

from .errors import ConfigError

# Commercial AWS regions Atlas deploys dedicated clusters to (Atlas docs, "Amazon Web
# Services (AWS)" reference). GovCloud and China are served by separate Atlas offerings
# and are refused here rather than failing half-way through a deploy.
ATLAS_AWS_REGIONS: frozenset[str] = frozenset(
    {
        "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
        "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2",
        "eu-north-1", "eu-south-1", "eu-south-2",
        "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "me-south-1", "me-central-1", "af-south-1", "il-central-1",
    }
)  # fmt: skip


def atlas_region(aws_region: str, key: str = "aws:region") -> str:
    """Return the Atlas name of an AWS region, or refuse a region Atlas does not serve."""
    if aws_region not in ATLAS_AWS_REGIONS:
        raise ConfigError(
            key,
            f"{aws_region!r} is not an AWS region Atlas serves",
            sorted(ATLAS_AWS_REGIONS),
        )
    return aws_region.upper().replace("-", "_")
