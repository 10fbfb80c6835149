"""AtlasCluster: an Atlas project (created or given) and one AdvancedCluster on AWS."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_mongodbatlas as atlas

from ..advisories import report
from ..args_check import check_args
from ..errors import ConfigError
from ..guardrails import deploy_limits, network_paths, rules
from ..guardrails.regions import atlas_region
from ..guardrails.tiers import DEDICATED_TIERS, is_dedicated, tier_rank
from ..tagging import resource_tags, validate_tags
from ..types import ClusterType, MongoDBMajorVersion, Tier
from . import alerts
from .autoscaling import drift_control
from .network_container import network_container

MONGODB_MAJOR_VERSIONS: tuple[str, ...] = ("7.0", "8.0")
# Atlas offers sharding from M30 up.
SHARDED_MIN_TIER = "M30"
ELECTABLE_NODES = 3


class AtlasClusterArgs(TypedDict):
    """Inputs of AtlasCluster. Shape-defining fields are plain values: they decide the
    resource graph, so they must be known when the program runs."""

    cluster_name: str
    """Cluster name in Atlas (immutable: changing it replaces the cluster)."""
    aws_region: str
    """AWS region the cluster runs in, e.g. `us-east-1`; the Atlas region is derived."""
    project_id: NotRequired[pulumi.Input[str]]
    """Existing Atlas project to use. When absent, a project is created in `org_id`."""
    org_id: NotRequired[pulumi.Input[str]]
    """Atlas organization for the new project; required when `project_id` is absent."""
    project_name: NotRequired[str]
    """Name of the project to create; defaults to the cluster name."""
    tier: NotRequired[Tier]
    """Instance size, M10 by default (the smallest with PrivateLink)."""
    cluster_type: NotRequired[ClusterType]
    """REPLICASET (default) or SHARDED."""
    shard_count: NotRequired[int]
    """Number of shards; only with SHARDED (default 1 there)."""
    mongodb_major_version: NotRequired[MongoDBMajorVersion]
    """MongoDB major version, 8.0 by default."""
    termination_protection: NotRequired[bool]
    """Refuse deletion in Atlas until turned off. Off by default."""
    auto_scaling_max_tier: NotRequired[Tier]
    """Enable compute auto-scaling between `tier` and this tier. Disk auto-scaling is always on."""
    access_list_cidrs: NotRequired[Sequence[str]]
    """IP access list entries (CIDR blocks, or `sg-` ids of peered VPCs); refused unless
    `allow_access_list`, and never 0.0.0.0/0."""
    allow_access_list: NotRequired[bool]
    """Explicit opt-in for `access_list_cidrs`: the function itself needs none."""
    allow_access_from_anywhere: NotRequired[bool]
    """Admit 0.0.0.0/0: what a function outside any VPC needs (the public path, the last
    resort). Always reported as a warning. Off by default."""
    atlas_cidr_block: NotRequired[str]
    """Declare the project's AWS network container for this region with this CIDR (RFC 1918,
    /21-/24) before the cluster, for a peering (dedicated tiers only). A given project's
    existing container is reused when its CIDR matches."""
    connection_alert: NotRequired[bool]
    """Create an Atlas alert on connections as a share of each node's limit (on by default;
    dedicated tiers only: shared tiers have no such host metric)."""
    connection_alert_percent: NotRequired[int]
    """Alert threshold, percent of the per-node (per-mongos) connection limit, 1-100 (80)."""
    alert_email: NotRequired[pulumi.Input[str]]
    """Also send the alert to this address; the project's owners always get it."""
    alert_interval_min: NotRequired[int]
    """Minutes between repeated notifications of an open alert, 5-2147483647 (60)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the Atlas project and cluster, besides `pulumi:project` and `pulumi:stack`."""


