"""AWS region names and the Atlas names for the same regions (`us-east-1` is `US_EAST_1`)."""

from __future__ import annotations

from pulumi_aws import Region

from ..errors import ConfigError

# Atlas "Amazon Web Services (AWS)" reference: "Atlas supports all AWS regions other than
# some regions in China and US GovCloud" (mongodb.com/docs/atlas/reference/amazon-aws/).
# Those, and the isolated and sovereign partitions, are served by separate offerings (or
# not at all) and are refused here rather than failing half-way through a deploy.
OTHER_PARTITION_PREFIXES: tuple[str, ...] = ("cn-", "us-gov-", "us-iso", "eu-isoe-", "eusc-")

# Derived from pulumi_aws's Region enum, so a region AWS opens reaches us with the SDK.
ATLAS_AWS_REGIONS: frozenset[str] = frozenset(
    region.value for region in Region if not region.value.startswith(OTHER_PARTITION_PREFIXES)
)


def atlas_region(aws_region: str, key: str = "aws:region") -> str:
    """Return the Atlas name of an AWS region, or refuse a region Atlas does not serve."""
    if aws_region not in ATLAS_AWS_REGIONS:
        raise ConfigError(
            key,
            f"{aws_region!r} is not an AWS region Atlas serves",
            sorted(ATLAS_AWS_REGIONS),
        )
    return aws_region.upper().replace("-", "_")
