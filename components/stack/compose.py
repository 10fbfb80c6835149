"""The atlas-lambda stack: settings in, components wired together, outputs out.

`__main__.py` is only `load_settings()` → `compose()` → export, so the whole program is
testable under the mock engine through this function.
"""

from __future__ import annotations

import pulumi

from ..cluster.component import AtlasCluster
from ..database_user.component import IamDatabaseUser
from ..errors import ConfigError
from ..guardrails.budget import budget_findings, connection_budget
from ..lambda_function.component import MongoLambda
from ..lambda_function.connection_string import is_load_balanced
from ..network.component import Network
from ..private_endpoint.component import PrivateEndpoint
from .config import StackSettings


def compose(settings: StackSettings) -> dict[str, pulumi.Output]:
    """Declare the stack's resources and return the outputs worth exporting."""
    for advisory in settings.advisories:
        pulumi.log.warn(f"{advisory.key}: {advisory.message}")

    cluster = AtlasCluster("atlas", settings.cluster)
    endpoint = None
    network_args = settings.network
    if settings.private_endpoint:
        # The Atlas side first: a created VPC puts its subnets where the service serves.
        endpoint = PrivateEndpoint(
            "privatelink",
            {
                "project_id": cluster.project_id,
                "cluster_name": cluster.cluster_name,
                "aws_region": settings.aws_region,
                "cluster_tier": settings.cluster.get("tier", "M10"),
                "legacy_sharded_connection_string": settings.legacy_sharded_connection_string,
            },
            opts=pulumi.ResourceOptions(depends_on=[cluster]),
        )
        network_args = {**network_args, "preferred_zones": endpoint.service_zones}
    network = Network("network", network_args)
    outputs: dict[str, pulumi.Output] = {
        "projectId": cluster.project_id,
        "clusterName": cluster.cluster_name,
        "clusterType": cluster.cluster_type,
        "vpcId": network.vpc_id,
    }

    if endpoint is not None:
        endpoint.connect(network.vpc_id, network.subnet_ids)
        srv = endpoint.private_srv_connection_string.apply(
            lambda value: _warn_on_legacy_fallback(value, settings)
        )
        path = {"database_security_group_id": endpoint.security_group_id}
        outputs["vpcEndpointId"] = endpoint.vpc_endpoint_id
        outputs["privateSrvConnectionString"] = srv
    else:
        srv = cluster.srv_connection_string
        path = {}
        outputs["srvConnectionString"] = srv

    function = MongoLambda(
        "lambda",
        {
            **settings.function,  # type: ignore[typeddict-item]
            **path,
            "vpc_id": network.vpc_id,
            "subnet_ids": network.subnet_ids,
            "mongodb_srv": srv,
        },
    )
    user = IamDatabaseUser(
        "db-user",
        {
            **settings.database_user,  # type: ignore[typeddict-item]
            "project_id": cluster.project_id,
            "role_arn": function.role_arn,
            "cluster_name": cluster.cluster_name,
        },
    )
    outputs.update(
        {
            "functionName": function.function_name,
            "functionArn": function.function_arn,
            "invocationArn": function.invocation_arn,
            "functionUrl": function.function_url,
            "roleArn": function.role_arn,
            "databaseUser": user.username,
            "logGroup": function.log_group_name,
        }
    )
    return outputs


def _warn_on_legacy_fallback(srv: str, settings: StackSettings) -> str:
    """The preview budgeted a sharded cluster as load-balanced; if Atlas returned no
    shard-optimized string, say so at deploy with the legacy budget (1 monitor more), and
    refuse the deploy when that budget is over the tier's limit."""
    if not settings.function.get("sharded") or settings.legacy_sharded_connection_string:
        return srv
    if is_load_balanced(srv):
        return srv
    tier = settings.cluster.get("tier", "M10")
    legacy = budget_findings(
        connection_budget(tier, settings.function.get("reserved_concurrency"))
    )
    over = [finding for finding in legacy if finding.severity == "error"]
    if over:
        # Fail closed: the function must not go live with a budget the tier cannot hold.
        raise ConfigError(
            over[0].key,
            "Atlas returned no shard-optimized private string, and with the legacy one "
            f"(srvMaxHosts=3) {over[0].message}",
            over[0].allowed,
        )
    findings = "; ".join(f.message for f in legacy)
    pulumi.log.warn(
        "legacyShardedConnectionString: Atlas returned no shard-optimized private string, "
        "so MONGODB_URI uses the legacy one with srvMaxHosts=3"
        + (f"; connection budget: {findings}" if findings else "")
    )
    return srv
