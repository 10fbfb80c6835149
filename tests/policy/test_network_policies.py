"""The network-path policies on hand-made stacks: each rule refuses, and passes, by name.

Resources are wired as the engine describes them: each property's dependencies
(`helpers.depends`) at preview, when the cloud's ids are unknown; ids and outputs (`id`,
`publicIp`, `connectionId`) once deployed, when `pulumi up` runs the pack again.
"""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UnknownValueError

from .helpers import (
    ACCEPTER,
    ACCESS_LIST,
    ASSOCIATION,
    CONTAINER,
    EIP,
    LAMBDA,
    NAT_GATEWAY,
    PEERING,
    PROJECT,
    ROUTE,
    ROUTE_TABLE,
    SUBNET,
    UNKNOWN,
    VPC,
    VPC_CIDR,
    cluster_props,
    depends,
    function_props,
    policy,
    stack_args,
    stack_resource,
    validate,
)

ATLAS_CIDR = "192.168.248.0/21"
ANYWHERE = {"allowAccessFromAnywhere": True}
VPC_CIDR_BLOCK = "10.0.0.0/16"


def peering_stack(
    *,
    tables: int = 2,
    routed: tuple[int, ...] | None = None,
    route_cidr: str = ATLAS_CIDR,
    vpc: dict[str, Any] | None = None,
    container_cidr: str = ATLAS_CIDR,
) -> dict[str, Any]:
    """A function in a created VPC peered with Atlas, as the peering path builds it (at
    preview: every id unknown, the wiring in the property dependencies). `routed`: the
    tables that get their route to the Atlas CIDR (all by default)."""
    project = stack_resource(PROJECT, {"name": "app"}, "project")
    network = stack_resource(
        VPC,
        vpc or {"cidrBlock": VPC_CIDR_BLOCK, "enableDnsSupport": True, "enableDnsHostnames": True},
        "vpc",
    )
    container = depends(
        stack_resource(
            CONTAINER,
            {"atlasCidrBlock": container_cidr, "providerName": "AWS", "projectId": UNKNOWN},
            "container",
        ),
        projectId=[project],
    )
    peering = depends(
        stack_resource(
            PEERING,
            {"containerId": UNKNOWN, "vpcId": UNKNOWN, "routeTableCidrBlock": VPC_CIDR_BLOCK},
            "peering",
        ),
        containerId=[container],
        vpcId=[network],
        projectId=[project],
    )
    accepter = depends(
        stack_resource(ACCEPTER, {"vpcPeeringConnectionId": UNKNOWN}, "accepter"),
        vpcPeeringConnectionId=[peering],
    )
    resources: dict[str, Any] = {
        "project": project,
        "vpc": network,
        "container": container,
        "peering": peering,
        "accepter": accepter,
    }
    subnets = []
    for index in range(tables):
        subnet = depends(
            stack_resource(
                SUBNET,
                {"vpcId": UNKNOWN, "cidrBlock": f"10.0.{16 * index}.0/20"},
                f"private-{index}",
            ),
            vpcId=[network],
        )
        table = depends(stack_resource(ROUTE_TABLE, {"vpcId": UNKNOWN}, f"rt-{index}"),
                        vpcId=[network])  # fmt: skip
        association = depends(
            stack_resource(
                ASSOCIATION, {"subnetId": UNKNOWN, "routeTableId": UNKNOWN}, f"rt-{index}"
            ),
            subnetId=[subnet],
            routeTableId=[table],
        )
        resources.update({f"subnet-{index}": subnet, f"rt-{index}": table,
                          f"association-{index}": association})  # fmt: skip
        subnets.append(subnet)
        if routed is None or index in routed:
            resources[f"route-{index}"] = depends(
                stack_resource(
                    ROUTE,
                    {
                        "routeTableId": UNKNOWN,
                        "destinationCidrBlock": route_cidr,
                        "vpcPeeringConnectionId": UNKNOWN,
                    },
                    f"route-{index}",
                ),
                routeTableId=[table],
                vpcPeeringConnectionId=[accepter],
            )
    function = stack_resource(
        LAMBDA,
        function_props(vpcConfig={"subnetIds": UNKNOWN, "securityGroupIds": [UNKNOWN]}),
        "fn",
    )
    resources["fn"] = depends(function, vpcConfig=subnets)
    return resources


