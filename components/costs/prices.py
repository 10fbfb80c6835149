"""The list prices behind the preview's fixed monthly cost, each with its source and the day
it was read.

Why a table in the code and not a live price API: the preview runs without credentials or
network (pull requests from forks), and a reviewer must see the same number on every run of
the same commit. The price of that is staleness, so every price carries the day it was
checked and where; `PRICES_CHECKED` is printed with every estimate.

What we could and could not source (read 2026-12-06 through stored copies of public pages):

- AWS renders its VPC and PrivateLink rates with a region selector, so the stored copies of
  aws.amazon.com/vpc/pricing and /privatelink/pricing carry the billing rules (per NAT
  gateway-hour, per VPC endpoint per Availability Zone-hour, partial hours billed as full,
  data processed per GB) but not every region's figure. The figures below are the us-east-1
  list prices as AWS's own examples and several independent transcriptions state them; no
  per-region table could be sourced, so every price is labelled with the region it is for and
  the estimate says when the stack deploys elsewhere.
- MongoDB's pricing page shows the entry price of each cluster class; MongoDB's billing docs
  give the M30 rate and the Flex base and cap. M20 and M40-M60 come from a third-party
  transcription (marked `vendor_page=False`); M80 and larger, and the low-CPU R tiers, have no
  price we could read, so they stay unpriced (`usd=None`) instead of guessed.
- Atlas bills each region that hosts a private endpoint by the hour, "varies by region", with
  no published figure: named, never estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PRICES_CHECKED = "2026-12-06"
"""The day the prices below were read (also each price's own `checked`)."""

HOURS_PER_MONTH = 730
"""AWS's and MongoDB's own monthly convention (365 * 24 / 12 hours), used by their calculators."""

CURRENCY = "USD"
PRICED_REGION = "us-east-1"
"""The region every price in the table is for."""

MONGODB_PRICING = "https://www.mongodb.com/pricing"
ATLAS_INVOICE_DOCS = "https://www.mongodb.com/docs/atlas/billing/invoice-breakdown/"
ATLAS_FLEX_DOCS = "https://www.mongodb.com/docs/atlas/billing/atlas-flex-costs/"
ATLAS_PRIVATE_ENDPOINT_DOCS = "https://www.mongodb.com/docs/atlas/billing/additional-services/"
ATLAS_TIERS_THIRD_PARTY = (
    "https://zeonedge.com/blog/mongodb-atlas-vs-self-hosted-total-cost-performance-migration"
)
AWS_VPC_PRICING = "https://aws.amazon.com/vpc/pricing/"
AWS_PRIVATELINK_PRICING = "https://aws.amazon.com/privatelink/pricing/"
AWS_IPV4_ANNOUNCEMENT = (
    "https://aws.amazon.com/blogs/aws/new-aws-public-ipv4-address-charge-public-ip-insights/"
)
AWS_PEERING_CHARGES = (
    "https://aws.amazon.com/blogs/networking-and-content-delivery/demystifying-amazon-vpc-peering-charges"
)


@dataclass(frozen=True)
class Price:
    """One list price and where it came from."""

    key: str
    what: str
    usd: Decimal | None
    """None: no price we could source; the item is shown, never guessed."""
    per: str
    """The billing unit: `hour` (730 of them a month) or `month`."""
    source: str
    region: str = PRICED_REGION
    checked: str = PRICES_CHECKED
    vendor_page: bool = True
    """False when the figure comes from a third party quoting the vendor's page."""
    note: str = ""


def _tier(tier: str, usd: str | None, source: str, *, vendor_page: bool, note: str) -> Price:
    return Price(
        key=f"atlas-{tier}",
        what=f"Atlas {tier} on AWS (3-node replica set, or one shard)",
        usd=Decimal(usd) if usd is not None else None,
        per="hour",
        source=source,
        vendor_page=vendor_page,
        note=note,
    )


_THIRD_PARTY = (
    "third-party transcription of mongodb.com/pricing (\"MongoDB Atlas Pricing (2026, AWS "
    "us-east-1)\"); confirm in the Atlas cluster builder"
)
_UNPRICED = "no price we could read; the Atlas cluster builder shows it"

ATLAS_TIERS: dict[str, Price] = {
    "M10": _tier("M10", "0.08", MONGODB_PRICING, vendor_page=True, note=(
        "the pricing page's Dedicated entry price, \"$0.08/hour\", rounded by the page (it "
        "also says \"Starts at $56.94/month\")"
    )),
    "M20": _tier("M20", "0.20", ATLAS_TIERS_THIRD_PARTY, vendor_page=False, note=_THIRD_PARTY),
    "M30": _tier("M30", "0.54", ATLAS_INVOICE_DOCS, vendor_page=True, note=(
        "MongoDB's invoice guide: \"M30 cluster on AWS with default settings at $0.54/hour\" "
        "(region not named there; the us-east-1 transcription agrees)"
    )),
    "M40": _tier("M40", "1.04", ATLAS_TIERS_THIRD_PARTY, vendor_page=False, note=_THIRD_PARTY),
    "M50": _tier("M50", "2.00", ATLAS_TIERS_THIRD_PARTY, vendor_page=False, note=_THIRD_PARTY),
    "M60": _tier("M60", "3.95", ATLAS_TIERS_THIRD_PARTY, vendor_page=False, note=_THIRD_PARTY),
    **{
        tier: _tier(tier, None, MONGODB_PRICING, vendor_page=True, note=_UNPRICED)
        for tier in ("R40", "M80", "R80", "M140", "M200", "M300")
    },
}
"""Dedicated tiers, per cluster-hour for the default 3 electable nodes and default storage.
A sharded cluster pays it once per shard."""

ATLAS_M0 = Price(
    key="atlas-M0", what="Atlas M0 (free cluster)", usd=Decimal("0"), per="hour",
    source=MONGODB_PRICING, region="all",
    note="\"Free $0/hour\"; one M0 per project",
)  # fmt: skip

ATLAS_FLEX = Price(
    key="atlas-flex", what="Atlas Flex cluster, base (100 ops/s, 5 GB)", usd=Decimal("0.011"),
    per="hour", source=ATLAS_FLEX_DOCS, region="all",
    note="base \"$0.0110\" an hour ($8.00 for 30 days); more ops/s cost more, capped at $30/month",
)  # fmt: skip
ATLAS_FLEX_CAP_MONTHLY = Decimal("30")
"""\"Flex clusters are capped at $30 per month\" (same page)."""

ATLAS_PRIVATE_ENDPOINT = Price(
    key="atlas-private-endpoint", what="Atlas private endpoint (per region hosting one)",
    usd=None, per="hour", source=ATLAS_PRIVATE_ENDPOINT_DOCS, region="all",
    note="\"Atlas charges hourly for each region to which you deploy a private endpoint. "
    "The hourly cost varies by region\": no published figure",
)  # fmt: skip

AWS_INTERFACE_ENDPOINT_AZ = Price(
    key="aws-vpc-endpoint-az", what="AWS interface VPC endpoint, per Availability Zone",
    usd=Decimal("0.01"), per="hour", source=AWS_PRIVATELINK_PRICING, vendor_page=False,
    note="billed \"for each hour that your VPC endpoint remains provisioned in each "
    "Availability Zone\" (AWS); the us-east-1 rate as transcribed by egresscost.com "
    "(\"$7.20/AZ\" a 720-hour month) and others, AWS's page renders it per region",
)  # fmt: skip

AWS_NAT_GATEWAY = Price(
    key="aws-nat-gateway", what="AWS NAT gateway", usd=Decimal("0.045"), per="hour",
    source=AWS_VPC_PRICING, vendor_page=False,
    note="\"$0.045 per hour\" in AWS's own pricing example (US East (Ohio)), transcribed verbatim "
    "from the page on 2026-09-20 (api-evangelist/amazon-vpc); wring.co and basavytix.com give "
    "the same for us-east-1",
)  # fmt: skip

AWS_PUBLIC_IPV4 = Price(
    key="aws-public-ipv4", what="AWS public IPv4 address (Elastic IP in use)",
    usd=Decimal("0.005"), per="hour", source=AWS_IPV4_ANNOUNCEMENT, region="all",
    vendor_page=False,
    note="since 2024-02-01 every public IPv4 address, in use or idle, is billed; \"$0.005 per IP "
    "per hour\" as quoted from AWS's announcement (community.aws, doit.com)",
)  # fmt: skip

AWS_VPC_PEERING = Price(
    key="aws-vpc-peering", what="AWS VPC peering connection", usd=Decimal("0"), per="hour",
    source=AWS_PEERING_CHARGES, region="all",
    note="\"There is no charge to create a VPC peering connection\"; data transfer within an AZ "
    "is free, across AZs it is charged",
)  # fmt: skip

EXTRA_CHARGES: dict[str, str] = {
    "atlas-data-transfer": "Atlas data transfer out of the cluster's region or to the internet",
    "atlas-backup": "Atlas backup snapshot storage and storage beyond the tier's default",
    "atlas-private-endpoint-capacity": "Atlas private endpoint capacity units (per traffic)",
    "privatelink-data": "AWS PrivateLink data processed, per GB",
    "nat-data": "AWS NAT gateway data processed, per GB",
    "cross-az": "AWS data transfer across Availability Zones (peering, a single NAT gateway)",
    "internet-egress": "AWS data transfer out to the internet",
    "flex-usage": "Atlas Flex operations above the base 100 ops/s (up to the $30 monthly cap)",
    "lambda": "Lambda requests and duration, CloudWatch logs and metrics",
}
"""Usage charges: named with every estimate, never estimated (they depend on traffic)."""

ALL_PRICES: tuple[Price, ...] = (
    *ATLAS_TIERS.values(),
    ATLAS_M0,
    ATLAS_FLEX,
    ATLAS_PRIVATE_ENDPOINT,
    AWS_INTERFACE_ENDPOINT_AZ,
    AWS_NAT_GATEWAY,
    AWS_PUBLIC_IPV4,
    AWS_VPC_PEERING,
)