def validate_cluster_args(args: Mapping[str, Any]) -> None:
    """Refuse a bad cluster before anything is registered."""
    tier = args.get("tier", "M10")
    cluster_type = args.get("cluster_type", "REPLICASET")
    rules.raise_on_errors(rules.known_tier(tier))
    rules.raise_on_errors(
        rules.cluster_shape(cluster_type, args.get("shard_count"))
        + rules.access_list(args.get("access_list_cidrs", []), args.get("allow_access_list", False))
    )
    if cluster_type == "SHARDED" and not (
        is_dedicated(tier) and tier_rank(tier) >= tier_rank(SHARDED_MIN_TIER)
    ):
        raise ConfigError(
            "tier",
            f"a sharded cluster needs {SHARDED_MIN_TIER} or above, not {tier!r}",
            DEDICATED_TIERS[tier_rank(SHARDED_MIN_TIER) :],
        )
    version = args.get("mongodb_major_version", "8.0")
    if version not in MONGODB_MAJOR_VERSIONS:
        raise ConfigError(
            "mongodbMajorVersion", f"{version!r} is not offered", MONGODB_MAJOR_VERSIONS
        )
    max_tier = args.get("auto_scaling_max_tier")
    if max_tier is not None:
        if not is_dedicated(tier):
            raise ConfigError("autoScalingMaxTier", f"{tier} does not auto-scale", "unset")
        # Atlas scales within one class: M tiers to M tiers, low-CPU R tiers to R tiers.
        larger = [t for t in DEDICATED_TIERS[tier_rank(tier) + 1 :] if t[0] == tier[0]]
        if max_tier not in DEDICATED_TIERS:
            raise ConfigError(
                "autoScalingMaxTier", f"unknown tier {max_tier!r}", larger or DEDICATED_TIERS
            )
        if max_tier not in larger:
            raise ConfigError(
                "autoScalingMaxTier", f"{max_tier!r} must be a larger {tier[0]} tier than {tier}",
                larger or "unset",
            )  # fmt: skip
    if args.get("project_id") is None and not args.get("org_id"):
        raise ConfigError(
            "orgId", "required when no projectId is given (a project is created in it)",
            "a 24-hex Atlas organization id",
        )  # fmt: skip
    atlas_region(args["aws_region"])
    alerts.validate_alert_args(args)
    if "atlas_cidr_block" in args:
        rules.raise_on_errors(
            network_paths.path_tier("peering", tier, key="tier")
            + network_paths.atlas_cidr_block(args["atlas_cidr_block"])
        )


def region_config(tier: str, region: str, auto_scaling_max_tier: str | None) -> dict:
    """One region's node layout. Shared tiers have their own provider names in Atlas."""
    if tier == "M0":
        return {
            "provider_name": "TENANT",
            "backing_provider_name": "AWS",
            "region_name": region,
            "priority": 7,
            "electable_specs": {"instance_size": "M0"},
        }
    if tier == "FLEX":
        return {
            "provider_name": "FLEX",
            "backing_provider_name": "AWS",
            "region_name": region,
            "priority": 7,
        }
    auto_scaling: dict = {"disk_gb_enabled": True, "compute_enabled": False}
    if auto_scaling_max_tier:
        auto_scaling = {
            "disk_gb_enabled": True,
            "compute_enabled": True,
            "compute_scale_down_enabled": True,
            "compute_min_instance_size": tier,
            "compute_max_instance_size": auto_scaling_max_tier,
        }
    return {
        "provider_name": "AWS",
        "region_name": region,
        "priority": 7,
        "electable_specs": {"instance_size": tier, "node_count": ELECTABLE_NODES},
        "auto_scaling": auto_scaling,
    }


