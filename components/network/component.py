"""Network: the VPC and private subnets the function and the endpoint live in.

Either an existing VPC and its private subnets, or a new VPC with one private subnet per
availability zone. No NAT and no internet gateway: the function talks only to Atlas over
PrivateLink, and MONGODB-AWS needs no call from the function to STS (Atlas makes it).
"""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..args_check import check_args
from ..errors import ConfigError
from ..private_endpoint.zones import zones_for_subnets
from ..tagging import resource_tags, validate_tags

MIN_AVAILABILITY_ZONES = 2
MAX_AVAILABILITY_ZONES = 6
SUBNET_PREFIX = 20
VPC_ID = re.compile(r"vpc-[0-9a-f]{8,17}")
SUBNET_ID = re.compile(r"subnet-[0-9a-f]{8,17}")


class NetworkArgs(TypedDict):
    """Inputs of Network: give `vpc_id` and `subnet_ids`, or neither to create a VPC."""

    vpc_id: NotRequired[pulumi.Input[str]]
    """An existing VPC."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Its private subnets, in at least two availability zones."""
    vpc_cidr: NotRequired[str]
    """CIDR of a created VPC, 10.0.0.0/16 by default."""
    availability_zones: NotRequired[int]
    """How many AZs get a private subnet when the VPC is created (2 by default)."""
    preferred_zones: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Zone names a created VPC's subnets use first, e.g. `PrivateEndpoint.service_zones`:
    an interface endpoint can only use zones its service serves."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every taggable resource, besides `pulumi:project` and `pulumi:stack`."""


def _given(value: object) -> bool:
    """An Output counts as given: its value is known only at deploy."""
    return isinstance(value, pulumi.Output) or bool(value)


def validate_network_args(args: NetworkArgs) -> None:
    """Checks what is known now. An id that is another resource's Output (a remote
    consumer's VPC) is unknown until deploy; EC2 itself then refuses a bad one."""
    vpc_id, subnet_ids = args.get("vpc_id"), args.get("subnet_ids")
    if _given(vpc_id) or _given(subnet_ids):
        if not _given(vpc_id) or (isinstance(vpc_id, str) and not VPC_ID.fullmatch(vpc_id)):
            raise ConfigError("vpcId", f"{vpc_id!r} is not a VPC id", "vpc-<hex>, with subnetIds")
        if isinstance(subnet_ids, pulumi.Output):
            return
        subnet_ids = list(subnet_ids or [])
        bad = [s for s in subnet_ids if isinstance(s, str) and not SUBNET_ID.fullmatch(s)]
        if bad or len(subnet_ids) < MIN_AVAILABILITY_ZONES:
            raise ConfigError(
                "subnetIds",
                f"need at least {MIN_AVAILABILITY_ZONES} private subnet ids, got {subnet_ids}",
                "subnet-<hex> ids in distinct availability zones",
            )
        return
    zones = args.get("availability_zones", MIN_AVAILABILITY_ZONES)
    if not MIN_AVAILABILITY_ZONES <= zones <= MAX_AVAILABILITY_ZONES:
        raise ConfigError(
            "availabilityZones", f"{zones}", f"{MIN_AVAILABILITY_ZONES}-{MAX_AVAILABILITY_ZONES}"
        )
    cidr = args.get("vpc_cidr", "10.0.0.0/16")
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError as error:
        raise ConfigError("vpcCidr", f"{cidr!r}: {error}", "an IPv4 CIDR from /16 to /20") from None
    room = 2 ** (SUBNET_PREFIX - network.prefixlen) if network.prefixlen <= SUBNET_PREFIX else 0
    if network.prefixlen < 16 or room < zones:
        raise ConfigError(
            "vpcCidr", f"{cidr} cannot hold {zones} /{SUBNET_PREFIX} subnets", "/16 up to /18"
        )


def subnet_cidrs(vpc_cidr: str, count: int) -> list[str]:
    """The first `count` /20 blocks of the VPC, one per availability zone."""
    blocks = ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=SUBNET_PREFIX)
    return [str(next(blocks)) for _ in range(count)]


class Network(pulumi.ComponentResource):
    """Where the function and the PrivateLink endpoint attach."""

    vpc_id: pulumi.Output[str]
    """The VPC."""
    subnet_ids: pulumi.Output[list[str]]
    """Private subnets, one per availability zone."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, NetworkArgs, "Network")
        validate_tags(args.get("tags"))
        validate_network_args(args)
        super().__init__("atlas-lambda:index:Network", name, {}, opts)
        if _given(args.get("vpc_id")):
            self.vpc_id = pulumi.Output.from_input(args["vpc_id"])
            self.subnet_ids = pulumi.Output.from_input(args["subnet_ids"])
        else:
            self._create(name, args)
        self.register_outputs({"vpc_id": self.vpc_id, "subnet_ids": self.subnet_ids})

    def _create(self, name: str, args: NetworkArgs) -> None:
        child = pulumi.ResourceOptions(parent=self)
        cidr = args.get("vpc_cidr", "10.0.0.0/16")
        count = args.get("availability_zones", MIN_AVAILABILITY_ZONES)
        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=resource_tags(args.get("tags"), f"{name}-vpc"),
            opts=child,
        )
        zones = aws.get_availability_zones_output(
            state="available", opts=pulumi.InvokeOutputOptions(parent=self)
        )
        chosen = pulumi.Output.all(
            zones.names, pulumi.Output.from_input(args.get("preferred_zones"))
        ).apply(lambda pair: zones_for_subnets(pair[0], pair[1], count))
        subnets = [
            aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=vpc.id,
                cidr_block=block,
                availability_zone=chosen[index],
                map_public_ip_on_launch=False,
                tags=resource_tags(args.get("tags"), f"{name}-private-{index}"),
                opts=child,
            )
            for index, block in enumerate(subnet_cidrs(cidr, count))
        ]
        self.vpc_id = vpc.id
        self.subnet_ids = pulumi.Output.all(*[subnet.id for subnet in subnets])
