"""The four ways MongoDB's Lambda page names for a function to reach Atlas, and their rules.

In the page's order of preference: a network peering connection or a private endpoint (only
private addresses are admitted), a NAT gateway with an Elastic IP (one fixed address in the
access list), and, as the last resort, 0.0.0.0/0 with strong credentials. The components,
the stack config and the policy pack call these same functions.

Sources:
- Atlas "Atlas M0 (Free Cluster) Limits" and "Atlas Flex Limits"
  (mongodb.com/docs/atlas/reference/free-shared-limitations, .../flex-limitations): no
  network peering and no private endpoints on M0 or Flex. Neither page, nor "AWS IAM
  Authentication" (mongodb.com/docs/atlas/security/aws-iam-authentication), restricts AWS
  IAM database users by tier, so M0 and Flex keep the IAM user.
- pulumi_mongodbatlas NetworkContainer `atlas_cidr_block`: "at least a /24 and at most a /21
  in one of the [RFC 1918] private networks"; one container per AWS region, its CIDR fixed
  once an M10+ cluster or a peering exists (Atlas "Set Up a Network Peering Connection").
- AWS VPC Peering Guide, "VPC peering limitations": no peering between VPCs with
  overlapping IPv4 CIDR blocks; DNS resolution of the peer's private names needs the VPC's
  DNS support and DNS hostnames on.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence

from .rules import Finding
from .tiers import DEDICATED_TIERS, is_dedicated

NETWORK_PATHS: tuple[str, ...] = ("privateEndpoint", "peering", "natGateway", "public")
DEFAULT_PATH = "privateEndpoint"
# Paths over which Atlas sees only private addresses: dedicated tiers only.
PRIVATE_PATHS: tuple[str, ...] = ("privateEndpoint", "peering")
# Paths that put the function in a VPC (the public path runs it outside any).
VPC_PATHS: tuple[str, ...] = ("privateEndpoint", "peering", "natGateway")
NAT_GATEWAY_MODES: tuple[str, ...] = ("perZone", "single")
# Atlas's own default for an AWS container (the Atlas UI's proposal).
DEFAULT_ATLAS_CIDR = "192.168.248.0/21"
ATLAS_CIDR_PREFIXES = range(21, 25)
RFC_1918 = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
ANYWHERE = "0.0.0.0/0"
# Atlas's public mongod/mongos ports (27017, 27016) and the BI connector's (27015): what a
# function reaches through peering, a NAT or the internet.
ATLAS_PORTS = (27015, 27017)
# Config keys that no longer exist, and what replaces them.
RETIRED_KEYS: dict[str, str] = {
    "privateEndpoint": (
        "was replaced by networkPath (network_path in Python): remove it (true is "
        "networkPath: privateEndpoint, the default), or for false choose networkPath: "
        "peering, natGateway or public"
    ),
}


def known_path(path: str, key: str = "networkPath") -> list[Finding]:
    if path in NETWORK_PATHS:
        return []
    return [Finding("network-path", key, f"{path!r} is not a network path",
                    allowed=", ".join(NETWORK_PATHS))]  # fmt: skip


def path_tier(path: str, tier: str, key: str = "networkPath") -> list[Finding]:
    """Private endpoints and peering exist only on dedicated tiers (M10 and up)."""
    if path not in PRIVATE_PATHS or is_dedicated(tier):
        return []
    what = "a private endpoint" if path == "privateEndpoint" else "network peering"
    return [
        Finding(
            f"{'private-endpoint' if path == 'privateEndpoint' else 'peering'}-tier",
            key,
            f"{path}: Atlas offers {what} only on dedicated tiers (M10 and above), not on "
            f"{tier} (Atlas M0 and Flex limits pages)",
            allowed=f"natGateway or public on {tier}, or tier one of {', '.join(DEDICATED_TIERS)}",
        )
    ]


def nat_gateway_mode(mode: str, key: str = "natGateways") -> list[Finding]:
    if mode in NAT_GATEWAY_MODES:
        return []
    return [Finding("nat-gateways", key, f"{mode!r} is not supported",
                    allowed=", ".join(NAT_GATEWAY_MODES))]  # fmt: skip


def single_nat(mode: str, zones: int, key: str = "natGateways") -> list[Finding]:
    """One NAT for several zones: cheaper, but a shared point of failure (AWS NAT gateway
    guide: create a NAT gateway in each zone for zone-independent architecture)."""
    if mode != "single" or zones < 2:
        return []
    return [
        Finding(
            "single-nat-gateway",
            key,
            f"single: one NAT gateway serves all {zones} zones, so an outage of its zone cuts "
            "the function off in the others, and traffic from the other zones pays "
            "cross-zone data transfer",
            severity="advisory",
            allowed="perZone for zone-independent egress",
        )
    ]


def anywhere_access(path: str, opt_in: bool, key: str = "allowAccessFromAnywhere") -> list[Finding]:
    """The public path needs Atlas to admit 0.0.0.0/0 (a function outside a VPC has no
    fixed address): refused without the explicit opt-in, and a warning with it."""
    if path != "public":
        if opt_in:
            return [Finding("access-from-anywhere", key,
                            f"applies only to networkPath public, not {path}",
                            allowed="false, or networkPath: public")]  # fmt: skip
        return []
    if not opt_in:
        return [
            Finding(
                "access-from-anywhere",
                key,
                "networkPath public needs an access-list entry for 0.0.0.0/0: the function "
                "runs outside any VPC, with no fixed address; set allowAccessFromAnywhere: "
                "true to accept that",
                allowed="true with networkPath public, or networkPath natGateway for one "
                "fixed address per zone",
            )
        ]
    return [
        Finding(
            "access-from-anywhere",
            key,
            "the cluster admits connections from any address (0.0.0.0/0): only the IAM "
            "database user's credentials stand between the internet and the data; prefer "
            "natGateway (fixed addresses) or a private path on a dedicated tier",
            severity="advisory",
            allowed="networkPath peering, privateEndpoint or natGateway",
        )
    ]


def _network(cidr: str) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(cidr)
    except ValueError:
        return None


# Atlas Admin API v2 (the spec terraform-provider-mongodbatlas vendors), the peering request's
# AwsNetworkPeeringConnectionSettings.vpcId: `^vpc-[0-9a-f]{17}$`. EC2 still accepts the
# 8-hex ids of VPCs created before 2018; Atlas's peering request does not.
PEERING_VPC_ID = re.compile(r"vpc-[0-9a-f]{17}")


def peering_vpc_id(vpc_id: str, key: str = "vpcId") -> list[Finding]:
    """A VPC id the Atlas peering request takes."""
    if PEERING_VPC_ID.fullmatch(vpc_id):
        return []
    return [
        Finding(
            "peering-vpc-id",
            key,
            f"{vpc_id[:80]!r}: Atlas peers only VPCs whose id is vpc- and 17 hex digits (Atlas "
            "Admin API, network peering vpcId)",
            allowed="vpc- and 17 lowercase hex digits, another networkPath, or no vpcId to "
            "create the VPC",
        )
    ]


def atlas_cidr_block(cidr: str, key: str = "atlasCidrBlock") -> list[Finding]:
    """RFC 1918, /21 to /24, as NetworkContainer's `atlas_cidr_block` requires."""
    allowed = "an RFC 1918 block from /21 to /24, e.g. 192.168.248.0/21"
    network = _network(cidr)
    if network is None:
        problem = f"{cidr!r} is not an IPv4 CIDR block"
    elif network.prefixlen not in ATLAS_CIDR_PREFIXES:
        problem = f"{cidr} is a /{network.prefixlen}"
    elif not any(network.subnet_of(block) for block in RFC_1918):
        problem = f"{cidr} is not a private (RFC 1918) block"
    else:
        return []
    return [Finding("atlas-cidr", key, problem, allowed=allowed)]


