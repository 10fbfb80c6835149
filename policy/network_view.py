"""What the network-path policies need to know: which resource a property points at.

At preview the cloud has made no ids yet: a subnet's, a route table's, the peering's `pcx-`
id are all unknown, so "this route is in that table" cannot be told from values. Pulumi
records, per input property, the resources its value came from
(`PolicyResource.property_dependencies`); and when `pulumi up` runs the pack again over
the deployed stack, the values and the resources' `id`s are known. A `Reference` holds
both: the resources the property depends on (of the types it can name) and, once known,
its value and every such resource whose id it is. Two references name the same thing when
they share an element, so one match works at preview (by URN) and at `up` (by id).

A resource with no property dependencies at all (the offline runner's plans record
dependencies per resource, not per property: components/offline/plan.py) falls back to its
dependencies of the types the property can name: a looser match, which the value checks
that run at `pulumi up` tighten.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import resource_types as types
from .props import UNKNOWN, items, read
from .stack_view import StackResource

Names = frozenset[str]
PEERING_CONNECTIONS = (types.PEERING_ACCEPTER, types.NETWORK_PEERING)
# The provider's defaults (pulumi_aws ec2.Vpc: enable_dns_support defaults to true,
# enable_dns_hostnames to false).
VPC_DNS_SUPPORT_DEFAULT = True
VPC_DNS_HOSTNAMES_DEFAULT = False
_READ: Any = object()


def resource_id(resource: StackResource) -> str | None:
    """The cloud's id, in the properties once deployed (not at preview)."""
    value = read(resource.props, "id")
    return value if isinstance(value, str) and value else None


def identity(resource: StackResource) -> Names:
    """Every name a property can use for `resource`: its URN, and its id once known."""
    rid = resource_id(resource)
    return frozenset({resource.urn, rid} if rid else {resource.urn})


def linked(resource: StackResource, prop: str, type_tokens: Sequence[str]) -> list[StackResource]:
    """The resources of `type_tokens` that `prop`'s value came from."""
    by_property = resource.property_dependencies
    sources = by_property.get(prop, ()) if by_property else resource.dependencies
    return [r for r in sources if r.resource_type in type_tokens]


def known_string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True)
class Reference:
    """What one property names: URNs of the resources it came from, its known values, and
    the URNs of the resources those values are the ids of."""

    names: Names
    pending: bool
    """Some of the value is not known yet (preview)."""

    def meets(self, names: Names) -> bool:
        return not self.names.isdisjoint(names)

    @property
    def undecided(self) -> bool:
        """Nothing to match on yet: unknown, and from no resource of the stack."""
        return self.pending and not self.names


@dataclass(frozen=True)
class Route:
    """A route to judge: its destination (a CIDR, or UNKNOWN) and what it goes through."""

    destination: Any
    target: Reference