def deployed_peering_stack(route_target: str = "pcx-0abc") -> dict[str, Any]:
    """The same stack once `pulumi up` has created it: every id known, and no property
    dependencies to lean on, so each link is made by value."""
    return {
        "vpc": stack_resource(VPC, {"id": "vpc-0abc", "cidrBlock": VPC_CIDR_BLOCK,
                                    "enableDnsSupport": True, "enableDnsHostnames": True}, "vpc"),
        "container": stack_resource(CONTAINER, {"id": "c1", "atlasCidrBlock": ATLAS_CIDR,
                                                "providerName": "AWS"}, "container"),
        "peering": stack_resource(PEERING, {"id": "6a0000000000000000000001", "containerId": "c1",
                                            "vpcId": "vpc-0abc", "connectionId": "pcx-0abc",
                                            "routeTableCidrBlock": VPC_CIDR_BLOCK}, "peering"),
        "accepter": stack_resource(ACCEPTER, {"id": "pcx-0abc", "vpcId": "vpc-0abc",
                                              "vpcPeeringConnectionId": "pcx-0abc"}, "accepter"),
        "subnet": stack_resource(SUBNET, {"id": "subnet-0a", "vpcId": "vpc-0abc"}, "private-0"),
        "table": stack_resource(ROUTE_TABLE, {"id": "rtb-0a", "vpcId": "vpc-0abc"}, "rt-0"),
        "association": stack_resource(ASSOCIATION, {"subnetId": "subnet-0a",
                                                    "routeTableId": "rtb-0a"}, "rt-0"),
        "route": stack_resource(ROUTE, {"routeTableId": "rtb-0a", "destinationCidrBlock":
                                        ATLAS_CIDR, "vpcPeeringConnectionId": route_target},
                                "route-0"),
        "fn": stack_resource(LAMBDA, function_props(vpcConfig={"subnetIds": ["subnet-0a"],
                                                               "vpcId": "vpc-0abc"}), "fn"),
    }  # fmt: skip


def run(name: str, resources: dict[str, Any], config: dict | None = None) -> list[tuple]:
    return validate(name, stack_args(*resources.values(), config=config)).calls


class TestPrivateNetworkTier:
    """Atlas "M0 (Free Cluster) Limits" and "Flex Limits": no network peering and no
    private endpoints there (network_paths.path_tier)."""

    @pytest.mark.parametrize("declared", [CONTAINER, PEERING])
    @pytest.mark.parametrize("tier", ["M0", "FLEX"])
    def test_peering_on_a_shared_tier_is_refused(self, declared: str, tier: str) -> None:
        shared = stack_resource(
            "mongodbatlas:index/advancedCluster:AdvancedCluster", cluster_props(tier), "app"
        )
        [(message, urn)] = validate(
            "atlas-private-endpoint-tier",
            stack_args(shared, stack_resource(declared, {"providerName": "AWS"}, "p")),
        ).calls
        assert message.startswith(
            f"app.instanceSize: peering: Atlas offers network peering only on dedicated "
            f"tiers (M10 and above), not on {tier}"
        )
        assert urn == shared.urn

    def test_the_peering_stack_on_m10_passes(self) -> None:
        dedicated = stack_resource(
            "mongodbatlas:index/advancedCluster:AdvancedCluster", cluster_props("M10"), "app"
        )
        resources = {**peering_stack(), "cluster": dedicated}
        assert run("atlas-private-endpoint-tier", resources) == []