class AtlasCluster(pulumi.ComponentResource):
    """An Atlas project (or an existing one) and one AWS-hosted AdvancedCluster.

    Backups are on for dedicated tiers. Atlas's compute auto-scaling stays out of the next
    preview's diff: through `use_effective_fields` for one replication spec, through
    `ignore_changes` on each shard's instance size for several (see autoscaling.py).
    """

    project_id: pulumi.Output[str]
    """The project the cluster lives in."""
    cluster_name: pulumi.Output[str]
    """The cluster's name in Atlas."""
    cluster_type: pulumi.Output[str]
    """REPLICASET or SHARDED."""
    srv_connection_string: pulumi.Output[str]
    """The public `mongodb+srv://` string (reachable only through an access list entry)."""
    container_id: pulumi.Output[str] | None
    """The AWS network container (with `atlas_cidr_block`), else None: a peering's container."""

    def __init__(
        self, name: str, args: AtlasClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, AtlasClusterArgs, "AtlasCluster")
        validate_tags(args.get("tags"))
        validate_cluster_args(args)
        self.tier: str = args.get("tier", "M10")
        """The tier as declared (plain): MongoLambda's `cluster_tier`, for the budget."""
        self.sharded: bool = args.get("cluster_type", "REPLICASET") == "SHARDED"
        """True for a sharded cluster: MongoLambda's `sharded`."""
        self.access_list_cidrs: list[str] = list(args.get("access_list_cidrs") or [])
        """The IP access list entries (plain): MongoLambda's `cluster_access_list`."""
        super().__init__("atlas-lambda:index:AtlasCluster", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)

        tier = args.get("tier", "M10")
        cluster_type = args.get("cluster_type", "REPLICASET")
        sharded = cluster_type == "SHARDED"
        shard_count = (args.get("shard_count") or 1) if sharded else 1
        dedicated = is_dedicated(tier)

        project_created = args.get("project_id") is None
        if not project_created:
            self.project_id = pulumi.Output.from_input(args["project_id"])
        else:
            project = atlas.Project(
                f"{name}-project",
                org_id=args["org_id"],
                name=args.get("project_name", args["cluster_name"]),
                tags=resource_tags(args.get("tags")),
                opts=child,
            )
            self.project_id = project.id

        self.container_id = None
        cluster_project_id = self.project_id
        if "atlas_cidr_block" in args:
            self.container_id = network_container(
                name,
                self.project_id,
                project_created=project_created,
                cidr=args["atlas_cidr_block"],
                region=atlas_region(args["aws_region"]),
                parent=self,
            )
            # The cluster waits for the container: otherwise Atlas gives the region a
            # container of its own with its default CIDR.
            cluster_project_id = pulumi.Output.all(self.project_id, self.container_id).apply(
                lambda ids: ids[0]
            )
        config = region_config(
            tier, atlas_region(args["aws_region"]), args.get("auto_scaling_max_tier")
        )
        drift = drift_control(dedicated, shard_count, bool(args.get("auto_scaling_max_tier")))
        self.cluster = atlas.AdvancedCluster(
            f"{name}-cluster",
            project_id=cluster_project_id,
            name=args["cluster_name"],
            cluster_type=cluster_type,
            mongo_db_major_version=args.get("mongodb_major_version", "8.0"),
            replication_specs=[{"region_configs": [config]} for _ in range(shard_count)],
            backup_enabled=True if dedicated else None,
            use_effective_fields=drift.use_effective_fields,
            tags=resource_tags(args.get("tags")),
            termination_protection_enabled=args.get("termination_protection", False),
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=list(drift.ignore_changes) or None)
            ),
        )
        self._name, self._cluster_label = name, args["cluster_name"]
        for index, entry in enumerate(args.get("access_list_cidrs", [])):
            # The rule admits CIDR blocks and security groups of peered VPCs; Atlas takes
            # them in different fields.
            field = (
                "aws_security_group" if rules.SECURITY_GROUP_ID.fullmatch(entry) else "cidr_block"
            )
            atlas.ProjectIpAccessList(
                f"{name}-access-{index}",
                project_id=self.project_id,
                comment=deploy_limits.access_list_comment(
                    args["cluster_name"], "opted in with allowAccessList"
                ),
                opts=child,
                **{field: entry},
            )
        if args.get("allow_access_from_anywhere", False):
            report(network_paths.anywhere_access("public", True), self)
            self.admit("anywhere", [network_paths.ANYWHERE], "public path, opted in")
        if dedicated and args.get("connection_alert", True):
            alerts.connection_alert(
                f"{name}-connections-alert",
                self.project_id,
                args.get("connection_alert_percent", alerts.DEFAULT_PERCENT),
                args.get("alert_interval_min", alerts.DEFAULT_INTERVAL_MIN),
                args.get("alert_email"),
                child,
            )
        self.access_list_cidrs += (
            [network_paths.ANYWHERE] if args.get("allow_access_from_anywhere") else []
        )
        self.cluster_name = self.cluster.name
        self.cluster_type = self.cluster.cluster_type
        self.srv_connection_string = self.cluster.connection_strings.apply(
            lambda strings: strings.standard_srv if strings else None
        )
        self.register_outputs(
            {
                "project_id": self.project_id,
                "cluster_name": self.cluster_name,
                "cluster_type": self.cluster_type,
                "srv_connection_string": self.srv_connection_string,
            }
        )

    def admit(
        self,
        label: str,
        entries: pulumi.Input[Sequence[pulumi.Input[str]]],
        reason: str,
    ) -> None:
        """Add access-list entries a network path needs (its NAT addresses as `/32`, its
        VPC's CIDR), as children of this cluster named `<name>-<label>-<n>`. A plain list
        declares one entry per item now; an Output (addresses read from EC2) declares them
        once its value is known."""
        comment = deploy_limits.access_list_comment(self._cluster_label, reason)

        def declare(values: Sequence[pulumi.Input[str]]) -> None:
            for index, entry in enumerate(values):
                atlas.ProjectIpAccessList(
                    f"{self._name}-{label}-{index}",
                    project_id=self.project_id,
                    cidr_block=pulumi.Output.from_input(entry).apply(_cidr),
                    comment=comment,
                    opts=pulumi.ResourceOptions(parent=self),
                )

        if isinstance(entries, list | tuple):
            declare(entries)
        else:
            pulumi.Output.from_input(entries).apply(declare)


def _cidr(entry: str) -> str:
    """An address as the one-address block Atlas lists (`/32`); a block stays as it is."""
    return entry if "/" in entry else f"{entry}/32"
