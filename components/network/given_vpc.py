"""What a given VPC already holds, read from EC2: its CIDR and DNS settings, the route tables
its subnets use, and the NAT gateways those tables send traffic to.

A subnet without an explicit route table association uses the VPC's main route table (AWS
VPC User Guide, "Subnet route tables"), so both are read. The reads are data sources: a
real preview runs them (the ids are known), the offline preview shows them as unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from ..errors import ConfigError
from .egress import ANYWHERE


def tables_for_subnets(explicit: Sequence[Sequence[str]], main: Sequence[str]) -> list[str]:
    """Each subnet's route table (its explicit one, else the main one), without repeats,
    in subnet order."""
    tables: list[str] = []
    for associated in explicit:
        table = associated[0] if associated else (main[0] if main else None)
        if table is None:
            raise ConfigError(
                "subnetIds", "a subnet has no route table and the VPC has no main route table",
                "subnets of vpcId that EC2 routes",
            )  # fmt: skip
        if table not in tables:
            tables.append(table)
    return tables


def route_table_ids(
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    parent: pulumi.Resource,
) -> pulumi.Output[list[str]]:
    """The route tables the subnets use."""
    invoke = pulumi.InvokeOutputOptions(parent=parent)

    def by_filter(vpc: str, name: str, value: str) -> pulumi.Output[list[str]]:
        found = aws.ec2.get_route_tables_output(
            vpc_id=vpc, filters=[{"name": name, "values": [value]}], opts=invoke
        )
        return found.ids

    def read(values: list[Any]) -> pulumi.Output[list[str]]:
        vpc, subnets = values
        main = by_filter(vpc, "association.main", "true")
        explicit = [by_filter(vpc, "association.subnet-id", subnet) for subnet in subnets]
        return pulumi.Output.all(main, *explicit).apply(
            lambda found: tables_for_subnets(found[1:], found[0])
        )

    return pulumi.Output.all(vpc_id, subnet_ids).apply(read)


def default_nat_gateway(table_id: str, routes: Sequence[Mapping[str, Any]]) -> str:
    """The NAT gateway a route table sends 0.0.0.0/0 to; none means the function in those
    subnets cannot reach Atlas's public endpoints (a Lambda interface has no public IP)."""
    for route in routes:
        if route.get("cidr_block") == ANYWHERE and route.get("nat_gateway_id"):
            return route["nat_gateway_id"]
    raise ConfigError(
        "subnetIds",
        f"route table {table_id} of the function's subnets sends 0.0.0.0/0 to no NAT gateway, "
        "so the function could not reach Atlas (a Lambda network interface has no public IP)",
        "private subnets whose route tables send 0.0.0.0/0 to a NAT gateway, or no vpcId "
        "to create them",
    )


def nat_public_ips(
    vpc_id: pulumi.Input[str],
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    parent: pulumi.Resource,
) -> pulumi.Output[list[str]]:
    """The public addresses of the NAT gateways the subnets route through, sorted."""
    invoke = pulumi.InvokeOutputOptions(parent=parent)

    def gateway_of(table: str) -> pulumi.Output[str]:
        read = aws.ec2.get_route_table_output(route_table_id=table, opts=invoke)
        return read.routes.apply(
            lambda routes: default_nat_gateway(table, [_plain(r) for r in routes or []])
        )

    def addresses(tables: list[str]) -> pulumi.Output[list[str]]:
        def public_ips(gateways: list[str]) -> pulumi.Output[list[str]]:
            reads = [
                aws.ec2.get_nat_gateway_output(id=gateway, opts=invoke).public_ip
                for gateway in dict.fromkeys(gateways)
            ]
            return pulumi.Output.all(*reads).apply(lambda ips: sorted(set(ips)))

        return pulumi.Output.all(*[gateway_of(table) for table in tables]).apply(public_ips)

    return route_table_ids(vpc_id, subnet_ids, parent).apply(addresses)


def _plain(value: Any) -> Mapping[str, Any]:
    """A data source's nested result as a mapping (a dict, or the SDK's result object)."""
    if isinstance(value, Mapping):
        return value
    return {key: getattr(value, key, None) for key in ("cidr_block", "nat_gateway_id")}


def read_vpc(
    vpc_id: pulumi.Input[str], parent: pulumi.Resource
) -> pulumi.Output[aws.ec2.GetVpcResult]:
    """The VPC's CIDR blocks and DNS attributes."""
    return aws.ec2.get_vpc_output(id=vpc_id, opts=pulumi.InvokeOutputOptions(parent=parent))


def subnet_attribute(
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]],
    attribute: str,
    parent: pulumi.Resource,
) -> pulumi.Output[dict[str, str]]:
    """One attribute of each subnet (`cidr_block`, `availability_zone`), read from EC2: works
    for created and given subnets alike."""
    invoke = pulumi.InvokeOutputOptions(parent=parent)

    def read(ids: list[str]) -> pulumi.Output[dict[str, str]]:
        values = [
            getattr(aws.ec2.get_subnet_output(id=subnet, opts=invoke), attribute)
            for subnet in ids
        ]
        return pulumi.Output.all(*values).apply(lambda found: dict(zip(ids, found, strict=True)))

    return pulumi.Output.from_input(subnet_ids).apply(read)