class TestContainerCidr:
    """pulumi_mongodbatlas NetworkContainer `atlas_cidr_block`: at least a /24, at most a
    /21, in an RFC 1918 network; AWS VPC Peering Guide, "VPC peering limitations": no
    peering between overlapping CIDR blocks."""

    def test_the_peering_path_passes(self) -> None:
        assert run("atlas-network-container-cidr", peering_stack()) == []

    @pytest.mark.parametrize(
        ("cidr", "problem"),
        [
            ("192.168.0.0/16", "192.168.0.0/16 is a /16"),
            ("192.168.1.0/25", "192.168.1.0/25 is a /25"),
            ("100.64.0.0/21", "100.64.0.0/21 is not a private (RFC 1918) block"),
            ("10.0.8.0/21", "10.0.8.0/21 overlaps the VPC's 10.0.0.0/16"),
        ],
    )
    def test_a_bad_block_is_refused_on_the_container(self, cidr: str, problem: str) -> None:
        resources = peering_stack(container_cidr=cidr)
        [(message, urn)] = run("atlas-network-container-cidr", resources)
        assert message.startswith(f"container.atlasCidrBlock: {problem}")
        assert urn == resources["container"].urn

    def test_a_secondary_vpc_block_counts(self) -> None:
        secondary = stack_resource(VPC_CIDR, {"cidrBlock": "192.168.252.0/22"}, "secondary")
        [(message, _)] = run("atlas-network-container-cidr",
                             {**peering_stack(), "secondary": secondary})  # fmt: skip
        assert "overlaps the VPC's 192.168.252.0/22" in message

    def test_a_given_vpc_counts_through_the_peering(self) -> None:
        """A VPC the stack does not declare: its CIDR is the peering's routeTableCidrBlock."""
        resources = peering_stack()
        del resources["vpc"]
        resources["peering"] = stack_resource(
            PEERING, {"vpcId": "vpc-0given", "routeTableCidrBlock": "192.168.0.0/16"}, "peering"
        )
        [(message, _)] = run("atlas-network-container-cidr", resources)
        assert "192.168.248.0/21 overlaps the VPC's 192.168.0.0/16" in message

    def test_other_clouds_and_unknown_blocks_are_not_judged(self) -> None:
        gcp = stack_resource(CONTAINER, {"atlasCidrBlock": "10.0.0.0/18", "providerName": "GCP"})
        unknown = stack_resource(CONTAINER, {"atlasCidrBlock": UNKNOWN}, "later")
        assert run("atlas-network-container-cidr", {"gcp": gcp, "later": unknown}) == []


class TestPeeringVpcDns:
    """AWS VPC Peering Guide: resolving the peer's private names needs the VPC's DNS
    support and DNS hostnames on (network_paths.vpc_dns); pulumi_aws ec2.Vpc:
    enable_dns_hostnames defaults to false, enable_dns_support to true."""

    def test_dns_on_passes(self) -> None:
        assert run("atlas-peering-vpc-dns", peering_stack()) == []

    @pytest.mark.parametrize(
        ("props", "key", "off"),
        [
            ({"cidrBlock": VPC_CIDR_BLOCK}, "vpc.enableDnsHostnames", "DNS hostnames"),
            ({"cidrBlock": VPC_CIDR_BLOCK, "enableDnsSupport": False, "enableDnsHostnames": True},
             "vpc.enableDnsSupport", "DNS resolution"),
        ],
    )  # fmt: skip
    def test_dns_off_in_the_peered_vpc_is_refused(self, props: dict, key: str, off: str) -> None:
        resources = peering_stack(vpc=props)
        [(message, urn)] = run("atlas-peering-vpc-dns", resources)
        assert message.startswith(f"{key}: vpc has {off} off, so the cluster's names")
        assert urn == resources["vpc"].urn

    def test_a_vpc_no_peering_joins_is_not_judged(self) -> None:
        other = stack_resource(VPC, {"cidrBlock": "10.9.0.0/16"}, "other")
        assert run("atlas-peering-vpc-dns", {**peering_stack(), "other": other}) == []

    def test_once_deployed_the_vpc_is_found_by_id(self) -> None:
        resources = deployed_peering_stack()
        resources["vpc"] = stack_resource(VPC, {"id": "vpc-0abc", "cidrBlock": VPC_CIDR_BLOCK,
                                                "enableDnsHostnames": False}, "vpc")  # fmt: skip
        [(message, _)] = run("atlas-peering-vpc-dns", resources)
        assert message.startswith("vpc.enableDnsHostnames: vpc-0abc has DNS hostnames off")


