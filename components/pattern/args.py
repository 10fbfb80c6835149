"""AtlasLambdaArgs: the stack's config keys as component args.

Each config key of `Pulumi.yaml` is an arg here in snake_case (`reservedConcurrency` →
`reserved_concurrency`), with the default `Pulumi.yaml` declares; the component package
spells them as the config key itself. A test keeps the two lists equal. Two config keys
that are `KEY=VALUE` lists in config (Pulumi config has no map type), `environment` and
`tags`, are mappings here. The args after the config keys exist only on the component.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi

from ..types import (
    Architecture,
    ClusterType,
    DatabaseRole,
    FunctionUrlAuthType,
    MongoDBMajorVersion,
    NatGatewayMode,
    NetworkPath,
    Runtime,
    Tier,
)


class AtlasLambdaArgs(TypedDict):
    """Inputs of AtlasLambda; every one optional, with the stack's defaults."""

    # --- Atlas project and cluster ---------------------------------------------------------
    org_id: NotRequired[pulumi.Input[str]]
    """Atlas organization a new project is created in. Required unless `project_id` is set."""
    project_id: NotRequired[pulumi.Input[str]]
    """Existing Atlas project to use instead of creating one."""
    project_name: NotRequired[str]
    """Name of the created project; empty means `atlas-lambda-<stack>`."""
    cluster_name: NotRequired[str]
    """Atlas cluster name (changing it replaces the cluster); empty means `atlas-lambda-<stack>`."""
    tier: NotRequired[Tier]
    """Cluster tier, M10 by default; M0 and FLEX only without a private endpoint."""
    cluster_type: NotRequired[ClusterType]
    """REPLICASET (default) or SHARDED (M30 and above)."""
    shard_count: NotRequired[int]
    """Number of shards, 1-70, only with SHARDED; 0 means not sharded."""
    mongodb_major_version: NotRequired[MongoDBMajorVersion]
    """MongoDB major version, 8.0 by default."""
    termination_protection: NotRequired[bool]
    """Atlas refuses to delete the cluster while this is on (off by default)."""
    auto_scaling_max_tier: NotRequired[str]
    """Compute auto-scaling from `tier` up to this tier; empty means off."""
    access_list_cidrs: NotRequired[Sequence[str]]
    """Extra IP access list entries (CIDR) for other clients; need `allow_access_list`;
    0.0.0.0/0 is refused here (see `allow_access_from_anywhere`)."""
    allow_access_list: NotRequired[bool]
    """Explicit opt-in for `access_list_cidrs`."""
    # --- Database user ---------------------------------------------------------------------
    database_name: NotRequired[str]
    """The function's database (default database in MONGODB_URI), `app` by default."""
    database_roles: NotRequired[Sequence[DatabaseRole]]
    """Built-in roles of the IAM database user on `database_name`, `[readWrite]` by default."""
    # --- Network ---------------------------------------------------------------------------
    network_path: NotRequired[NetworkPath]
    """How the function reaches the cluster: `privateEndpoint` (default) or `peering`
    (private addresses only, dedicated tiers), `natGateway` (Elastic IPs in the access list,
    every tier), `public` (outside any VPC, 0.0.0.0/0: needs `allow_access_from_anywhere`)."""
    atlas_cidr_block: NotRequired[str]
    """Peering: the Atlas network container's CIDR, RFC 1918 /21-/24, not overlapping the VPC
    (192.168.248.0/21 by default)."""
    nat_gateways: NotRequired[NatGatewayMode]
    """natGateway with a created VPC: `perZone` (default) or `single`."""
    allow_access_from_anywhere: NotRequired[bool]
    """Public path only: the explicit opt-in for the access-list entry 0.0.0.0/0."""
    legacy_sharded_connection_string: NotRequired[bool]
    """Sharded behind a private endpoint: the legacy string with srvMaxHosts=3 instead of the
    shard-optimized, load-balanced one."""
    vpc_id: NotRequired[str]
    """Existing VPC (with `subnet_ids`); empty means one is created (with NAT gateways on
    the natGateway path). Peering needs its DNS support and hostnames on."""
    subnet_ids: NotRequired[Sequence[str]]
    """Private subnets of `vpc_id`, in at least two availability zones."""
    vpc_cidr: NotRequired[str]
    """CIDR of the created VPC, 10.0.0.0/16 by default."""
    availability_zones: NotRequired[int]
    """Availability zones (2-6) that get a private subnet in the created VPC, 2 by default."""
    # --- Function --------------------------------------------------------------------------
    function_name: NotRequired[str]
    """Lambda function name, also the driver appName; empty means `atlas-lambda-<stack>`."""
    runtime: NotRequired[Runtime]
    """Lambda Python runtime, python3.14 by default."""
    architecture: NotRequired[Architecture]
    """arm64 (default) or x86_64."""
    memory_size: NotRequired[int]
    """Function memory in MB, 128-10240, 1024 by default."""
    timeout: NotRequired[int]
    """Function timeout in seconds, 1-900, 15 by default."""
    reserved_concurrency: NotRequired[int]
    """Reserved concurrency, which caps connections; -1 (default) means unreserved."""
    log_retention_days: NotRequired[int]
    """CloudWatch Logs retention in days, 14 by default."""
    function_url: NotRequired[bool]
    """Create a Lambda Function URL (off by default)."""
    function_url_auth_type: NotRequired[FunctionUrlAuthType]
    """Function URL auth, AWS_IAM (default) or NONE."""
    environment: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Extra environment variables; Lambda's reserved keys and credentials are refused."""
    snap_start: NotRequired[bool]
    """Lambda SnapStart (python3.12+): a version per deploy behind the alias `live`."""
    # --- Run-time watching -----------------------------------------------------------------
    alerts: NotRequired[bool]
    """Atlas connections alert, CloudWatch alarms and a dashboard (on by default)."""
    connection_alert_percent: NotRequired[int]
    """Atlas alert when a node's connections pass this percent of its limit, 1-100 (80)."""
    atlas_alert_email: NotRequired[str]
    """Extra address for the Atlas alert; the project's owners always get it."""
    atlas_alert_interval_min: NotRequired[int]
    """Minutes between repeated Atlas notifications, 5-2147483647 (60)."""
    alarm_topic_arn: NotRequired[str]
    """SNS topic ARN the CloudWatch alarms notify; empty means no notification."""
    errors_alarm_threshold: NotRequired[int]
    """Function errors in one minute that raise the Errors alarm, 1 or more (1)."""
    duration_alarm_percent: NotRequired[int]
    """Duration alarm when an invocation passes this percent of the timeout, 1-99 (80)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every taggable AWS resource and on the Atlas project and cluster, besides
    the default `pulumi:project` and `pulumi:stack`."""
    # --- Only on the component -------------------------------------------------------------
    aws_region: NotRequired[str]
    """AWS region of the function and the cluster; the `aws:region` config by default."""
    source_dir: NotRequired[str]
    """Folder with the handler and a pinned requirements.txt; `function/` in the program's
    directory by default. A relative path is taken from the program's directory."""
    secret_environment: NotRequired[bool]
    """Keep the function's environment a secret in state."""
    role_arn: NotRequired[str]
    """An existing execution role to use instead of creating one (its owner attaches the
    VPC access policy); it becomes the database user."""
    role_policy_arns: NotRequired[Sequence[str]]
    """Extra managed policies for the created execution role."""
    security_group_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Extra security groups on the function, after its own."""
