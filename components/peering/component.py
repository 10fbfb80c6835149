"""VpcPeering: the Atlas network container's VPC peered with the function's VPC, complete.

What a peering needs beyond the connection itself, each of which peers' examples leave out
(Atlas "Set Up a Network Peering Connection"; AWS VPC Peering Guide):
- the AWS side accepts the request (the `pcx-` id is the Atlas peering's `connection_id`);
- every route table the function's subnets use routes the Atlas CIDR to the peering;
- the VPC resolves the cluster's names to private addresses: DNS support and DNS hostnames
  on (a given VPC is checked and refused otherwise);
- the Atlas access list admits the VPC's CIDR;
- the CIDRs do not overlap (AWS refuses the peering);
- the connection string is the peering-aware `private_srv`, read once the peering is
  accepted: Atlas lists it only then.
"""


from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from ..args_check import check_args
from ..errors import ConfigError
from ..guardrails import network_paths, rules
from ..network import given_vpc
from ..tagging import resource_tags, validate_tags
from ..types import Tier


class VpcPeeringArgs(TypedDict):
    """Inputs of VpcPeering."""

    project_id: pulumi.Input[str]
    """Atlas project of the container."""
    cluster_name: pulumi.Input[str]
    """Cluster whose peering-aware private string is read once the peering is accepted."""
    container_id: pulumi.Input[str]
    """The project's AWS network container for the region (`AtlasCluster.container_id`)."""
    atlas_cidr_block: str
    """The container's CIDR: routed to the peering, the function's only egress."""
    aws_region: str
    """Region of the VPC (the container's region), e.g. `us-east-1`."""
    vpc_id: pulumi.Input[str]
    """The function's VPC."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The function's subnets: their route tables get the route to Atlas."""
    vpc_cidr: NotRequired[str]
    """A created VPC's CIDR (DNS already on). Absent: the VPC is read from EC2, its DNS
    attributes checked, its CIDR compared with the Atlas CIDR."""
    route_table_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """A created VPC's private route tables. Absent: the subnets' tables are read from EC2."""
    cluster_tier: NotRequired[Tier]
    """The cluster's tier, when known, to refuse M0 and Flex early (no peering there)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every taggable resource, besides `pulumi:project` and `pulumi:stack`."""


def private_srv(connection_strings: Mapping[str, Any] | None) -> str:
    """The peering-aware private SRV string; Atlas lists it once a peering is AVAILABLE."""
    srv = (connection_strings or {}).get("private_srv")
    if not srv:
        raise ConfigError(
            "networkPath",
            "peering: Atlas lists no private connection string for the cluster yet (it "
            "appears once the peering is AVAILABLE)",
            "run `pulumi up` again once Atlas shows the peering AVAILABLE",
        )
    return srv


def check_vpc(vpc: Any, atlas_cidr: str, subnets: Mapping[str, str] | None = None) -> str:
    """A given VPC (`get_vpc` result) refused as the stack config would be: DNS off, a CIDR
    block (primary or secondary) overlapping the Atlas CIDR, or a function subnet outside
    the primary block (`subnets`: subnet → CIDR). Returns its primary CIDR."""
    cidrs = [vpc.cidr_block] + [
        block.cidr_block
        for block in vpc.cidr_block_associations or []
        if block.cidr_block != vpc.cidr_block
    ]
    rules.raise_on_errors(
        network_paths.vpc_dns(vpc.id, vpc.enable_dns_support, vpc.enable_dns_hostnames)
        + network_paths.cidr_overlap(atlas_cidr, cidrs)
        + network_paths.peered_subnets(vpc.cidr_block, subnets or {})
    )
    return vpc.cidr_block


