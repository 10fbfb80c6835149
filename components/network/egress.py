"""Routing of a created VPC: private route tables per zone, and NAT gateways for egress.

A Lambda network interface never gets a public address, so on the natGateway path the
function reaches Atlas's public endpoints through a NAT gateway in a public subnet, whose
Elastic IP is the one address the Atlas access list admits (AWS VPC User Guide, "NAT
gateways": a public NAT gateway needs an Elastic IP and a route from the private subnets;
"create a NAT gateway in each Availability Zone" for zone-independent architecture).
Each private subnet gets its own route table, so a route added later (peering's route to
the Atlas CIDR) lands in every table the function's subnets use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from ..tagging import resource_tags

ANYWHERE = "0.0.0.0/0"


def private_route_tables(
    name: str,
    vpc_id: pulumi.Input[str],
    private_subnets: Sequence[aws.ec2.Subnet],
    tags: Mapping[str, str] | None,
    parent: pulumi.Resource,
) -> list[aws.ec2.RouteTable]:
    """One route table per private subnet, associated explicitly (routes are separate
    `Route` resources, never inline, so other components can add theirs)."""
    child = pulumi.ResourceOptions(parent=parent)
    tables = []
    for index, subnet in enumerate(private_subnets):
        table = aws.ec2.RouteTable(
            f"{name}-private-rt-{index}",
            vpc_id=vpc_id,
            tags=resource_tags(tags, f"{name}-private-rt-{index}"),
            opts=child,
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-private-rt-{index}", route_table_id=table.id, subnet_id=subnet.id, opts=child
        )
        tables.append(table)
    return tables


def nat_gateways(
    name: str,
    vpc_id: pulumi.Input[str],
    public_subnets: Sequence[aws.ec2.Subnet],
    private_tables: Sequence[aws.ec2.RouteTable],
    single: bool,
    tags: Mapping[str, str] | None,
    parent: pulumi.Resource,
) -> list[aws.ec2.Eip]:
    """Internet gateway, public route table, one NAT gateway with an Elastic IP per zone (or
    one in the first zone), and each private table's default route to the NAT of its zone."""
    child = pulumi.ResourceOptions(parent=parent)
    gateway = aws.ec2.InternetGateway(
        f"{name}-igw", vpc_id=vpc_id, tags=resource_tags(tags, f"{name}-igw"), opts=child
    )
    public_table = aws.ec2.RouteTable(
        f"{name}-public-rt", vpc_id=vpc_id, tags=resource_tags(tags, f"{name}-public-rt"),
        opts=child,
    )  # fmt: skip
    aws.ec2.Route(
        f"{name}-public-default",
        route_table_id=public_table.id,
        destination_cidr_block=ANYWHERE,
        gateway_id=gateway.id,
        opts=child,
    )
    for index, subnet in enumerate(public_subnets):
        aws.ec2.RouteTableAssociation(
            f"{name}-public-rt-{index}",
            route_table_id=public_table.id,
            subnet_id=subnet.id,
            opts=child,
        )
    # A NAT gateway needs the internet gateway attached first (EC2 refuses it otherwise).
    after_gateway = pulumi.ResourceOptions(parent=parent, depends_on=[gateway])
    elastic_ips, gateways = [], []
    for index, subnet in enumerate(public_subnets[:1] if single else public_subnets):
        address = aws.ec2.Eip(
            f"{name}-nat-eip-{index}",
            domain="vpc",
            tags=resource_tags(tags, f"{name}-nat-eip-{index}"),
            opts=after_gateway,
        )
        gateways.append(
            aws.ec2.NatGateway(
                f"{name}-nat-{index}",
                allocation_id=address.id,
                subnet_id=subnet.id,
                connectivity_type="public",
                tags=resource_tags(tags, f"{name}-nat-{index}"),
                opts=after_gateway,
            )
        )
        elastic_ips.append(address)
    for index, table in enumerate(private_tables):
        aws.ec2.Route(
            f"{name}-private-default-{index}",
            route_table_id=table.id,
            destination_cidr_block=ANYWHERE,
            nat_gateway_id=gateways[0 if single else index].id,
            opts=child,
        )
    return elastic_ips
