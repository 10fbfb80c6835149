"""Stack policies for the network paths: peering, NAT gateway, public (issue 16).

The same rules the stack config and the components apply (`guardrails.network_paths`,
`guardrails.rules`), over what a program declares, whoever wrote it. Each needs more than
one resource (which VPC a peering joins, which Elastic IP an access-list entry comes
from), so each is a stack policy; `network_view.py` answers those questions at preview
(by property dependencies) and at `pulumi up` (by ids and values).

What a stack policy cannot see is checked by the components instead: a VPC, route table or
NAT gateway the stack does not declare (a given VPC is read from EC2 by the component,
which refuses DNS off, overlapping CIDRs and adds the routes itself); a subnet with no
explicit route table association (it uses the VPC's main table, which the stack does not
declare); and an access-list address read from EC2 rather than from a declared Elastic IP
(a given VPC's NAT gateways), which the pack cannot trace to a NAT and so treats as typed
by hand (`allowAccessList`).
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import PolicyConfigSchema, StackValidationArgs
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from . import resource_types as types
from .network_view import (
    VPC_DNS_HOSTNAMES_DEFAULT,
    VPC_DNS_SUPPORT_DEFAULT,
    NetworkView,
    known_string,
    resource_id,
    route_verdict,
)
from .props import UNKNOWN, items, read
from .stack_policies import Located, stack_policy
from .stack_view import StackResource, StackView
from .toolkit import network_paths, rules

ACCESS_LIST_FIELDS = ("cidrBlock", "ipAddress", "awsSecurityGroup")
ALLOW_ACCESS_LIST = "allowAccessList"
ALLOW_ACCESS_FROM_ANYWHERE = "allowAccessFromAnywhere"


# --- checks ---------------------------------------------------------------------------------


def container_cidr_findings(view: StackView, args: StackValidationArgs) -> Located:
    """An AWS container's CIDR: RFC 1918, /21 to /24, and clear of every VPC CIDR the stack
    declares (primary and secondary) and of every peering's `routeTableCidrBlock`, which
    covers a given VPC the stack does not declare."""
    network = NetworkView(view.resources)
    vpc_cidrs: list[str] = []
    for resource in network.of_type(types.VPC, types.VPC_CIDR_ASSOCIATION):
        vpc_cidrs.append(known_string(read(resource.props, "cidrBlock")) or "")
    for peering in network.of_type(types.NETWORK_PEERING):
        vpc_cidrs.append(known_string(read(peering.props, "routeTableCidrBlock")) or "")
    vpc_cidrs = sorted(set(vpc_cidrs) - {""})
    for container in network.of_type(types.NETWORK_CONTAINER):
        if read(container.props, "providerName", default="AWS") != "AWS":
            continue  # GCP and Azure containers have their own CIDR rules
        cidr = known_string(read(container.props, "atlasCidrBlock"))
        if cidr is None:
            continue
        key = f"{container.name}.atlasCidrBlock"
        for finding in network_paths.atlas_cidr_block(cidr, key=key) + (
            network_paths.cidr_overlap(cidr, vpc_cidrs, key=key)
        ):
            yield finding, container.urn


def peering_vpc_dns_findings(view: StackView, args: StackValidationArgs) -> Located:
    """A declared VPC that a peering joins resolves the cluster's names privately: DNS
    support and DNS hostnames on (the provider's defaults: support on, hostnames off)."""
    network = NetworkView(view.resources)
    seen: set[str] = set()
    for peering in network.of_type(types.NETWORK_PEERING):
        for vpc in network.peered_vpcs(peering):
            if vpc.urn in seen:
                continue
            seen.add(vpc.urn)
            support = read(vpc.props, "enableDnsSupport", default=VPC_DNS_SUPPORT_DEFAULT)
            hostnames = read(vpc.props, "enableDnsHostnames", default=VPC_DNS_HOSTNAMES_DEFAULT)
            if support is UNKNOWN or hostnames is UNKNOWN:
                continue
            label = resource_id(vpc) or vpc.name
            key = f"{vpc.name}.{'enableDnsHostnames' if support else 'enableDnsSupport'}"
            for finding in network_paths.vpc_dns(label, bool(support), bool(hostnames), key=key):
                yield finding, vpc.urn


def peering_route_findings(view: StackView, args: StackValidationArgs) -> Located:
    """Each declared route table associated with a subnet of a function that talks to
    MongoDB, in a VPC a peering joins, routes the peering's Atlas CIDR through it.

    A table whose routes can't be told yet (an unknown destination or target from no
    resource of the stack) is judged when `pulumi up` runs the pack again, ids known.
    """
    network = NetworkView(view.resources)
    functions = [
        resource
        for function in view.functions
        if function.talks_to_mongodb and (resource := view.resource(function.urn)) is not None
    ]
    reported: set[tuple[str, str]] = set()
    for peering in network.of_type(types.NETWORK_PEERING):
        cidr = network.container_cidr(peering)
        if cidr is None:
            continue  # the container is not declared: its CIDR is the component's to route
        connection = network.connection(peering)
        peered_vpc = network.peered_vpc_names(peering)
        for function in functions:
            subnets = network.function_subnets(function)
            vpc = network.function_vpc_names(function, subnets)
            if vpc and peered_vpc and vpc.isdisjoint(peered_vpc):
                continue  # another VPC: another peering's (or no peering's) business
            for table in network.route_tables(subnets):
                verdicts = [route_verdict(r, cidr, connection) for r in network.routes(table)]
                if True in verdicts or None in verdicts or (table.urn, cidr) in reported:
                    continue
                reported.add((table.urn, cidr))
                key = f"{table.name}.routes"
                for finding in network_paths.peering_route(table.name, cidr, key=key):
                    yield finding, table.urn


def _generated(network: NetworkView, entry: StackResource, field: str, value: Any) -> bool:
    """An entry the network path makes: a NAT Elastic IP `/32`, or the peered VPC's CIDR
    (Atlas "Set Up a Network Peering Connection": add the VPC's CIDR to the access list)."""
    if field != "cidrBlock":
        return False
    if isinstance(value, str) and value in network.peered_cidrs():
        return True
    return network.nat_entry(entry, value)


def access_list_findings(view: StackView, args: StackValidationArgs) -> Located:
    """Entries the network path generates pass; 0.0.0.0/0 needs the pack's
    `allowAccessFromAnywhere`; any other entry needs `allowAccessList` (and ::/0 never).

    The opt-ins are the policy's config, not something the program says about itself: the
    person who runs the pack decides. A stack policy, not a resource policy, because only
    the stack shows where an entry's value comes from (pulumi-policy hands a resource
    policy no dependencies). An entry whose value is unknown at preview and that comes
    from no Elastic IP is left to `pulumi up`: pulumi-policy notes that the policy could not
    run yet (raised once every known entry has been reported), and the pack judges the
    value when it runs over the deployed stack, which fails the update then (stack
    policies run after the resources are registered, so the entry already exists).
    """
    config = args.get_config()
    allow_list = bool(config.get(ALLOW_ACCESS_LIST, False))
    allow_anywhere = bool(config.get(ALLOW_ACCESS_FROM_ANYWHERE, False))
    network = NetworkView(view.resources)
    pending: list[str] = []
    given: list[tuple[str, str]] = []  # (value, urn) of the entries a user wrote
    for entry in network.of_type(types.IP_ACCESS_LIST):
        for field in ACCESS_LIST_FIELDS:
            value = read(entry.props, field)
            if value is None or value == "":
                continue
            if value == network_paths.ANYWHERE:
                findings = network_paths.anywhere_access(
                    "public", allow_anywhere, key=ALLOW_ACCESS_FROM_ANYWHERE
                )
            elif _generated(network, entry, field, value):
                continue
            elif value is UNKNOWN:
                pending.append(f"{entry.name}.{field}")
                continue
            else:
                findings = rules.access_list([str(value)], allow_list, key=field)
                given.append((str(value), entry.urn))
            for finding in findings:
                yield finding, entry.urn
    # Entries that are 0.0.0.0/0 in pieces (0.0.0.0/1 + 128.0.0.0/1), none wide alone.
    for finding in rules.access_list_union([value for value, _ in given], key="cidrBlock"):
        yield finding, given[-1][1]
    if pending:
        unknown = UnknownValueError(UNKNOWN_STRING_VALUE, [pending[0]])
        unknown.message = f"{', '.join(pending)} can't be known during preview"
        raise unknown


def anywhere_findings(view: StackView, args: StackValidationArgs) -> Located:
    """Every 0.0.0.0/0 entry, opted in or not, earns the warning that names the risk."""
    for entry in view.of_type(types.IP_ACCESS_LIST):
        if read(entry.props, "cidrBlock") == network_paths.ANYWHERE:
            for finding in network_paths.anywhere_access(
                "public", True, key=ALLOW_ACCESS_FROM_ANYWHERE
            ):
                yield finding, entry.urn


def public_function_findings(view: StackView, args: StackValidationArgs) -> Located:
    """A function with a MongoDB URI and no VPC (no `vpcConfig`, or no subnets in it)."""
    for function in view.functions:
        resource = view.resource(function.urn)
        if not function.talks_to_mongodb or resource is None:
            continue
        config = read(resource.props, "vpcConfig")
        subnets = read(resource.props, "vpcConfig", "subnetIds")
        if config is UNKNOWN or subnets is UNKNOWN:
            continue
        if config is None or not items(subnets):
            for finding in network_paths.public_function(function.name):
                yield finding, function.urn


ACCESS_LIST_CONFIG = PolicyConfigSchema(
    properties={
        ALLOW_ACCESS_LIST: {
            "type": "boolean",
            "default": False,
            "description": "Allow IP access list entries typed by hand (a Lambda on a "
            "private path needs none; a NAT's Elastic IPs and a peered VPC's CIDR need no "
            "opt-in). Never 0.0.0.0/0 or ::/0.",
        },
        ALLOW_ACCESS_FROM_ANYWHERE: {
            "type": "boolean",
            "default": False,
            "description": "Allow 0.0.0.0/0, which the public path (a function outside any "
            "VPC) needs; it still earns a warning.",
        },
    }
)

NETWORK_POLICIES = [
    stack_policy(
        "atlas-access-list",
        "Atlas IP access list: entries the network path makes (a NAT's Elastic IP /32, "
        "the peered VPC's CIDR) pass; 0.0.0.0/0 only with allowAccessFromAnywhere; any "
        "other entry only with allowAccessList; never ::/0.",
        access_list_findings,
        config_schema=ACCESS_LIST_CONFIG,
    ),
    stack_policy(
        "atlas-access-from-anywhere-advisory",
        "An access-list entry for 0.0.0.0/0 leaves only the database user's credentials "
        "between the internet and the data.",
        anywhere_findings,
        severity="advisory",
    ),
    stack_policy(
        "atlas-network-container-cidr",
        "An AWS network container's CIDR is an RFC 1918 /21 to /24 that overlaps no VPC "
        "of the stack nor a peering's VPC CIDR.",
        container_cidr_findings,
    ),
    stack_policy(
        "atlas-peering-vpc-dns",
        "A peered VPC has DNS support and DNS hostnames on, or the cluster's names resolve "
        "to public addresses and bypass the peering.",
        peering_vpc_dns_findings,
    ),
    stack_policy(
        "atlas-peering-routes",
        "Every route table of a Lambda's subnets routes the Atlas CIDR to the peering.",
        peering_route_findings,
    ),
    stack_policy(
        "lambda-public-path-advisory",
        "A Lambda with a MongoDB URI and no VPC reaches Atlas over the internet.",
        public_function_findings,
        severity="advisory",
    ),
]