class NetworkView:
    """The stack's VPCs, peerings, route tables and Elastic IPs, and how they connect."""

    def __init__(self, resources: Sequence[StackResource]) -> None:
        self.resources = resources

    def of_type(self, *type_tokens: str) -> list[StackResource]:
        return [r for r in self.resources if r.resource_type in type_tokens]

    def reference(
        self,
        resource: StackResource,
        prop: str,
        type_tokens: Sequence[str],
        value: Any = _READ,
    ) -> Reference:
        """What `resource`'s `prop` names (`value`: a nested value of that property)."""
        if value is _READ:
            value = read(resource.props, prop)
        if isinstance(value, Sequence) and not isinstance(value, str):
            elements = items(value)
        else:
            elements = [value]
        known = {v for v in elements if known_string(v)}
        names = {r.urn for r in linked(resource, prop, type_tokens)} | known
        names |= {r.urn for r in self.of_type(*type_tokens) if resource_id(r) in known}
        return Reference(frozenset(names), any(v is UNKNOWN for v in elements))

    # --- peering -----------------------------------------------------------------------

    def accepters(self, peering: StackResource) -> list[StackResource]:
        """The AWS side of an Atlas peering: accepters of its connection (`pcx-` id)."""
        own = identity(peering) | self._connection_id(peering)
        accepted = (types.NETWORK_PEERING,)
        return [
            accepter
            for accepter in self.of_type(types.PEERING_ACCEPTER)
            if self.reference(accepter, "vpcPeeringConnectionId", accepted).meets(own)
        ]

    def _connection_id(self, peering: StackResource) -> Names:
        connection_id = known_string(read(peering.props, "connectionId"))
        return frozenset({connection_id} if connection_id else ())

    def connection(self, peering: StackResource) -> Names:
        """Every name of the peering connection a route may target: the peering, its
        `connectionId` (the `pcx-` id, known once created) and its accepters (whose id is
        that same `pcx-` id)."""
        names = set(identity(peering) | self._connection_id(peering))
        for accepter in self.accepters(peering):
            names |= identity(accepter)
        return frozenset(names)

    def peered_vpc_names(self, peering: StackResource) -> Names:
        """The VPC a peering joins, by every name known: the peering's `vpcId`, and the
        accepter's (an output, known once accepted)."""
        refs = [self.reference(peering, "vpcId", (types.VPC,))]
        refs += [self.reference(a, "vpcId", (types.VPC,)) for a in self.accepters(peering)]
        names: set[str] = set()
        for ref in refs:
            names |= ref.names
        return frozenset(names)

    def peered_vpcs(self, peering: StackResource) -> list[StackResource]:
        """The VPCs the stack declares that `peering` joins."""
        names = self.peered_vpc_names(peering)
        return [vpc for vpc in self.of_type(types.VPC) if not identity(vpc).isdisjoint(names)]

    def container_cidr(self, peering: StackResource) -> str | None:
        """The Atlas CIDR a peering routes to: its container's `atlasCidrBlock`; the only
        container of the stack when the peering's `containerId` names none yet."""
        ref = self.reference(peering, "containerId", (types.NETWORK_CONTAINER,))
        containers = self.of_type(types.NETWORK_CONTAINER)
        chosen = [c for c in containers if ref.meets(identity(c))]
        if not chosen and not ref.names and len(containers) == 1:
            chosen = containers
        cidrs = {known_string(read(c.props, "atlasCidrBlock")) for c in chosen}
        cidrs.discard(None)
        return next(iter(cidrs)) if len(cidrs) == 1 else None

    def peered_cidrs(self) -> set[str]:
        """The peered VPCs' CIDRs: each peering's `routeTableCidrBlock` (Atlas routes it to
        the VPC) and the `cidrBlock` of each declared VPC a peering joins."""
        cidrs: set[str] = set()
        for peering in self.of_type(types.NETWORK_PEERING):
            cidrs.add(known_string(read(peering.props, "routeTableCidrBlock")) or "")
            for vpc in self.peered_vpcs(peering):
                cidrs.add(known_string(read(vpc.props, "cidrBlock")) or "")
        cidrs.discard("")
        return cidrs

    # --- the function's subnets and their route tables ---------------------------------

    def function_subnets(self, function: StackResource) -> Reference:
        """The subnets a function's ENIs live in (`vpcConfig.subnetIds`)."""
        subnet_ids = read(function.props, "vpcConfig", "subnetIds")
        return self.reference(function, "vpcConfig", (types.SUBNET,), value=subnet_ids)

    def function_vpc_names(self, function: StackResource, subnets: Reference) -> Names:
        """The function's VPC: its subnets' `vpcId`, and `vpcConfig.vpcId` (an output)."""
        vpc_id = read(function.props, "vpcConfig", "vpcId")
        names = set(self.reference(function, "vpcConfig", (types.VPC,), value=vpc_id).names)
        for subnet in self.of_type(types.SUBNET):
            if subnets.meets(identity(subnet)):
                names |= self.reference(subnet, "vpcId", (types.VPC,)).names
        return frozenset(names)

    def route_tables(self, subnets: Reference) -> list[StackResource]:
        """The declared route tables explicitly associated with any of `subnets`."""
        tables: list[StackResource] = []
        for association in self.of_type(types.ROUTE_TABLE_ASSOCIATION):
            if not self.reference(association, "subnetId", (types.SUBNET,)).meets(subnets.names):
                continue
            table = self.reference(association, "routeTableId", (types.ROUTE_TABLE,))
            for declared in self.of_type(types.ROUTE_TABLE):
                if table.meets(identity(declared)) and declared not in tables:
                    tables.append(declared)
        return tables

    def routes(self, table: StackResource) -> Iterator[Route]:
        """The routes of `table`: `aws.ec2.Route`s in it, and its inline `routes`."""
        names = identity(table)
        for route in self.of_type(types.ROUTE):
            if self.reference(route, "routeTableId", (types.ROUTE_TABLE,)).meets(names):
                yield Route(
                    read(route.props, "destinationCidrBlock"),
                    self.reference(route, "vpcPeeringConnectionId", PEERING_CONNECTIONS),
                )
        for inline in items(read(table.props, "routes")):
            yield Route(
                read(inline, "cidrBlock"),
                self.reference(
                    table, "routes", PEERING_CONNECTIONS,
                    value=read(inline, "vpcPeeringConnectionId"),
                ),
            )  # fmt: skip

    # --- NAT ---------------------------------------------------------------------------

    def nat_entry(self, entry: StackResource, cidr: Any) -> bool:
        """Whether an access-list `cidrBlock` is an Elastic IP of the stack, as a `/32`.

        It must come from an `aws.ec2.Eip` (or the `NatGateway` holding one) that the stack
        declares. Its value is unknown at preview, as is the address: the link decides.
        Once both are known (`pulumi up`), the value must be that address `/32`, so an
        entry typed by hand that merely depends on the Elastic IP does not pass. A known
        value beside an address not known yet (a preview of an existing stack whose state
        lacks it) is taken on the link, if it is a `/32`.
        """
        sources = linked(entry, "cidrBlock", (types.EIP, types.NAT_GATEWAY))
        if not sources:
            return False
        if cidr is UNKNOWN:
            return True
        if not isinstance(cidr, str) or not cidr.endswith("/32"):
            return False
        addresses = {known_string(read(s.props, "publicIp")) for s in sources} - {None}
        return not addresses or cidr in {f"{address}/32" for address in addresses}


def route_verdict(route: Route, cidr: str, connection: Names) -> bool | None:
    """True: a route to `cidr` through the peering; False: not one; None: can't tell yet."""
    if route.destination is UNKNOWN:
        destination: bool | None = None
    else:
        destination = route.destination == cidr
    if route.target.meets(connection):
        target: bool | None = True
    else:
        target = None if route.target.undecided else False
    if destination is False or target is False:
        return False
    return True if destination and target else None
