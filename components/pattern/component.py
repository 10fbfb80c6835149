"""AtlasLambda: the whole pattern in one component, wired as the stack wires it.

Cluster, IAM database user, network path (private endpoint, peering, NAT gateway, or
public) and function, with every guardrail the stack applies (connection budget, access
list, tiers, regions, descriptions, advisories). The stack program is this component with
its config as args.
"""

from collections.abc import Sequence
from pathlib import Path

import pulumi

from ..advisories import report
from ..args_check import check_args
from ..cluster.component import AtlasCluster
from ..database_user.component import IamDatabaseUser
from ..errors import ConfigError
from ..guardrails.deploy_limits import iam_role_autoname
from ..guardrails.network_paths import NETWORK_PATHS, RETIRED_KEYS
from ..guardrails.rules import raise_on_errors
from ..lambda_function.component import ROLE_SUFFIX, MongoLambda
from ..names import camel_case
from ..network import given_vpc
from ..network.component import Network
from ..peering.component import VpcPeering
from ..private_endpoint.component import PrivateEndpoint
from .args import AtlasLambdaArgs
from .settings import PatternSettings, pattern_settings

# The function's component is `<name>-lambda`.
FUNCTION_SUFFIX = "-lambda"


class AtlasLambda(pulumi.ComponentResource):
    """An AWS Lambda that reaches MongoDB Atlas as its own IAM role, the way MongoDB's
    "Manage Connections with AWS Lambda" page says: one reused client, the network path it
    prefers (private endpoint or peering, else a NAT gateway's fixed address, else the
    internet), no password anywhere, and reserved concurrency within the connection limit."""

    project_id: pulumi.Output[str]
    """The Atlas project (created or given)."""
    cluster_name: pulumi.Output[str]
    """The Atlas cluster's name."""
    cluster_type: pulumi.Output[str]
    """REPLICASET or SHARDED."""
    vpc_id: pulumi.Output[str | None]
    """The VPC the function runs in; None on the public path."""
    vpc_endpoint_id: pulumi.Output[str | None]
    """The AWS interface endpoint (`vpce-…`) with a private endpoint, otherwise None."""
    peering_connection_id: pulumi.Output[str | None]
    """The VPC peering connection (`pcx-…`) on the peering path, otherwise None."""
    nat_public_ips: pulumi.Output[list[str]]
    """The NAT gateways' public addresses Atlas admits (natGateway path), otherwise empty."""
    connection_string: pulumi.Output[str]
    """The `mongodb+srv://` string the function's MONGODB_URI is built from (no
    credentials): the private one through the endpoint or peering, otherwise the public one."""
    function_name: pulumi.Output[str]
    """Name of the function."""
    function_arn: pulumi.Output[str]
    """ARN of the function."""
    invocation_arn: pulumi.Output[str]
    """What callers invoke: the `live` alias with SnapStart, otherwise the function."""
    url: pulumi.Output[str | None]
    """The Function URL's HTTPS endpoint when `function_url` is on, otherwise None (the
    input `function_url` is the switch, hence the other name)."""
    role_arn: pulumi.Output[str]
    """The execution role: the database user's name."""
    database_user: pulumi.Output[str]
    """The Atlas database user (the role ARN, in `$external`)."""
    log_group: pulumi.Output[str]
    """Where the function logs."""

    def __init__(
        self,
        name: str,
        args: AtlasLambdaArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        for key in args if isinstance(args, dict) else ():
            if camel_case(key) in RETIRED_KEYS:
                raise ConfigError(key, RETIRED_KEYS[camel_case(key)], NETWORK_PATHS)
        # Formats are the settings' rules there: an empty name or id means the default.
        check_args(args, AtlasLambdaArgs, "AtlasLambda", formats=False)
        # Every rule first: a refusal leaves nothing registered.
        settings = pattern_settings(
            args,
            stack=pulumi.get_stack(),
            aws_region=args.get("aws_region") or pulumi.Config("aws").get("region"),
            project_dir=Path.cwd(),
        )
        if "role_arn" not in settings.function:  # the function's role: `<name>-lambda-role`
            raise_on_errors(iam_role_autoname(name, f"{FUNCTION_SUFFIX}{ROLE_SUFFIX}"))
        super().__init__("atlas-lambda:index:AtlasLambda", name, {}, opts)
        report(settings.advisories, self)
        child = pulumi.ResourceOptions(parent=self)

        cluster = AtlasCluster(f"{name}-atlas", settings.cluster, opts=child)
        path = settings.network_path
        endpoint = None
        if path == "privateEndpoint":
            endpoint = self._private_endpoint(name, settings, cluster)
        network = None
        if settings.network is not None:
            network_args = settings.network
            if endpoint is not None:
                network_args = {**network_args, "preferred_zones": endpoint.service_zones}
            network = Network(f"{name}-network", network_args, opts=child)

        self.vpc_endpoint_id = pulumi.Output.from_input(None)
        self.peering_connection_id = pulumi.Output.from_input(None)
        self.nat_public_ips = pulumi.Output.from_input([])
        route: dict = {}
        if network is not None:
            route = {"vpc_id": network.vpc_id, "subnet_ids": network.subnet_ids}
        if endpoint is not None and network is not None:
            endpoint.connect(network.vpc_id, network.subnet_ids)
            srv = endpoint.private_srv_connection_string
            route["database_security_group_id"] = endpoint.security_group_id
            self.vpc_endpoint_id = endpoint.vpc_endpoint_id
        elif path == "peering" and network is not None:
            peering = self._peering(name, settings, cluster, network)
            srv = peering.private_srv_connection_string
            route["atlas_cidr_block"] = settings.cluster["atlas_cidr_block"]
            self.peering_connection_id = peering.connection_id
        elif path == "natGateway" and network is not None:
            addresses = self._nat_addresses(settings, cluster, network)
            srv = cluster.srv_connection_string
            route["cluster_access_list"] = addresses
            self.nat_public_ips = pulumi.Output.all(*addresses) if isinstance(
                addresses, list) else pulumi.Output.from_input(addresses)  # fmt: skip
        else:
            srv = cluster.srv_connection_string
            route["cluster_access_list"] = cluster.access_list_cidrs

        function = MongoLambda(
            f"{name}{FUNCTION_SUFFIX}",
            {
                **settings.function,  # type: ignore[typeddict-item]
                **route,
                "mongodb_srv": srv,
            },
            opts=child,
        )
        user = IamDatabaseUser(
            f"{name}-db-user",
            {
                **settings.database_user,  # type: ignore[typeddict-item]
                "project_id": cluster.project_id,
                "role_arn": function.role_arn,
                "cluster_name": cluster.cluster_name,
            },
            opts=child,
        )
        self.network_path = path
        self.project_id = cluster.project_id
        self.cluster_name = cluster.cluster_name
        self.cluster_type = cluster.cluster_type
        self.vpc_id = network.vpc_id if network else pulumi.Output.from_input(None)
        self.connection_string = srv
        self.function_name = function.function_name
        self.function_arn = function.function_arn
        self.invocation_arn = function.invocation_arn
        self.url = function.function_url
        self.role_arn = function.role_arn
        self.database_user = user.username
        self.log_group = function.log_group_name
        self.register_outputs(
            {
                "project_id": self.project_id,
                "cluster_name": self.cluster_name,
                "cluster_type": self.cluster_type,
                "vpc_id": self.vpc_id,
                "vpc_endpoint_id": self.vpc_endpoint_id,
                "peering_connection_id": self.peering_connection_id,
                "nat_public_ips": self.nat_public_ips,
                "connection_string": self.connection_string,
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "invocation_arn": self.invocation_arn,
                "url": self.url,
                "role_arn": self.role_arn,
                "database_user": self.database_user,
                "log_group": self.log_group,
            }
        )

    def _private_endpoint(
        self, name: str, settings: PatternSettings, cluster: AtlasCluster
    ) -> PrivateEndpoint:
        """The Atlas side first: a created VPC puts its subnets where the service serves."""
        return PrivateEndpoint(
            f"{name}-privatelink",
            {
                "project_id": cluster.project_id,
                "cluster_name": cluster.cluster_name,
                "aws_region": settings.aws_region,
                "cluster_tier": cluster.tier,  # type: ignore[typeddict-item]
                "legacy_sharded_connection_string": settings.legacy_sharded_connection_string,
                "tags": settings.cluster.get("tags", {}),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
        )

    def _peering(
        self, name: str, settings: PatternSettings, cluster: AtlasCluster, network: Network
    ) -> VpcPeering:
        """The peering to the cluster's container; a created VPC's CIDR and route tables
        are known, a given VPC's are read (and its DNS checked) by VpcPeering."""
        assert cluster.container_id is not None and settings.network is not None
        known: dict = {}
        if network.private_route_table_ids is not None:
            known = {
                "vpc_cidr": settings.network["vpc_cidr"],
                "route_table_ids": network.private_route_table_ids,
            }
        return VpcPeering(
            f"{name}-peering",
            {
                "project_id": cluster.project_id,
                "cluster_name": cluster.cluster_name,
                "container_id": cluster.container_id,
                "atlas_cidr_block": settings.cluster["atlas_cidr_block"],
                "aws_region": settings.aws_region,
                "vpc_id": network.vpc_id,
                "subnet_ids": network.subnet_ids,
                "cluster_tier": cluster.tier,  # type: ignore[typeddict-item]
                "tags": settings.cluster.get("tags", {}),
                **known,  # type: ignore[typeddict-item]
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
        )

    def _nat_addresses(
        self, settings: PatternSettings, cluster: AtlasCluster, network: Network
    ) -> Sequence[pulumi.Input[str]] | pulumi.Output[list[str]]:
        """The addresses Atlas admits on the NAT path, each a `/32` entry: a created VPC's
        Elastic IPs; a given VPC's NAT gateways read from its routes, unless the access list
        given in config (accessListCidrs, as before) already names them."""
        if network.nat_public_ips:
            cluster.admit("nat", network.nat_public_ips, "NAT gateway of the Lambda function")
            return network.nat_public_ips
        if cluster.access_list_cidrs:
            return cluster.access_list_cidrs
        addresses = given_vpc.nat_public_ips(network.vpc_id, network.subnet_ids, self)
        cluster.admit("nat", addresses, "NAT gateway of the Lambda function")
        return addresses

    def stack_outputs(self) -> dict[str, pulumi.Output]:
        """The outputs a stack exports, under the names `pulumi stack output` shows."""
        outputs = {
            "projectId": self.project_id,
            "clusterName": self.cluster_name,
            "clusterType": self.cluster_type,
            "networkPath": pulumi.Output.from_input(self.network_path),
        }
        if self.network_path != "public":
            outputs["vpcId"] = self.vpc_id
        if self.network_path == "privateEndpoint":
            outputs["vpcEndpointId"] = self.vpc_endpoint_id
            outputs["privateSrvConnectionString"] = self.connection_string
        elif self.network_path == "peering":
            outputs["peeringConnectionId"] = self.peering_connection_id
            outputs["privateSrvConnectionString"] = self.connection_string
        else:
            outputs["srvConnectionString"] = self.connection_string
        if self.network_path == "natGateway":
            outputs["natPublicIps"] = self.nat_public_ips
        outputs.update(
            {
                "functionName": self.function_name,
                "functionArn": self.function_arn,
                "invocationArn": self.invocation_arn,
                "functionUrl": self.url,
                "roleArn": self.role_arn,
                "databaseUser": self.database_user,
                "logGroup": self.log_group,
            }
        )
        return outputs
