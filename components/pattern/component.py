"""AtlasLambda: the whole pattern in one component, wired as the stack wires it.

Cluster, IAM database user, network, private endpoint and function, with every guardrail
the stack applies (connection budget, access list, tiers, regions, descriptions,
advisories). The stack program is this component with its config as args.
"""

from pathlib import Path

import pulumi

from ..advisories import report
from ..args_check import check_args
from ..cluster.component import AtlasCluster
from ..database_user.component import IamDatabaseUser
from ..lambda_function.component import MongoLambda
from ..network.component import Network
from ..private_endpoint.component import PrivateEndpoint
from .args import AtlasLambdaArgs
from .settings import pattern_settings


class AtlasLambda(pulumi.ComponentResource):
    """An AWS Lambda that reaches MongoDB Atlas as its own IAM role, the way MongoDB's
    "Manage Connections with AWS Lambda" page says: one reused client, a private path, no
    password anywhere, and reserved concurrency within the cluster's connection limit."""

    project_id: pulumi.Output[str]
    """The Atlas project (created or given)."""
    cluster_name: pulumi.Output[str]
    """The Atlas cluster's name."""
    cluster_type: pulumi.Output[str]
    """REPLICASET or SHARDED."""
    vpc_id: pulumi.Output[str]
    """The VPC the function runs in."""
    vpc_endpoint_id: pulumi.Output[str | None]
    """The AWS interface endpoint (`vpce-…`) with a private endpoint, otherwise None."""
    connection_string: pulumi.Output[str]
    """The `mongodb+srv://` string the function's MONGODB_URI is built from (no
    credentials): the private one through the endpoint, otherwise the public one."""
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
        # Formats are the settings' rules there: an empty name or id means the default.
        check_args(args, AtlasLambdaArgs, "AtlasLambda", formats=False)
        # Every rule first: a refusal leaves nothing registered.
        settings = pattern_settings(
            args,
            stack=pulumi.get_stack(),
            aws_region=args.get("aws_region") or pulumi.Config("aws").get("region"),
            project_dir=Path.cwd(),
        )
        super().__init__("atlas-lambda:index:AtlasLambda", name, {}, opts)
        report(settings.advisories, self)
        child = pulumi.ResourceOptions(parent=self)

        cluster = AtlasCluster(f"{name}-atlas", settings.cluster, opts=child)
        endpoint = None
        network_args = settings.network
        if settings.private_endpoint:
            # The Atlas side first: a created VPC puts its subnets where the service serves.
            endpoint = PrivateEndpoint(
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
            network_args = {**network_args, "preferred_zones": endpoint.service_zones}
        network = Network(f"{name}-network", network_args, opts=child)

        if endpoint is not None:
            endpoint.connect(network.vpc_id, network.subnet_ids)
            srv = endpoint.private_srv_connection_string
            path = {"database_security_group_id": endpoint.security_group_id}
            self.vpc_endpoint_id = endpoint.vpc_endpoint_id
        else:
            srv = cluster.srv_connection_string
            path = {}
            self.vpc_endpoint_id = pulumi.Output.from_input(None)

        function = MongoLambda(
            f"{name}-lambda",
            {
                **settings.function,  # type: ignore[typeddict-item]
                **path,
                "vpc_id": network.vpc_id,
                "subnet_ids": network.subnet_ids,
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
        self.private_endpoint = settings.private_endpoint
        self.project_id = cluster.project_id
        self.cluster_name = cluster.cluster_name
        self.cluster_type = cluster.cluster_type
        self.vpc_id = network.vpc_id
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

    def stack_outputs(self) -> dict[str, pulumi.Output]:
        """The outputs a stack exports, under the names `pulumi stack output` shows."""
        outputs = {
            "projectId": self.project_id,
            "clusterName": self.cluster_name,
            "clusterType": self.cluster_type,
            "vpcId": self.vpc_id,
        }
        if self.private_endpoint:
            outputs["vpcEndpointId"] = self.vpc_endpoint_id
            outputs["privateSrvConnectionString"] = self.connection_string
        else:
            outputs["srvConnectionString"] = self.connection_string
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
