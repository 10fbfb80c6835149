"""Network: the VPC and private subnets the function (and a private endpoint) live in.

Either an existing VPC and its private subnets, or a new VPC with one private subnet per
availability zone. Without `nat_gateways` there is no NAT and no internet gateway: the
function talks only to Atlas over a private path, and MONGODB-AWS needs no call from the
function to STS (Atlas makes it). With `nat_gateways` (the natGateway path) public subnets,
an internet gateway and NAT gateways with Elastic IPs give it fixed public addresses.
"""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..args_check import check_args
from ..errors import ConfigError
from ..guardrails.lambda_limits import VPC_SUBNETS_MAX
from ..private_endpoint.zones import zones_for_subnets
from ..tagging import resource_tags, validate_tags
from ..types import NatGatewayMode
from . import egress

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
    nat_gateways: NotRequired[NatGatewayMode]
    """Created VPC only: public subnets, an internet gateway and a NAT gateway with an
    Elastic IP in each zone (`perZone`) or in the first zone only (`single`); each private
    subnet routes 0.0.0.0/0 to the NAT of its zone. Absent: no route out of the VPC."""
    private_route_tables: NotRequired[bool]
    """Created VPC only: give each private subnet its own route table (always so with
    `nat_gateways`), so routes can be added to every table the subnets use (peering)."""
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
        for created_only in ("nat_gateways", "private_route_tables"):
            if created_only in args:
                raise ConfigError(
                    created_only, "applies only to a created VPC (no vpc_id)",
                    "leave it out with vpc_id: the given VPC's own routes are used",
                )  # fmt: skip
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
        if len(subnet_ids) > VPC_SUBNETS_MAX:
            raise ConfigError(
                "subnetIds",
                f"{len(subnet_ids)} subnets: the function's VPC config takes at most "
                f"{VPC_SUBNETS_MAX} (Lambda CreateFunction, VpcConfig.SubnetIds)",
                f"{MIN_AVAILABILITY_ZONES}-{VPC_SUBNETS_MAX} subnet ids",
            )
        return
    zones = args.get("availability_zones", MIN_AVAILABILITY_ZONES)
    if not MIN_AVAILABILITY_ZONES <= zones <= MAX_AVAILABILITY_ZONES:
        raise ConfigError(
            "availabilityZones", f"{zones}", f"{MIN_AVAILABILITY_ZONES}-{MAX_AVAILABILITY_ZONES}"
        )
    nat = args.get("nat_gateways")
    if nat is not None and nat not in ("perZone", "single"):
        raise ConfigError("natGateways", f"{nat!r} is not supported", "perZone, single")
    cidr = args.get("vpc_cidr", "10.0.0.0/16")
    # Private subnets first, then (with NAT) as many public ones.
    subnets = zones * (2 if nat else 1)
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError as error:
        raise ConfigError("vpcCidr", f"{cidr!r}: {error}", "an IPv4 CIDR from /16 to /20") from None
    room = 2 ** (SUBNET_PREFIX - network.prefixlen) if network.prefixlen <= SUBNET_PREFIX else 0
    if network.prefixlen < 16 or room < subnets:
        raise ConfigError(
            "vpcCidr", f"{cidr} cannot hold {subnets} /{SUBNET_PREFIX} subnets",
            f"/16 up to /{SUBNET_PREFIX - (subnets - 1).bit_length()}",
        )  # fmt: skip


def subnet_cidrs(vpc_cidr: str, count: int) -> list[str]:
    """The first `count` /20 blocks of the VPC, one per availability zone."""
    blocks = ipaddress.IPv4Network(vpc_cidr).subnets(new_prefix=SUBNET_PREFIX)
    return [str(next(blocks)) for _ in range(count)]


class Network(pulumi.ComponentResource):
    """Where the function (and a private endpoint) attach."""

    vpc_id: pulumi.Output[str]
    """The VPC."""
    subnet_ids: pulumi.Output[list[str]]
    """Private subnets, one per availability zone."""
    private_route_table_ids: list[pulumi.Output[str]] | None
    """A created VPC's private route tables (with `nat_gateways` or `private_route_tables`),
    one per subnet; None otherwise (a given VPC's are read where needed)."""
    nat_public_ips: list[pulumi.Output[str]]
    """Each NAT gateway's Elastic IP (created VPC with `nat_gateways`), one per gateway: the
    addresses Atlas must admit. Empty otherwise."""

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, NetworkArgs, "Network")
        validate_tags(args.get("tags"))
        validate_network_args(args)
        super().__init__("atlas-lambda:index:Network", name, {}, opts)
        self.private_route_table_ids, self.nat_public_ips = None, []
        if _given(args.get("vpc_id")):
            self.vpc_id = pulumi.Output.from_input(args["vpc_id"])
            self.subnet_ids = pulumi.Output.from_input(args["subnet_ids"])
        else:
            self._create(name, args)
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "subnet_ids": self.subnet_ids,
                "private_route_table_ids": pulumi.Output.all(
                    *(self.private_route_table_ids or [])
                ),
                "nat_public_ips": pulumi.Output.all(*self.nat_public_ips),
            }
        )

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
        tags = args.get("tags")

        def subnets(kind: str, blocks: list[str]) -> list[aws.ec2.Subnet]:
            """One subnet per zone, in the zones' order; none maps public IPs (a NAT gateway
            has its Elastic IP, and a Lambda interface never gets one)."""
            return [
                aws.ec2.Subnet(
                    f"{name}-{kind}-{index}",
                    vpc_id=vpc.id,
                    cidr_block=block,
                    availability_zone=chosen[index],
                    map_public_ip_on_launch=False,
                    tags=resource_tags(tags, f"{name}-{kind}-{index}"),
                    opts=child,
                )
                for index, block in enumerate(blocks)
            ]

        blocks = subnet_cidrs(cidr, 2 * count if args.get("nat_gateways") else count)
        private = subnets("private", blocks[:count])
        self.vpc_id = vpc.id
        self.subnet_ids = pulumi.Output.all(*[subnet.id for subnet in private])
        nat = args.get("nat_gateways")
        if not (nat or args.get("private_route_tables")):
            return
        tables = egress.private_route_tables(name, vpc.id, private, tags, self)
        self.private_route_table_ids = [table.id for table in tables]
        if nat:
            public = subnets("public", blocks[count:])
            addresses = egress.nat_gateways(
                name, vpc.id, public, tables, nat == "single", tags, self
            )
            self.nat_public_ips = [address.public_ip for address in addresses]