class VpcPeering(pulumi.ComponentResource):
    """Atlas NetworkPeering → AWS accepter → routes, access-list entry, private string."""

    connection_id: pulumi.Output[str]
    """The AWS VPC peering connection (`pcx-…`)."""
    private_srv_connection_string: pulumi.Output[str]
    """The peering-aware `mongodb+srv://` string, read after the peering is accepted."""

    def __init__(
        self, name: str, args: VpcPeeringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, VpcPeeringArgs, "VpcPeering")
        validate_tags(args.get("tags"))
        cidr = args["atlas_cidr_block"]
        findings = network_paths.atlas_cidr_block(cidr, key="atlas_cidr_block")
        if isinstance(args["vpc_id"], str):
            findings += network_paths.peering_vpc_id(args["vpc_id"], key="vpc_id")
        if "cluster_tier" in args:
            findings += network_paths.path_tier("peering", args["cluster_tier"], key="cluster_tier")
        if "vpc_cidr" in args:
            findings += network_paths.cidr_overlap(cidr, [args["vpc_cidr"]], key="atlas_cidr_block")
        rules.raise_on_errors(findings)
        super().__init__("atlas-lambda:index:VpcPeering", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.get("tags")

        if "vpc_cidr" in args:
            vpc_cidr: pulumi.Input[str] = args["vpc_cidr"]
        else:
            vpc = given_vpc.read_vpc(args["vpc_id"], self)
            blocks = given_vpc.subnet_attribute(args["subnet_ids"], "cidr_block", self)
            vpc_cidr = pulumi.Output.all(vpc, blocks).apply(
                lambda read: check_vpc(read[0], cidr, read[1])
            )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        self.peering = atlas.NetworkPeering(
            f"{name}-atlas",
            project_id=args["project_id"],
            container_id=args["container_id"],
            provider_name="AWS",
            accepter_region_name=args["aws_region"],
            aws_account_id=account.account_id,
            vpc_id=args["vpc_id"],
            route_table_cidr_block=vpc_cidr,
            opts=child,
        )
        self.accepter = aws.ec2.VpcPeeringConnectionAccepter(
            f"{name}-accepter",
            vpc_peering_connection_id=self.peering.connection_id,
            auto_accept=True,
            tags=resource_tags(tags, f"{name}-accepter"),
            opts=child,
        )
        tables = args.get("route_table_ids")
        if tables is None:
            tables = given_vpc.route_table_ids(args["vpc_id"], args["subnet_ids"], self)
        routes = self._routes(name, tables, cidr)
        atlas.ProjectIpAccessList(
            f"{name}-access",
            project_id=args["project_id"],
            cidr_block=vpc_cidr,
            comment="The peered VPC of the Lambda function",
            opts=child,
        )
        # Atlas lists the private string only once the peering is up: read it after the
        # accepter (and the routes), not from the cluster resource.
        linked = atlas.get_advanced_cluster_output(
            project_id=self.peering.project_id,
            name=args["cluster_name"],
            opts=pulumi.InvokeOutputOptions(
                parent=self,
                depends_on=routes.apply(lambda declared: [self.accepter, *declared]),
            ),
        )
        self.connection_id = self.peering.connection_id
        # Result types are dicts with snake_case keys once lifted through an Output.
        self.private_srv_connection_string = linked.connection_strings.apply(private_srv)
        self.register_outputs(
            {
                "connection_id": self.connection_id,
                "private_srv_connection_string": self.private_srv_connection_string,
            }
        )

    def _routes(
        self, name: str, tables: pulumi.Input[Sequence[pulumi.Input[str]]], cidr: str
    ) -> pulumi.Output[list[aws.ec2.Route]]:
        """A route to the Atlas CIDR in each table: declared now for a plain list, once read
        for tables read from EC2. Either way the private string's read, and so the function,
        waits for every route."""

        def declare(ids: Sequence[pulumi.Input[str]]) -> list[aws.ec2.Route]:
            return [
                aws.ec2.Route(
                    f"{name}-route-{index}",
                    route_table_id=table,
                    destination_cidr_block=cidr,
                    vpc_peering_connection_id=self.accepter.id,
                    opts=pulumi.ResourceOptions(parent=self),
                )
                for index, table in enumerate(ids)
            ]

        if isinstance(tables, list | tuple):
            return pulumi.Output.from_input(declare(tables))
        return pulumi.Output.from_input(tables).apply(declare)