def cidr_overlap(
    atlas_cidr: str, vpc_cidrs: Sequence[str], key: str = "atlasCidrBlock"
) -> list[Finding]:
    """AWS refuses to peer VPCs whose CIDR blocks overlap."""
    atlas = _network(atlas_cidr)
    clashes = [c for c in vpc_cidrs if atlas and (vpc := _network(c)) and atlas.overlaps(vpc)]
    if not clashes:
        return []
    return [
        Finding(
            "atlas-cidr-overlap",
            key,
            f"{atlas_cidr} overlaps the VPC's {', '.join(clashes)}: AWS cannot peer "
            "overlapping networks",
            allowed=f"an RFC 1918 block from /21 to /24 outside {', '.join(clashes)}",
        )
    ]


def vpc_dns(
    vpc_id: str, dns_support: bool, dns_hostnames: bool, key: str = "vpcId"
) -> list[Finding]:
    """Over peering the cluster's names must resolve to Atlas's private addresses, which
    needs the VPC's DNS support and DNS hostnames on; off, they resolve to public ones and
    the connection leaves the peering."""
    off = [name for name, on in (("DNS resolution", dns_support),
                                 ("DNS hostnames", dns_hostnames)) if not on]  # fmt: skip
    if not off:
        return []
    return [
        Finding(
            "peering-vpc-dns",
            key,
            f"{vpc_id} has {' and '.join(off)} off, so the cluster's names would resolve to "
            "public addresses and bypass the peering",
            allowed="a VPC with enableDnsSupport and enableDnsHostnames on (aws ec2 "
            "modify-vpc-attribute), or no vpcId to create one",
        )
    ]


