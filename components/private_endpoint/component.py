"""PrivateEndpoint: AWS PrivateLink from the VPC to the Atlas project, and the private
SRV string that exists only once the link does."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pulumi_mongodbatlas as atlas

from ..args_check import check_args
from ..errors import ConfigError
from ..guardrails import rules
from ..guardrails.regions import atlas_region
from ..network import given_vpc
from ..tagging import resource_tags, validate_tags
from ..types import Tier
from . import zones

# Atlas's PrivateLink endpoint service maps each node to a port in this range.
ATLAS_PORT_RANGE = (1024, 65535)


class PrivateEndpointArgs(TypedDict):
    """Inputs of PrivateEndpoint."""

    project_id: pulumi.Input[str]
    """Atlas project that gets the endpoint service."""
    cluster_name: pulumi.Input[str]
    """Cluster whose private SRV string is read once the link exists."""
    aws_region: str
    """Region of the VPC and of the cluster, e.g. `us-east-1`."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """VPC of the interface endpoint. Without it (and `subnet_ids`) only the Atlas side is
    declared, so a VPC can be built in `service_zones` first; then call `connect()`."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Private subnets; the endpoint uses those in zones the Atlas service serves."""
    cluster_tier: NotRequired[Tier]
    """The cluster's tier, when known, to refuse tiers without PrivateLink early."""
    legacy_sharded_connection_string: NotRequired[bool]
    """True: use the legacy private string of a sharded cluster even when Atlas offers the
    shard-optimized (load-balanced) one. False by default: Atlas recommends the latter."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every taggable resource, besides `pulumi:project` and `pulumi:stack`."""


def select_private_srv(
    connection_strings: Mapping[str, Any] | None,
    vpc_endpoint_id: str,
    *,
    shard_optimized: bool = True,
) -> str:
    """The private SRV string that routes through *our* VPC endpoint.

    A project may hold several endpoints (other VPCs, other stacks); Atlas lists one
    private string per endpoint, so pick the one naming ours rather than the first.
    (Provider result types are dicts with snake_case keys once lifted through an Output.)

    For a sharded cluster Atlas may also list `srv_shard_optimized_connection_string`
    (pulumi_mongodbatlas outputs.py, GetAdvancedClusterConnectionStringsPrivateEndpointResult;
    Atlas recommends it: docs "Connect to a Cluster", optimized connection strings). It is
    used when present and non-empty unless `shard_optimized` is False; otherwise the legacy
    `srv_connection_string`, which the URI builder caps with srvMaxHosts.
    """
    for entry in (connection_strings or {}).get("private_endpoints") or []:
        endpoints = entry.get("endpoints") or []
        if any(endpoint.get("endpoint_id") == vpc_endpoint_id for endpoint in endpoints):
            optimized = entry.get("srv_shard_optimized_connection_string")
            return optimized if shard_optimized and optimized else entry["srv_connection_string"]
    raise ValueError(
        f"Atlas lists no private connection string for {vpc_endpoint_id}: the cluster must "
        "be in the endpoint's region, and the link must be AVAILABLE"
    )


