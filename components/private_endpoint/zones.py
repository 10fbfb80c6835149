"""Availability zones an interface VPC endpoint can use: those the Atlas service serves.

Atlas's PrivateLink endpoint service runs in some of a region's zones only, and EC2
refuses an interface endpoint with a subnet in any other zone. The service's zones come
from DescribeVpcEndpointServices (`aws.ec2.get_vpc_endpoint_service_output`), which answers
with zone *names* as the calling account sees them, narrowed to the zones both accounts
share (EC2 API reference, DescribeVpcEndpointServices). Zone names differ between
accounts, so they are compared only with names read in the same account: a subnet's
`availability_zone`, or `get_availability_zones_output().names`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from ..errors import ConfigError


def zones_for_subnets(
    available: Sequence[str], served: Sequence[str] | None, count: int
) -> list[str]:
    """`count` zones for a created VPC: the served ones first, in the region's order.

    The function may use any zone, so when the service serves fewer than `count` the rest
    are filled from the others; the endpoint then uses only the served ones. `served`
    None (not read, e.g. no PrivateLink) keeps the region's order.
    """
    preferred = [zone for zone in available if served is None or zone in served]
    rest = [zone for zone in available if zone not in preferred]
    return (preferred + rest)[:count]


def endpoint_subnets(
    subnet_zones: Mapping[str, str], served: Sequence[str], service_name: str = ""
) -> list[str]:
    """The subnets the interface endpoint may use: one per zone the service serves.

    EC2 takes at most one subnet per zone for an interface endpoint, so the first subnet
    of each served zone is kept (in the given order). None left is a configuration error.
    """
    chosen: dict[str, str] = {}
    for subnet, zone in subnet_zones.items():
        if zone in served and zone not in chosen:
            chosen[zone] = subnet
    if not chosen:
        where = ", ".join(f"{subnet} in {zone}" for subnet, zone in subnet_zones.items())
        raise ConfigError(
            "subnetIds",
            f"no subnet is in an availability zone the Atlas endpoint service "
            f"{service_name or '(unnamed)'} serves: {where}; it serves {', '.join(served)}",
            f"at least one subnet in {', '.join(served)}",
        )
    return list(chosen.values())


def service_zones(
    service_name: pulumi.Input[str], parent: pulumi.Resource
) -> pulumi.Output[list[str]]:
    """The zones (names, this account's view) an endpoint service serves."""
    service = aws.ec2.get_vpc_endpoint_service_output(
        service_name=service_name, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return service.availability_zones.apply(lambda zones: sorted(zones or []))