class TestPeeringRoutes:
    """Atlas "Set Up a Network Peering Connection" (AWS): a route to the Atlas CIDR through
    the peering connection in every route table the function's subnets use."""

    def test_every_table_routed_passes(self) -> None:
        assert run("atlas-peering-routes", peering_stack()) == []

    def test_a_table_without_the_route_is_refused(self) -> None:
        resources = peering_stack(routed=(0,))
        [(message, urn)] = run("atlas-peering-routes", resources)
        assert message.startswith(
            "rt-1.routes: rt-1 serves the function's subnets and has no route to the Atlas "
            "CIDR 192.168.248.0/21 through the peering"
        )
        assert urn == resources["rt-1"].urn

    def test_a_route_elsewhere_does_not_count(self) -> None:
        resources = peering_stack(route_cidr="192.168.0.0/24")
        assert [urn for _, urn in run("atlas-peering-routes", resources)] == [
            resources["rt-0"].urn,
            resources["rt-1"].urn,
        ]

    def test_a_route_through_a_nat_does_not_count(self) -> None:
        resources = peering_stack(routed=(0,))
        nat = stack_resource(NAT_GATEWAY, {"subnetId": UNKNOWN}, "nat")
        resources["nat"] = nat
        resources["route-1"] = depends(
            stack_resource(ROUTE, {"routeTableId": UNKNOWN, "destinationCidrBlock": ATLAS_CIDR,
                                   "natGatewayId": UNKNOWN}, "route-1"),
            routeTableId=[resources["rt-1"]], natGatewayId=[nat],
        )  # fmt: skip
        assert [urn for _, urn in run("atlas-peering-routes", resources)] == [resources["rt-1"].urn]

    def test_inline_routes_count(self) -> None:
        resources = peering_stack(routed=(0,))
        resources["rt-1"].props = {
            "vpcId": "vpc-0abc",
            "routes": [{"cidrBlock": ATLAS_CIDR, "vpcPeeringConnectionId": UNKNOWN}],
        }
        resources["rt-1"].property_dependencies["routes"] = [resources["accepter"]]
        assert run("atlas-peering-routes", resources) == []

    def test_a_function_in_another_vpc_is_not_judged(self) -> None:
        resources = peering_stack(routed=())
        other = stack_resource(VPC, {"cidrBlock": "10.9.0.0/16"}, "other")
        for index in (0, 1):
            resources[f"subnet-{index}"].property_dependencies["vpcId"] = [other]
        resources["other"] = other
        assert run("atlas-peering-routes", resources) == []

    def test_once_deployed_routes_match_by_id(self) -> None:
        """`pulumi up`: route table, subnet and `pcx-` ids are known and compared."""
        assert run("atlas-peering-routes", deployed_peering_stack()) == []
        [(message, _)] = run("atlas-peering-routes", deployed_peering_stack("pcx-0other"))
        assert message.startswith("rt-0.routes: rt-0 serves the function's subnets")

    def test_a_route_not_known_yet_waits_for_up(self) -> None:
        """An unknown target from no resource of the stack: judged once known."""
        resources = peering_stack()
        for index in (0, 1):
            resources[f"route-{index}"].property_dependencies["vpcPeeringConnectionId"] = []
        assert run("atlas-peering-routes", resources) == []