class PrivateEndpoint(pulumi.ComponentResource):
    """Atlas PrivateLinkEndpoint → AWS interface VPC endpoint → Atlas link.

    The endpoint's security group starts with no rules at all: a client (MongoLambda)
    opens TCP 1024-65535 from its own security group, so nothing else in the VPC can
    reach the cluster.
    """

    security_group_id: pulumi.Output[str]
    """Security group on the endpoint's network interfaces."""
    vpc_endpoint_id: pulumi.Output[str]
    """The AWS interface endpoint (`vpce-…`)."""
    endpoint_service_name: pulumi.Output[str]
    """Atlas's AWS endpoint service the interface endpoint connects to."""
    service_zones: pulumi.Output[list[str]]
    """Zone names (this account's) the endpoint service serves: build subnets there."""
    private_srv_connection_string: pulumi.Output[str]
    """`mongodb+srv://` string through this endpoint, read after the link exists: the
    shard-optimized one when Atlas offers it (unless legacy_sharded_connection_string)."""

    def __init__(
        self, name: str, args: PrivateEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, PrivateEndpointArgs, "PrivateEndpoint")
        validate_tags(args.get("tags"))
        if "cluster_tier" in args:
            rules.raise_on_errors(rules.private_endpoint_tier(args["cluster_tier"], True))
        region = atlas_region(args["aws_region"])
        if ("vpc_id" in args) != ("subnet_ids" in args):
            raise ConfigError(
                "vpc_id", "vpc_id and subnet_ids go together", "both, or neither and connect()"
            )
        super().__init__("atlas-lambda:index:PrivateEndpoint", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.atlas_endpoint = atlas.PrivateLinkEndpoint(
            f"{name}-atlas-endpoint",
            project_id=args["project_id"],
            provider_name="AWS",
            region=region,
            opts=child,
        )
        self.endpoint_service_name = self.atlas_endpoint.endpoint_service_name
        self.service_zones = zones.service_zones(self.endpoint_service_name, self)
        self._resource_name, self._cluster_name = name, args["cluster_name"]
        self._tags = args.get("tags")
        self._shard_optimized = not args.get("legacy_sharded_connection_string", False)
        if "vpc_id" in args:
            self.connect(args["vpc_id"], args["subnet_ids"])

    def connect(
        self, vpc_id: pulumi.Input[str], subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    ) -> None:
        """The AWS side and the link: the interface endpoint goes only into subnets whose
        zone the Atlas service serves (one per zone); none is a ConfigError naming both."""
        name = self._resource_name
        child = pulumi.ResourceOptions(parent=self)
        served_subnets = pulumi.Output.all(
            given_vpc.subnet_attribute(subnet_ids, "availability_zone", self),
            self.service_zones,
            self.endpoint_service_name,
        ).apply(lambda read: zones.endpoint_subnets(read[0], read[1], read[2]))
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=vpc_id,
            description="Atlas PrivateLink endpoint: ingress only from its clients",
            tags=resource_tags(self._tags, f"{name}-sg"),
            opts=child,
        )
        self.vpc_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-vpce",
            vpc_id=vpc_id,
            service_name=self.atlas_endpoint.endpoint_service_name,
            vpc_endpoint_type="Interface",
            subnet_ids=served_subnets,
            security_group_ids=[self.security_group.id],
            private_dns_enabled=False,
            tags=resource_tags(self._tags, f"{name}-vpce"),
            opts=child,
        )
        self.link = atlas.PrivateLinkEndpointService(
            f"{name}-link",
            project_id=self.atlas_endpoint.project_id,
            private_link_id=self.atlas_endpoint.private_link_id,
            endpoint_service_id=self.vpc_endpoint.id,
            provider_name="AWS",
            opts=child,
        )
        # Atlas adds the private string to the cluster only after the link is up, so the
        # read must wait for the link: reading it from the cluster resource races.
        optimized = self._shard_optimized
        linked_cluster = atlas.get_advanced_cluster_output(
            project_id=self.link.project_id,
            name=self._cluster_name,
            opts=pulumi.InvokeOutputOptions(parent=self, depends_on=[self.link]),
        )
        self.security_group_id = self.security_group.id
        self.vpc_endpoint_id = self.vpc_endpoint.id
        self.private_srv_connection_string = pulumi.Output.all(
            linked_cluster.connection_strings, self.vpc_endpoint.id
        ).apply(lambda pair: select_private_srv(pair[0], pair[1], shard_optimized=optimized))
        self.register_outputs(
            {
                "security_group_id": self.security_group_id,
                "vpc_endpoint_id": self.vpc_endpoint_id,
                "endpoint_service_name": self.endpoint_service_name,
                "private_srv_connection_string": self.private_srv_connection_string,
            }
        )
