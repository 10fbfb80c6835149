"""The fixed monthly cost of each network path, from the price table and the plan's resources.

Plans are built directly (PlannedResource lists in the shape each path registers), so every
path is covered whatever the stack config supports today; the dev stack's real offline
preview and the plan diff close the loop. Expected amounts are computed here from the price
table (price x 730 hours x quantity), so a changed price or a miscounted resource fails.

Price sources (components/costs/prices.py, read 2026-12-06):
- Atlas: mongodb.com/pricing (M0 "$0/hour", Dedicated "$0.08/hour"), MongoDB's invoice guide
  mongodb.com/docs/atlas/billing/invoice-breakdown (M30 "$0.54/hour"), "Atlas Flex Costs"
  mongodb.com/docs/atlas/billing/atlas-flex-costs (base $0.0110/hour, capped at $30/month),
  "Additional Services" (private endpoints billed per region, no published figure).
- AWS: aws.amazon.com/privatelink/pricing (per VPC endpoint per AZ-hour), aws.amazon.com/vpc/
  pricing (per NAT gateway-hour), the public IPv4 charge announced for 2024-02-01 (every
  public IPv4 address, Elastic IPs in use included), "Demystifying Amazon VPC peering charges"
  (no charge to create a peering connection; cross-AZ data transfer billed).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest

from components.cli import run_command
from components.costs import HOURS_PER_MONTH, PRICES_CHECKED, estimate, prices
from components.guardrails.tiers import DEDICATED_TIERS
from components.offline import UNKNOWN, Plan, PlannedResource
from components.offline.plan_diff import diff_plans, main, render_diff
from components.offline.render import render

HOURS = Decimal(HOURS_PER_MONTH)


def _monthly(price: prices.Price, quantity: int = 1) -> Decimal:
    assert price.usd is not None
    return (price.usd * HOURS * quantity).quantize(Decimal("0.01"))


def _resource(type_: str, name: str, **inputs: object) -> PlannedResource:
    return PlannedResource(
        urn=f"urn:pulumi:test::atlas-lambda::{type_}::{name}",
        type=type_, name=name, parent=None, custom=True, inputs=dict(inputs),
    )  # fmt: skip


def cluster(tier: str = "M10", *, shards: int = 1, region: str = "US_EAST_1",
            nodes: int | None = 3, max_tier: str | None = None) -> PlannedResource:  # fmt: skip
    """An AdvancedCluster as components/cluster registers it (region_config's shapes)."""
    if tier == "M0":
        config: dict = {"providerName": "TENANT", "backingProviderName": "AWS",
                        "electableSpecs": {"instanceSize": "M0"}}  # fmt: skip
    elif tier == "FLEX":
        config = {"providerName": "FLEX", "backingProviderName": "AWS"}
    else:
        specs: dict = {"instanceSize": tier}
        if nodes is not None:
            specs["nodeCount"] = nodes
        auto: dict = {"computeEnabled": bool(max_tier), "diskGbEnabled": True}
        if max_tier:
            auto["computeMaxInstanceSize"] = max_tier
        config = {"providerName": "AWS", "electableSpecs": specs, "autoScaling": auto}
    config |= {"regionName": region, "priority": 7}
    return _resource(
        "mongodbatlas:index/advancedCluster:AdvancedCluster", "app-atlas-cluster",
        clusterType="SHARDED" if shards > 1 else "REPLICASET",
        replicationSpecs=[{"regionConfigs": [config]} for _ in range(shards)],
    )  # fmt: skip


def private_subnets(count: int) -> list[PlannedResource]:
    return [
        _resource("aws:ec2/subnet:Subnet", f"app-network-private-{index}",
                  cidrBlock=f"10.0.{16 * index}.0/20", mapPublicIpOnLaunch=False)
        for index in range(count)
    ]  # fmt: skip


def function(*, in_vpc: bool = True) -> PlannedResource:
    inputs: dict = {"runtime": "python3.13"}
    if in_vpc:
        inputs["vpcConfig"] = {"subnetIds": [UNKNOWN, UNKNOWN], "securityGroupIds": [UNKNOWN]}
    return _resource("aws:lambda/function:Function", "app-lambda-function", **inputs)


def private_endpoint_path(zones: int, *, known: bool, tier: str = "M10") -> list[PlannedResource]:
    """privateEndpoint: Atlas PrivateLinkEndpoint + an interface VpcEndpoint in the private
    subnets, known as a list of `zones` subnets, or chosen at deploy (unknown)."""
    subnet_ids: object = [f"subnet-{index}" for index in range(zones)] if known else UNKNOWN
    return [
        cluster(tier),
        *private_subnets(zones),
        _resource("mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint",
                  "app-privatelink-atlas-endpoint", providerName="AWS", region="US_EAST_1"),
        _resource("aws:ec2/vpcEndpoint:VpcEndpoint", "app-privatelink-vpce",
                  vpcEndpointType="Interface", subnetIds=subnet_ids),
        function(),
    ]  # fmt: skip


def peering_path() -> list[PlannedResource]:
    return [
        cluster("M10"),
        *private_subnets(2),
        _resource("mongodbatlas:index/networkContainer:NetworkContainer", "app-peering-container",
                  atlasCidrBlock="192.168.248.0/21", providerName="AWS", regionName="US_EAST_1"),
        _resource("mongodbatlas:index/networkPeering:NetworkPeering", "app-peering",
                  providerName="AWS", routeTableCidrBlock="10.0.0.0/16"),
        _resource("aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
                  "app-peering-accepter", autoAccept=True),
        *[_resource("aws:ec2/route:Route", f"app-peering-route-{index}",
                    destinationCidrBlock="192.168.248.0/21") for index in range(2)],
        function(),
    ]  # fmt: skip


def nat_path(gateways: int, tier: str = "M10") -> list[PlannedResource]:
    """natGateway: public subnets, an internet gateway, one Elastic IP + NAT gateway per zone
    (perZone, 2 zones) or a single one."""
    return [
        cluster(tier),
        *private_subnets(2),
        # As components/network declares them: no public IP mapping, named public.
        *[_resource("aws:ec2/subnet:Subnet", f"app-network-public-{index}",
                    cidrBlock=f"10.0.{128 + 16 * index}.0/20", mapPublicIpOnLaunch=False)
          for index in range(2)],
        _resource("aws:ec2/internetGateway:InternetGateway", "app-network-igw"),
        *[_resource("aws:ec2/eip:Eip", f"app-network-nat-ip-{index}", domain="vpc")
          for index in range(gateways)],
        *[_resource("aws:ec2/natGateway:NatGateway", f"app-network-nat-{index}",
                    allocationId=UNKNOWN, subnetId=UNKNOWN) for index in range(gateways)],
        function(),
    ]  # fmt: skip


def public_path(tier: str = "M0") -> list[PlannedResource]:
    return [cluster(tier), function(in_vpc=False)]


def _items(resources: list[PlannedResource]) -> dict[str, tuple[int, Decimal | None, bool]]:
    return {
        item.price.key: (item.quantity, item.monthly_usd, item.up_to)
        for item in estimate(resources).items
    }


# --- the price table -----------------------------------------------------------------------


def test_every_price_names_its_source_and_the_day_it_was_read():
    assert date.fromisoformat(PRICES_CHECKED) <= date.today()
    for price in prices.ALL_PRICES:
        assert price.source.startswith("https://"), price.key
        assert price.checked == PRICES_CHECKED, price.key
        assert price.per in ("hour", "month"), price.key
        assert price.region in (prices.PRICED_REGION, "all"), price.key
        assert price.note, f"{price.key}: say where the figure comes from"
    # Every dedicated tier the guardrails accept has a row: a price, or an explicit "none".
    assert set(prices.ATLAS_TIERS) == set(DEDICATED_TIERS)
    # Prices we could not source stay unpriced rather than guessed.
    assert {tier for tier, price in prices.ATLAS_TIERS.items() if price.usd is None} == {
        "R40", "M80", "R80", "M140", "M200", "M300"
    }  # fmt: skip
    assert prices.ATLAS_PRIVATE_ENDPOINT.usd is None


def test_the_list_prices_as_sourced():
    # Read on the vendors' pages (or AWS's own example, transcribed): a change here is a
    # price update, and PRICES_CHECKED must move with it.
    assert prices.ATLAS_TIERS["M10"].usd == Decimal("0.08")  # mongodb.com/pricing
    assert prices.ATLAS_TIERS["M30"].usd == Decimal("0.54")  # invoice-breakdown docs
    assert prices.ATLAS_FLEX.usd == Decimal("0.011")  # atlas-flex-costs docs
    assert prices.ATLAS_FLEX_CAP_MONTHLY == 30
    assert prices.ATLAS_M0.usd == 0
    assert prices.AWS_INTERFACE_ENDPOINT_AZ.usd == Decimal("0.01")
    assert prices.AWS_NAT_GATEWAY.usd == Decimal("0.045")
    assert prices.AWS_PUBLIC_IPV4.usd == Decimal("0.005")
    assert prices.AWS_VPC_PEERING.usd == 0
    # Third-party figures are marked as such.
    assert not prices.ATLAS_TIERS["M40"].vendor_page and prices.ATLAS_TIERS["M10"].vendor_page


# --- each path -----------------------------------------------------------------------------


@pytest.mark.parametrize("zones", [2, 3])
def test_private_endpoint_pays_per_zone(zones):
    cost = estimate(private_endpoint_path(zones, known=True))
    items = {item.price.key: item for item in cost.items}
    m10 = _monthly(prices.ATLAS_TIERS["M10"])
    endpoint = _monthly(prices.AWS_INTERFACE_ENDPOINT_AZ, zones)
    assert items["atlas-M10"].monthly_usd == m10
    assert items["aws-vpc-endpoint-az"].quantity == zones
    assert items["aws-vpc-endpoint-az"].monthly_usd == endpoint
    assert items["aws-vpc-endpoint-az"].label == f"AWS interface VPC endpoint, {zones} zones"
    # Atlas's own per-region private endpoint charge is named, never guessed.
    assert items["atlas-private-endpoint"].monthly_usd is None
    assert cost.total_usd == m10 + endpoint
    assert not cost.upper_bound and [item.price.key for item in cost.unpriced] == [
        "atlas-private-endpoint"
    ]
    assert cost.network_path == "privateEndpoint"
    assert {"privatelink-data", "atlas-private-endpoint-capacity"} <= set(cost.extra_charges)
    assert "nat-data" not in cost.extra_charges


def test_zones_chosen_at_deploy_are_an_upper_bound():
    cost = estimate(private_endpoint_path(3, known=False))
    [endpoint] = [item for item in cost.items if item.price.key == "aws-vpc-endpoint-az"]
    assert (endpoint.quantity, endpoint.up_to) == (3, True)
    assert endpoint.label == "AWS interface VPC endpoint, up to 3 zones"
    assert cost.upper_bound
    assert cost.total_usd == _monthly(prices.ATLAS_TIERS["M10"]) + _monthly(
        prices.AWS_INTERFACE_ENDPOINT_AZ, 3
    )
    # Public subnets (the NAT path's) are never counted as endpoint zones.
    mixed = private_endpoint_path(2, known=False) + nat_path(1)[3:5]
    [endpoint] = [i for i in estimate(mixed).items if i.price.key == "aws-vpc-endpoint-az"]
    assert endpoint.quantity == 2


def test_peering_has_no_hourly_charge_and_names_cross_zone_transfer():
    cost = estimate(peering_path())
    assert _items(peering_path()) == {
        "atlas-M10": (1, _monthly(prices.ATLAS_TIERS["M10"]), False),
        "aws-vpc-peering": (1, Decimal("0.00"), False),
    }
    assert cost.total_usd == _monthly(prices.ATLAS_TIERS["M10"])
    assert cost.network_path == "peering"
    assert "cross-az" in cost.extra_charges and "privatelink-data" not in cost.extra_charges


def test_nat_gateway_per_zone_pays_two_gateways_and_two_addresses():
    cost = estimate(nat_path(2))
    nat, ipv4 = _monthly(prices.AWS_NAT_GATEWAY, 2), _monthly(prices.AWS_PUBLIC_IPV4, 2)
    assert _items(nat_path(2)) == {
        "atlas-M10": (1, _monthly(prices.ATLAS_TIERS["M10"]), False),
        "aws-nat-gateway": (2, nat, False),
        "aws-public-ipv4": (2, ipv4, False),
    }
    assert cost.total_usd == _monthly(prices.ATLAS_TIERS["M10"]) + nat + ipv4
    assert cost.network_path == "natGateway"
    assert {"nat-data", "internet-egress", "cross-az"} <= set(cost.extra_charges)


def test_a_single_nat_gateway_saves_one_gateway_and_one_address():
    per_zone, single = estimate(nat_path(2)), estimate(nat_path(1))
    assert _items(nat_path(1))["aws-nat-gateway"] == (1, _monthly(prices.AWS_NAT_GATEWAY), False)
    assert _items(nat_path(1))["aws-public-ipv4"] == (1, _monthly(prices.AWS_PUBLIC_IPV4), False)
    assert per_zone.total_usd - single.total_usd == _monthly(prices.AWS_NAT_GATEWAY) + _monthly(
        prices.AWS_PUBLIC_IPV4
    )


def test_public_path_on_m0_costs_nothing_fixed():
    cost = estimate(public_path("M0"))
    [item] = cost.items
    assert (item.price.key, item.monthly_usd, item.label) == (
        "atlas-M0", Decimal("0.00"), "Atlas cluster M0 (free)"
    )  # fmt: skip
    assert cost.total_usd == 0 and not cost.unpriced and not cost.upper_bound
    assert cost.network_path == "public"
    assert "internet-egress" in cost.extra_charges
    assert "atlas-backup" not in cost.extra_charges  # M0 has none


def test_flex_pays_its_base_and_names_its_cap():
    cost = estimate(public_path("FLEX"))
    [item] = cost.items
    assert item.price is prices.ATLAS_FLEX
    assert item.monthly_usd == _monthly(prices.ATLAS_FLEX) == Decimal("8.03")
    assert "$30.00" in item.note
    assert "flex-usage" in cost.extra_charges
    # Flex as its own resource type (mongodbatlas FlexCluster) is priced the same.
    settings = {"backingProviderName": "AWS", "regionName": "EU_WEST_1"}
    flex = _resource("mongodbatlas:index/flexCluster:FlexCluster", "app-flex",
                     providerSettings=settings)  # fmt: skip
    cost = estimate([flex])
    assert cost.total_usd == _monthly(prices.ATLAS_FLEX) and cost.region == "eu-west-1"


def test_sharded_m30_pays_per_shard():
    resources = [cluster("M30", shards=2, max_tier="M50")]
    cost = estimate(resources)
    [item] = cost.items
    assert (item.quantity, item.label) == (2, "Atlas cluster M30 (2 shards)")
    assert item.monthly_usd == _monthly(prices.ATLAS_TIERS["M30"], 2)
    # Auto-scaling can take it higher: said, at the ceiling tier's price.
    assert f"${_monthly(prices.ATLAS_TIERS['M50'], 2):,.2f}" in item.note
    assert any("per shard" in note for note in cost.notes)


def test_unsourced_prices_are_counted_not_guessed():
    cost = estimate([cluster("M80"), cluster("M10", nodes=5)])
    assert cost.total_usd == 0
    assert [item.label for item in cost.unpriced] == [
        "Atlas cluster M10 (replica set)", "Atlas cluster M80 (replica set)"
    ]  # fmt: skip
    assert "5 electable nodes" in cost.unpriced[0].note


def test_prices_are_labelled_with_their_region():
    assert "us-east-1, the plan's region" in estimate([cluster()]).region_note
    note = estimate([cluster(region="EU_WEST_1")]).region_note
    assert "us-east-1" in note and "eu-west-1" in note and "differ" in note


# --- the preview: text and JSON -------------------------------------------------------------


def _plan(resources: list[PlannedResource]) -> Plan:
    return Plan(project="atlas-lambda", stack="test", resources=resources)


def test_plan_json_carries_the_cost():
    document = json.loads(_plan(nat_path(2)).to_json())
    cost = document["cost"]
    expected = _monthly(prices.ATLAS_TIERS["M10"]) + _monthly(prices.AWS_NAT_GATEWAY, 2) + _monthly(
        prices.AWS_PUBLIC_IPV4, 2
    )
    assert cost["total"] == {"monthly_usd": float(expected), "up_to": False, "unpriced": []}
    assert (cost["currency"], cost["hours_per_month"]) == ("USD", 730)
    assert cost["prices_checked"] == PRICES_CHECKED
    assert cost["network_path"] == "natGateway" and cost["region"] == "us-east-1"
    assert {source["url"] for source in cost["sources"]} == {
        prices.MONGODB_PRICING, prices.AWS_VPC_PRICING, prices.AWS_IPV4_ANNOUNCEMENT
    }  # fmt: skip
    assert "nat-data" in {extra["charge"] for extra in cost["extra_charges"]}


def test_text_preview_shows_the_cost_section():
    text = render(_plan(nat_path(2)))
    section = text[text.index("Fixed monthly cost") :]
    assert "networkPath natGateway; USD, 730 hours a month" in section
    assert f"prices checked {PRICES_CHECKED}" in section
    assert re.search(r"AWS NAT gateways\s+2 x \$0\.045/h\s+\$65\.70", section)
    assert re.search(r"public IPv4 addresses \(Elastic IP\)\s+2 x \$0\.005/h\s+\$7\.30", section)
    assert "Total: $131.40 a month" in section  # 58.40 + 65.70 + 7.30, from the table above
    assert "AWS NAT gateway data processed, per GB" in section
    assert prices.AWS_VPC_PRICING in section


def test_dev_stack_preview_shows_its_cost(preview_stack, capsys):
    plan = preview_stack("dev").plan
    zones = sum(
        1 for resource in plan.by_type("aws:ec2/subnet:Subnet")
        if resource.inputs.get("mapPublicIpOnLaunch") is not True
    )  # fmt: skip
    expected = _monthly(prices.ATLAS_TIERS["M10"]) + _monthly(
        prices.AWS_INTERFACE_ENDPOINT_AZ, zones
    )
    cost = json.loads(plan.to_json())["cost"]
    assert cost["network_path"] == "privateEndpoint"
    assert cost["total"]["monthly_usd"] == float(expected)
    assert cost["total"]["up_to"] is True  # the endpoint's subnets are picked at deploy
    assert cost["total"]["unpriced"] == ["Atlas private endpoint (its region)"]
    text = render(plan)
    assert f"Total: up to ${expected:,.2f} a month, plus 1 unpriced item" in text
    assert f"AWS interface VPC endpoint, up to {zones} zones" in text
    assert "list prices for us-east-1, the plan's region" in text


# --- the plan diff ---------------------------------------------------------------------------


def test_plan_diff_shows_a_nat_gateway_added(tmp_path, capsys):
    base = json.loads(_plan(public_path("M10")).to_json())
    head_resources = public_path("M10") + nat_path(1)[3:-1]  # + subnets, IGW, EIP, NAT
    head = json.loads(_plan(head_resources).to_json())
    diff = diff_plans(base, head)
    assert diff.cost is not None and diff.has_changes
    m10 = _monthly(prices.ATLAS_TIERS["M10"])
    added = _monthly(prices.AWS_NAT_GATEWAY) + _monthly(prices.AWS_PUBLIC_IPV4)
    assert diff.cost.before["monthly_usd"] == float(m10)
    assert diff.cost.after["monthly_usd"] == float(m10 + added)
    assert {(item.item, item.added) for item in diff.cost.items} == {
        ("AWS NAT gateway", True), ("AWS public IPv4 address (Elastic IP)", True)
    }  # fmt: skip
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    assert run_command(main, [str(tmp_path / "base.json"), str(tmp_path / "head.json")]) == 2
    out = capsys.readouterr().out
    assert f"~ fixed monthly cost: ${m10:,.2f} => ${m10 + added:,.2f}" in out
    assert f"+ AWS NAT gateway: ${_monthly(prices.AWS_NAT_GATEWAY):,.2f}" in out


def test_plan_diff_cost_unchanged_and_old_plans_without_cost(tmp_path):
    plan = json.loads(_plan(nat_path(2)).to_json())
    assert diff_plans(plan, plan).cost is None
    old = {key: value for key, value in plan.items() if key != "cost"}
    # A plan written before costs were recorded loads, and is no cost change either way.
    assert diff_plans(old, plan).cost is None and diff_plans(plan, old).cost is None
    assert not diff_plans(old, plan).has_changes
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(plan))
    assert run_command(main, [str(tmp_path / "old.json"), str(tmp_path / "new.json")]) == 0


def test_plan_diff_refuses_a_malformed_cost(tmp_path, capsys):
    plan = json.loads(_plan(nat_path(1)).to_json())
    plan["cost"]["total"]["monthly_usd"] = "lots"
    (tmp_path / "bad.json").write_text(json.dumps(plan))
    assert run_command(main, [str(tmp_path / "bad.json"), str(tmp_path / "bad.json")]) == 1
    assert "cost is not a cost estimate" in capsys.readouterr().err


def test_plan_diff_cost_labels_are_escaped():
    base = json.loads(_plan(nat_path(1)).to_json())
    head = json.loads(json.dumps(base))
    head["cost"]["items"][1]["item"] = "NAT\x1b[31m::error::"
    head["cost"]["items"][1]["monthly_usd"] = 1.0
    head["cost"]["total"]["monthly_usd"] = 1.0
    text = render_diff(diff_plans(base, head))
    assert "\x1b" not in text and "~ fixed monthly cost" in text
