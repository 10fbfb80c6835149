"""The fixed monthly cost of what a plan creates, derived from its resources alone.

Why from the plan and not from the config: the plan is what `pulumi up` would create, for
every way of getting there (the stack, AtlasLambda in a user's program, a hand-composed set
of components, a given VPC). Counting the registered resources (a NAT gateway is a NAT
gateway however it got there) keeps the estimate true to the deploy, and makes a plan diff
show a cost change exactly when the resources change.

Only charges that accrue by the hour whatever the traffic are estimated: cluster hours,
interface endpoint zone-hours, NAT gateway hours, public IPv4 address hours. Usage charges
are named (`EXTRA_CHARGES`), never estimated. A price the table does not have is shown as
unpriced and counted, never guessed; a quantity the preview cannot know yet (the endpoint's
zones when its subnets are chosen at deploy) is an upper bound, and says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol

from . import prices
from .prices import HOURS_PER_MONTH, Price

ADVANCED_CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
FLEX_CLUSTER = "mongodbatlas:index/flexCluster:FlexCluster"
ATLAS_PRIVATE_ENDPOINT = "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint"
NETWORK_PEERING = "mongodbatlas:index/networkPeering:NetworkPeering"
PEERING_ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SUBNET = "aws:ec2/subnet:Subnet"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
ELASTIC_IP = "aws:ec2/eip:Eip"
FUNCTION = "aws:lambda/function:Function"

# Atlas's default replica set: the tier prices are quoted for it.
PRICED_NODE_COUNT = 3
CENT = Decimal("0.01")


class _Resource(Protocol):
    """What the estimate reads of a planned resource (components.offline.PlannedResource)."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def inputs(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class LineItem:
    """One fixed charge: what, how many, at which price, per month."""

    label: str
    price: Price
    quantity: int
    resource: str
    """The planned resource it comes from (its name), so a reviewer can find it."""
    up_to: bool = False
    """True when `quantity` is an upper bound (known only at deploy)."""
    note: str = ""

    @property
    def monthly_usd(self) -> Decimal | None:
        if self.price.usd is None:
            return None
        hours = HOURS_PER_MONTH if self.price.per == "hour" else 1
        return (self.price.usd * hours * self.quantity).quantize(CENT, ROUND_HALF_UP)

    def to_dict(self) -> dict[str, Any]:
        monthly = self.monthly_usd
        return {
            "item": self.label,
            "resource": self.resource,
            "quantity": self.quantity,
            "up_to": self.up_to,
            "price": self.price.key,
            "unit_usd": None if self.price.usd is None else float(self.price.usd),
            "per": self.price.per,
            "monthly_usd": None if monthly is None else float(monthly),
            "priced_region": self.price.region,
            "note": self.note,
        }