class TestAccessList:
    """Atlas "Configure IP Access List Entries" and MongoDB's Lambda page: 0.0.0.0/0 is the
    last resort (network_paths.anywhere_access); a NAT's Elastic IP is one fixed address
    (AWS NAT gateway guide); a peering admits the VPC's CIDR (Atlas peering guide)."""

    def entry(self, cidr: Any, name: str = "entry", **deps: list) -> Any:
        project = stack_resource(PROJECT, {"name": "app"}, "project")
        return depends(stack_resource(ACCESS_LIST, {"cidrBlock": cidr, "projectId": UNKNOWN},
                                      name), projectId=[project], **deps)  # fmt: skip

    def test_anywhere_needs_the_opt_in_and_warns_either_way(self) -> None:
        entry = self.entry("0.0.0.0/0", "open")
        [(message, urn)] = run("atlas-access-list", {"open": entry})
        assert message.startswith("allowAccessFromAnywhere: networkPath public needs an "
                                  "access-list entry for 0.0.0.0/0")  # fmt: skip
        assert urn == entry.urn
        assert run("atlas-access-list", {"open": entry}, ANYWHERE) == []
        for config in (None, ANYWHERE):
            [(warning, _)] = run("atlas-access-from-anywhere-advisory", {"open": entry}, config)
            assert "only the IAM database user's credentials stand between" in warning
        assert policy("atlas-access-from-anywhere-advisory").enforcement_level == (
            EnforcementLevel.ADVISORY
        )

    def test_ipv6_anywhere_is_never_allowed(self) -> None:
        config = {**ANYWHERE, "allowAccessList": True}
        [(message, _)] = run("atlas-access-list", {"e": self.entry("::/0")}, config)
        assert message.startswith("cidrBlock: ::/0 opens the cluster to the whole internet")

    def test_anywhere_in_pieces_is_never_allowed(self) -> None:
        """0.0.0.0/1 + 128.0.0.0/1 is 0.0.0.0/0 (each is also wider than a /8); 256 /8s
        are too, though each alone passes with the opt-in (issue 17)."""
        config = {**ANYWHERE, "allowAccessList": True}
        halves = {"low": self.entry("0.0.0.0/1", "low"), "high": self.entry("128.0.0.0/1", "high")}
        messages = [message for message, _ in run("atlas-access-list", halves, config)]
        assert any("wider than a /8" in message for message in messages), messages
        assert any("cover every IPv4 address" in message for message in messages), messages
        eights = {f"e{n}": self.entry(f"{n}.0.0.0/8", f"e{n}") for n in range(256)}
        [(message, _)] = run("atlas-access-list", eights, config)
        assert message.startswith("cidrBlock: together the entries cover every IPv4 address")
        del eights["e10"]
        assert run("atlas-access-list", eights, config) == []

    @pytest.mark.parametrize(
        ("field", "value"),
        [("cidrBlock", "203.0.113.0/24"), ("ipAddress", "203.0.113.7"),
         ("awsSecurityGroup", "sg-0123456789abcdef0")],
    )  # fmt: skip
    def test_an_entry_typed_by_hand_needs_allow_access_list(self, field: str, value: str) -> None:
        entry = stack_resource(ACCESS_LIST, {field: value}, "office")
        [(message, _)] = run("atlas-access-list", {"office": entry})
        assert message == (
            f"{field}: {value} needs an explicit opt-in: set allowAccessList to true "
            "(allowed: no entries, or entries with allowAccessList: true)"
        )
        assert run("atlas-access-list", {"office": entry}, {"allowAccessList": True}) == []
        assert run("atlas-access-list", {"office": entry}, ANYWHERE) != []

    @pytest.mark.parametrize("source", [EIP, NAT_GATEWAY])
    def test_a_nat_address_from_the_stack_needs_no_opt_in(self, source: str) -> None:
        """At preview the address is unknown; its property dependency says where from."""
        eip = stack_resource(source, {"domain": "vpc"}, "eip")
        entry = self.entry(UNKNOWN, "nat", cidrBlock=[eip])
        assert run("atlas-access-list", {"eip": eip, "nat": entry}) == []

    def test_once_deployed_a_nat_entry_must_be_its_address(self) -> None:
        eip = stack_resource(EIP, {"domain": "vpc", "publicIp": "198.51.100.7"}, "eip")
        good = self.entry("198.51.100.7/32", "nat", cidrBlock=[eip])
        assert run("atlas-access-list", {"eip": eip, "nat": good}) == []
        for cidr in ("198.51.100.8/32", "198.51.100.0/24"):
            bad = self.entry(cidr, "nat", cidrBlock=[eip])
            [(message, _)] = run("atlas-access-list", {"eip": eip, "nat": bad})
            assert message.startswith(f"cidrBlock: {cidr} needs an explicit opt-in")

    def test_depending_on_an_eip_is_not_coming_from_it(self) -> None:
        """`depends_on=[eip]` puts the Elastic IP in the dependencies, not in cidrBlock's."""
        eip = stack_resource(EIP, {"domain": "vpc"}, "eip")
        typed = self.entry("203.0.113.7/32", "typed")
        typed.dependencies.append(eip)
        [(message, _)] = run("atlas-access-list", {"eip": eip, "typed": typed})
        assert message.startswith("cidrBlock: 203.0.113.7/32 needs an explicit opt-in")

    def test_the_peered_vpc_cidr_needs_no_opt_in(self) -> None:
        resources = peering_stack()
        resources["access"] = self.entry(VPC_CIDR_BLOCK, "access")
        assert run("atlas-access-list", resources) == []
        resources["access"] = self.entry("10.1.0.0/16", "access")
        [(message, _)] = run("atlas-access-list", resources)
        assert message.startswith("cidrBlock: 10.1.0.0/16 needs an explicit opt-in")
        # Without the peering, the same CIDR is one typed by hand.
        alone = {"access": self.entry(VPC_CIDR_BLOCK, "access"), "vpc": resources["vpc"]}
        assert len(run("atlas-access-list", alone)) == 1

    def test_an_unknown_entry_from_no_eip_waits_for_up(self) -> None:
        """Known entries are reported first; then pulumi-policy notes the rest can't run."""
        resources = {"late": self.entry(UNKNOWN, "late"), "open": self.entry("0.0.0.0/0", "o")}
        reported: list = []
        with pytest.raises(UnknownValueError) as raised:
            policy("atlas-access-list").validate(
                stack_args(*resources.values()), lambda m, u=None: reported.append(m)
            )
        assert raised.value.message == "late.cidrBlock can't be known during preview"
        assert [m.split(":")[0] for m in reported] == ["allowAccessFromAnywhere"]


class TestPublicPath:
    """MongoDB's Lambda page: a function outside a VPC reaches Atlas's public endpoints."""

    def test_a_function_outside_any_vpc_is_warned_about(self) -> None:
        for props in (function_props(), function_props(vpcConfig={"subnetIds": []})):
            fn = stack_resource(LAMBDA, props, "fn")
            [(message, urn)] = run("lambda-public-path-advisory", {"fn": fn})
            assert message.startswith("vpcConfig: fn runs outside any VPC and reaches Atlas "
                                      "over the internet")  # fmt: skip
            assert urn == fn.urn
        assert policy("lambda-public-path-advisory").enforcement_level == (
            EnforcementLevel.ADVISORY
        )

    def test_in_a_vpc_or_without_mongodb_it_is_not(self) -> None:
        in_vpc = function_props(vpcConfig={"subnetIds": UNKNOWN})
        no_uri = {"environment": {"variables": {"LOG_LEVEL": "info"}}}
        for props in (in_vpc, no_uri, function_props(vpcConfig=UNKNOWN)):
            assert run("lambda-public-path-advisory", {"fn": stack_resource(LAMBDA, props)}) == []