def peered_subnets(
    vpc_cidr: str, subnets: Mapping[str, str], key: str = "subnetIds"
) -> list[Finding]:
    """Atlas routes a peering back only to its `routeTableCidrBlock` (the VPC's primary
    block here: pulumi_mongodbatlas NetworkPeering `route_table_cidr_block`, "AWS VPC CIDR
    block or subnet"), and its access list admits only that block: a function subnet in a
    secondary block could send to Atlas but never hear back."""
    primary = _network(vpc_cidr)
    outside = [
        f"{subnet} ({block})"
        for subnet, block in subnets.items()
        if primary and (network := _network(block)) and not network.subnet_of(primary)
    ]
    if not outside:
        return []
    return [
        Finding(
            "peering-subnets",
            key,
            f"{', '.join(outside)} lie outside the VPC's primary block {vpc_cidr}, the only "
            "one the peering routes back to and the access list admits",
            allowed=f"subnets within {vpc_cidr}",
        )
    ]


def existing_container(
    cidr: str, existing: str, region: str, key: str = "atlasCidrBlock"
) -> list[Finding]:
    """Atlas allows one container per region and fixes its CIDR once used: reuse it."""
    if cidr == existing:
        return []
    return [
        Finding(
            "atlas-cidr-locked",
            key,
            f"{cidr}: the project already has a network container in {region} with "
            f"{existing}, and Atlas allows one per region",
            allowed=existing,
        )
    ]


def peering_route(table: str, atlas_cidr: str, key: str = "routeTableIds") -> list[Finding]:
    """Atlas "Set Up a Network Peering Connection" (AWS): add a route to the Atlas CIDR,
    through the peering connection, to every route table of the subnets that reach the
    cluster; without it, traffic to the cluster's private addresses never enters the
    peering."""
    return [
        Finding(
            "peering-route",
            key,
            f"{table} serves the function's subnets and has no route to the Atlas CIDR "
            f"{atlas_cidr} through the peering, so the cluster's private addresses are "
            "unreachable from them",
            allowed=f"an aws.ec2.Route in it to {atlas_cidr} with vpcPeeringConnectionId "
            "the peering's connection (the accepter's id, NetworkPeering connectionId)",
        )
    ]


def public_function(function: str, key: str = "vpcConfig") -> list[Finding]:
    """MongoDB's Lambda page: 0.0.0.0/0 is the last resort; a function outside any VPC
    has no fixed address, so it reaches Atlas's public endpoints over the internet."""
    return [
        Finding(
            "public-path",
            key,
            f"{function} runs outside any VPC and reaches Atlas over the internet from "
            "addresses it does not own, so the cluster must admit 0.0.0.0/0",
            severity="advisory",
            allowed="vpcConfig in a VPC with a NAT gateway (fixed addresses), or peering "
            "or a private endpoint on a dedicated tier",
        )
    ]