@dataclass(frozen=True)
class CostEstimate:
    """A plan's fixed monthly cost: line items, their total, and what it leaves out."""

    items: tuple[LineItem, ...]
    network_path: str | None
    region: str | None
    """The AWS region the plan deploys to (from the cluster), when the plan names one."""
    notes: tuple[str, ...] = ()
    extra_charges: Mapping[str, str] = field(default_factory=dict)
    """The usage charges this plan's resources incur, named and not estimated."""

    @property
    def total_usd(self) -> Decimal:
        return sum((item.monthly_usd or Decimal(0) for item in self.items), Decimal("0.00"))

    @property
    def upper_bound(self) -> bool:
        return any(item.up_to and item.price.usd for item in self.items)

    @property
    def unpriced(self) -> tuple[LineItem, ...]:
        return tuple(item for item in self.items if item.price.usd is None)

    @property
    def region_note(self) -> str:
        """Whether the table's prices are this plan's region's, in one sentence."""
        priced = prices.PRICED_REGION
        if self.region is None:
            return f"list prices for {priced}; other regions differ"
        if self.region == priced:
            return f"list prices for {priced}, the plan's region"
        return f"list prices for {priced}; the plan deploys to {self.region}, where they differ"

    def sources(self) -> list[dict[str, Any]]:
        used = {item.price.key: item.price for item in self.items}
        return [
            {"price": price.key, "url": price.source, "checked": price.checked,
             "vendor_page": price.vendor_page, "note": price.note}
            for price in sorted(used.values(), key=lambda p: p.key)
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """The `cost` object of the plan JSON: stable keys, numbers in USD."""
        return {
            "currency": prices.CURRENCY,
            "hours_per_month": HOURS_PER_MONTH,
            "prices_checked": prices.PRICES_CHECKED,
            "network_path": self.network_path,
            "region": self.region,
            "priced_region": prices.PRICED_REGION,
            "region_note": self.region_note,
            "items": [item.to_dict() for item in self.items],
            "total": {
                "monthly_usd": float(self.total_usd),
                "up_to": self.upper_bound,
                "unpriced": [item.label for item in self.unpriced],
            },
            "notes": list(self.notes),
            "extra_charges": [
                {"charge": key, "what": what} for key, what in sorted(self.extra_charges.items())
            ],
            "sources": self.sources(),
        }


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def aws_region(atlas_region: Any) -> str | None:
    """`US_EAST_1` → `us-east-1`; None for anything that is not a plain Atlas AWS region."""
    if not isinstance(atlas_region, str) or not atlas_region.replace("_", "").isalnum():
        return None
    return atlas_region.lower().replace("_", "-")


def _main_region_config(spec: Mapping[str, Any]) -> dict:
    """The highest-priority region of a replication spec: the one Atlas prices the tier at."""
    configs = [_dict(config) for config in _list(spec.get("regionConfigs"))]
    if not configs:
        return {}
    return max(configs, key=lambda config: config.get("priority", 0) or 0)


def _cluster_tier(config: Mapping[str, Any]) -> str | None:
    provider = config.get("providerName")
    if provider == "FLEX":
        return "FLEX"
    if provider == "TENANT":
        size = _dict(config.get("electableSpecs")).get("instanceSize")
        return size if isinstance(size, str) else "M0"
    size = _dict(config.get("electableSpecs")).get("instanceSize")
    return size if isinstance(size, str) else None


def _cluster_items(resource: _Resource) -> tuple[list[LineItem], list[str], str | None]:
    """One AdvancedCluster's line items (its tier times its shards) and what they leave out."""
    inputs = resource.inputs
    specs = [_dict(spec) for spec in _list(inputs.get("replicationSpecs"))]
    items: list[LineItem] = []
    notes: list[str] = []
    region = None
    shards_by_tier: dict[tuple[str, Any], int] = {}
    scaling: dict[str, str] = {}
    for spec in specs:
        config = _main_region_config(spec)
        region = region or aws_region(config.get("regionName"))
        tier = _cluster_tier(config)
        if tier is None:
            continue
        nodes = _dict(config.get("electableSpecs")).get("nodeCount")
        shards_by_tier[(tier, nodes)] = shards_by_tier.get((tier, nodes), 0) + 1
        auto = _dict(config.get("autoScaling"))
        if auto.get("computeEnabled") and isinstance(auto.get("computeMaxInstanceSize"), str):
            scaling[tier] = auto["computeMaxInstanceSize"]
        extra_regions = len(_list(spec.get("regionConfigs"))) - 1
        if extra_regions > 0:
            notes.append(
                f"{resource.name}: nodes in {extra_regions} more region(s) per shard are not "
                "in the estimate"
            )
        for kind in ("readOnlySpecs", "analyticsSpecs"):
            count = _dict(config.get(kind)).get("nodeCount")
            if isinstance(count, int | float) and count > 0:
                notes.append(
                    f"{resource.name}: {int(count)} {kind[:-5]} node(s) are not in the estimate"
                )
    sharded = inputs.get("clusterType") in ("SHARDED", "GEOSHARDED")
    for (tier, nodes), shards in sorted(shards_by_tier.items(), key=lambda kv: kv[0][0]):
        items.append(_tier_item(resource.name, tier, nodes, shards, sharded, scaling.get(tier)))
    if sharded:
        notes.append(
            f"{resource.name}: the tier price is per shard; config servers and mongos are "
            "not itemised"
        )
    return items, notes, region


def _tier_item(name: str, tier: str, nodes: Any, shards: int, sharded: bool,
               max_tier: str | None) -> LineItem:  # fmt: skip
    if tier == "M0":
        return LineItem("Atlas cluster M0 (free)", prices.ATLAS_M0, 1, name)
    if tier == "FLEX":
        return _flex_item(name)
    price = prices.ATLAS_TIERS.get(tier) or Price(
        key=f"atlas-{tier}", what=f"Atlas {tier}", usd=None, per="hour",
        source=prices.MONGODB_PRICING, note="not a tier in the price table",
    )  # fmt: skip
    notes = []
    if nodes not in (None, PRICED_NODE_COUNT):
        # The quoted rate is for Atlas's default 3 electable nodes; another count is priced
        # by Atlas differently, and we have no figure for it.
        price = Price(key=price.key, what=price.what, usd=None, per=price.per,
                      source=price.source, note=price.note)  # fmt: skip
        notes.append(f"{nodes} electable nodes: the table prices {PRICED_NODE_COUNT}")
    if max_tier:
        ceiling = prices.ATLAS_TIERS.get(max_tier)
        if ceiling is not None and ceiling.usd is not None:
            monthly = (ceiling.usd * HOURS_PER_MONTH * shards).quantize(CENT, ROUND_HALF_UP)
            notes.append(
                f"compute auto-scaling can raise it to {max_tier} (${monthly:,.2f} a month)"
            )
        else:
            notes.append(f"compute auto-scaling can raise it to {max_tier}")
    what = f"{shards} shard{'s' if shards != 1 else ''}" if sharded else "replica set"
    return LineItem(f"Atlas cluster {tier} ({what})", price, shards, name, note="; ".join(notes))


def _flex_item(name: str) -> LineItem:
    cap = f"${prices.ATLAS_FLEX_CAP_MONTHLY:,.2f}"
    note = f"more operations per second cost more, capped at {cap} a month"
    return LineItem("Atlas Flex cluster (base)", prices.ATLAS_FLEX, 1, name, note=note)


def _endpoint_zones(endpoint: _Resource, resources: Sequence[_Resource]) -> tuple[int, bool]:
    """(zones, exact): its subnets when the plan knows them, else an upper bound.

    An interface endpoint takes one subnet per zone, so a known subnet list is the zone count.
    Chosen at deploy (only zones the Atlas endpoint service serves), the count is at most the
    private subnets the plan creates, or the function's own subnets in a given VPC."""
    subnet_ids = endpoint.inputs.get("subnetIds")
    if isinstance(subnet_ids, list):
        return len(subnet_ids), True
    created = [item for item in resources if item.type == SUBNET and not _public(item)]
    if created:
        return len(created), False
    for function in resources:
        if function.type == FUNCTION:
            ids = _dict(function.inputs.get("vpcConfig")).get("subnetIds")
            if isinstance(ids, list) and ids:
                return len(ids), False
    return 0, False


def _counted(resources: Sequence[_Resource], type_: str, price: Price,
             labels: tuple[str, str]) -> list[LineItem]:  # fmt: skip
    """One line item for every resource of a type: (singular, plural) label, names listed."""
    matches = sorted(resource.name for resource in resources if resource.type == type_)
    if not matches:
        return []
    label = labels[0] if len(matches) == 1 else labels[1]
    return [LineItem(label, price, len(matches), ", ".join(matches))]


def _public(subnet: _Resource) -> bool:
    """A subnet for NAT gateways, not for the endpoint: it maps public addresses, or it is
    named public (components/network names them `<name>-public-<n>`; a public subnet's route
    to the internet gateway is not known until deploy)."""
    name_tag = _dict(subnet.inputs.get("tags")).get("Name")
    names = (subnet.name, name_tag if isinstance(name_tag, str) else "")
    return subnet.inputs.get("mapPublicIpOnLaunch") is True or any(
        "public" in name.lower().split("-") for name in names
    )


def network_path(resources: Sequence[_Resource], outputs: Mapping[str, Any]) -> str | None:
    """The path the plan builds: the stack's own output when it exports one, else what the
    resources say (an interface endpoint, a peering, a NAT gateway, a function in no VPC)."""
    exported = outputs.get("networkPath")
    if isinstance(exported, str):
        return exported
    types = {resource.type for resource in resources}
    if ATLAS_PRIVATE_ENDPOINT in types or VPC_ENDPOINT in types:
        return "privateEndpoint"
    if NETWORK_PEERING in types or PEERING_ACCEPTER in types:
        return "peering"
    if NAT_GATEWAY in types:
        return "natGateway"
    functions = [resource for resource in resources if resource.type == FUNCTION]
    if functions and all(not resource.inputs.get("vpcConfig") for resource in functions):
        return "public"
    return None


def estimate(resources: Iterable[_Resource], outputs: Mapping[str, Any] | None = None
             ) -> CostEstimate:  # fmt: skip
    """The fixed monthly cost of `resources` (a plan's), with its notes and what it omits."""
    resources = list(resources)
    items: list[LineItem] = []
    notes: list[str] = []
    region: str | None = None
    for resource in resources:
        if resource.type == ADVANCED_CLUSTER:
            cluster_items, cluster_notes, cluster_region = _cluster_items(resource)
            items += cluster_items
            notes += cluster_notes
            region = region or cluster_region
        elif resource.type == FLEX_CLUSTER:
            items.append(_flex_item(resource.name))
            settings = _dict(resource.inputs.get("providerSettings"))
            region = region or aws_region(settings.get("regionName"))
    for resource in resources:
        if resource.type == ATLAS_PRIVATE_ENDPOINT:
            items.append(LineItem("Atlas private endpoint (its region)",
                                  prices.ATLAS_PRIVATE_ENDPOINT, 1, resource.name))  # fmt: skip
            region = region or aws_region(resource.inputs.get("region"))
        elif resource.type == VPC_ENDPOINT and resource.inputs.get("vpcEndpointType") in (
            None, "Interface"
        ):
            zones, exact = _endpoint_zones(resource, resources)
            label = "AWS interface VPC endpoint, " + (
                f"{zones} zone{'s' if zones != 1 else ''}" if exact else f"up to {zones} zones"
            )
            if zones == 0:
                price = prices.AWS_INTERFACE_ENDPOINT_AZ
                items.append(LineItem(
                    "AWS interface VPC endpoint, zones known at deploy",
                    Price(key=price.key, what=price.what, usd=None, per=price.per,
                          source=price.source, vendor_page=price.vendor_page, note=price.note),
                    1, resource.name, note=f"${price.usd} per zone-hour",
                ))  # fmt: skip
            else:
                items.append(LineItem(label, prices.AWS_INTERFACE_ENDPOINT_AZ, zones,
                                      resource.name, up_to=not exact))  # fmt: skip
        elif resource.type == PEERING_ACCEPTER:
            items.append(LineItem("AWS VPC peering connection", prices.AWS_VPC_PEERING, 1,
                                  resource.name, note="no hourly charge"))  # fmt: skip
    # One NAT gateway-hour per NatGateway and one public IPv4 address-hour per Elastic IP,
    # each counted once however many zones or modes (perZone, single) produced them.
    items += _counted(resources, NAT_GATEWAY, prices.AWS_NAT_GATEWAY,
                      ("AWS NAT gateway", "AWS NAT gateways"))  # fmt: skip
    items += _counted(resources, ELASTIC_IP, prices.AWS_PUBLIC_IPV4, (
        "AWS public IPv4 address (Elastic IP)", "AWS public IPv4 addresses (Elastic IP)"
    ))  # fmt: skip
    order = {price.key: index for index, price in enumerate(prices.ALL_PRICES)}
    items.sort(key=lambda item: (order.get(item.price.key, -1), item.label, item.resource))
    return CostEstimate(
        items=tuple(items),
        network_path=network_path(resources, outputs or {}),
        region=region,
        notes=tuple(notes),
        extra_charges=extra_charges(resources, items),
    )


def extra_charges(resources: Sequence[_Resource], items: Sequence[LineItem]
                  ) -> dict[str, str]:  # fmt: skip
    """The usage charges that come with what the plan creates: per GB, per request."""
    types = {resource.type for resource in resources}
    keys = set()
    dedicated = {price.key for price in prices.ATLAS_TIERS.values()}
    if any(item.price.key in dedicated for item in items):
        # M0 has no backups and Flex includes its data transfer ("Atlas Flex Costs").
        keys |= {"atlas-data-transfer", "atlas-backup"}
    if any(item.price.key == prices.ATLAS_FLEX.key for item in items):
        keys.add("flex-usage")
    if types & {ATLAS_PRIVATE_ENDPOINT, VPC_ENDPOINT}:
        keys |= {"privatelink-data", "atlas-private-endpoint-capacity"}
    if NAT_GATEWAY in types:
        keys |= {"nat-data", "internet-egress", "cross-az"}
    if types & {NETWORK_PEERING, PEERING_ACCEPTER}:
        keys.add("cross-az")
    if FUNCTION in types:
        keys.add("lambda")
        if network_path(resources, {}) == "public":
            keys.add("internet-egress")
    return {key: prices.EXTRA_CHARGES[key] for key in sorted(keys)}
