"""MongoLambda: the function, its execution role, log group and network path to Atlas."""

import inspect
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws

from ..advisories import report
from ..args_check import check_args
from ..errors import ConfigError
from ..guardrails import deploy_limits, network_paths, rules
from ..guardrails import lambda_limits as limits
from ..locations import FUNCTION_SOURCE_DIR
from ..packaging.build import build_function_package
from ..private_endpoint.component import ATLAS_PORT_RANGE
from ..tagging import resource_tags, validate_tags
from ..types import Architecture, FunctionUrlAuthType, Runtime, Tier
from . import alarms, budget_check
from .connection_string import build_lambda_uri

FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
VPC_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
# IAM User Guide, "IAM identifiers" → policy ARNs: AWS managed or customer managed.
MANAGED_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]{1,1024}")
# Atlas's mongod/mongos ports, reached over peering, a NAT gateway or the internet.
ATLAS_PUBLIC_PORTS = network_paths.ATLAS_PORTS
# Statement ids of the public Function URL grants (auth type NONE).
PUBLIC_URL_STATEMENTS = ("AtlasLambdaPublicUrl", "AtlasLambdaPublicUrlInvoke")
# Set by us on every function; users may not override them.
MANAGED_ENV_KEYS: frozenset[str] = frozenset({"MONGODB_URI", "AWS_STS_REGIONAL_ENDPOINTS"})
# With SnapStart, callers and the Function URL reach the published version through this
# alias: $LATEST is never restored from a snapshot.
SNAP_START_ALIAS = "live"
# The created execution role is `<name>-role`, autonamed by Pulumi.
ROLE_SUFFIX = "-role"

DEFAULTS = {
    "handler": "handler.handler",
    "runtime": limits.DEFAULT_RUNTIME,
    "architecture": "arm64",
    # 128 MB starves the driver: TLS, SigV4 and BSON all want CPU, which scales with memory.
    "memory_size": 1024,
    "timeout": 15,
    "log_retention_days": 14,
    "function_url_auth_type": "AWS_IAM",
}


class MongoLambdaArgs(TypedDict):
    """Inputs of MongoLambda."""

    function_name: str
    """Name of the function; also the driver's appName, so Atlas logs name the caller."""
    vpc_id: NotRequired[pulumi.Input[str]]
    """VPC the function's network interfaces live in (with `subnet_ids`). Without both the
    function runs outside any VPC (the public path): Atlas must then admit 0.0.0.0/0."""
    subnet_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Private subnets for the function."""
    database_security_group_id: NotRequired[pulumi.Input[str]]
    """Security group of the PrivateLink endpoint (`PrivateEndpoint.security_group_id`): the
    only egress the function gets is TCP 1024-65535 to it."""
    atlas_cidr_block: NotRequired[str]
    """The peered Atlas container's CIDR (`VpcPeering`): the only egress the function gets
    is TCP 27015-27017 to it."""
    mongodb_srv: pulumi.Input[str]
    """`mongodb+srv://` string of the cluster for this path (no credentials): the private
    one through an endpoint or a peering, otherwise the public one."""
    database_name: str
    """Default database in MONGODB_URI."""
    sharded: NotRequired[bool]
    """True for a sharded cluster: adds srvMaxHosts=3 to the URI."""
    source_dir: NotRequired[str]
    """Folder with the handler and a pinned requirements.txt; this repo's `function/` by
    default. It is packaged reproducibly for the target architecture and runtime."""
    dependency_layer: NotRequired[bool]
    """Put the dependencies in their own LayerVersion (default) so code-only changes
    upload only the code; False bundles everything into one package."""
    code: NotRequired[pulumi.Archive]
    """A ready package that must already hold its dependencies; skips packaging `source_dir`."""
    layers: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Extra layer version ARNs, after the dependency layer."""
    handler: NotRequired[str]
    """Entry point, `handler.handler` by default."""
    runtime: NotRequired[Runtime]
    """python3.14 by default."""
    architecture: NotRequired[Architecture]
    """arm64 (default) or x86_64."""
    memory_size: NotRequired[int]
    """MB, 1024 by default (128-10240)."""
    timeout: NotRequired[int]
    """Seconds, 15 by default (1-900); each database call is bounded by what remains."""
    reserved_concurrency: NotRequired[int]
    """Caps concurrent environments, hence connections and STS calls; unset = account pool."""
    log_retention_days: NotRequired[int]
    """CloudWatch retention, 14 days by default."""
    function_url_enabled: NotRequired[bool]
    """Create a Function URL (off by default); its address is the `function_url` output."""
    function_url_auth_type: NotRequired[FunctionUrlAuthType]
    """AWS_IAM (default) or NONE."""
    environment: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Extra environment variables; Lambda's reserved keys are refused. A value may be
    another resource's Output (then it is not screened for credentials)."""
    secret_environment: NotRequired[bool]
    """Keep `environment.variables` a secret in state (the values came from --secret)."""
    snap_start: NotRequired[bool]
    """Lambda SnapStart (off by default; python3.12+): every deploy publishes a version,
    Lambda snapshots it after init, and new environments restore from the snapshot. The
    alias `live` points at the newest version; the Function URL and `invocation_arn` use it.
    Lambda bills caching each version's snapshot and every restore."""
    alarms: NotRequired[bool]
    """CloudWatch alarms on Throttles, Errors and Duration, and a dashboard (on by default)."""
    alarm_topic_arn: NotRequired[pulumi.Input[str]]
    """SNS topic the alarms notify on ALARM and OK; none by default (console only)."""
    errors_alarm_threshold: NotRequired[int]
    """Errors in one minute that raise the Errors alarm, 1 or more (1)."""
    duration_alarm_percent: NotRequired[int]
    """Alarm when an invocation's duration passes this share of the timeout, 1-99 (80)."""
    cluster_tier: NotRequired[Tier]
    """The cluster's tier (`AtlasCluster.tier`): with it the connection budget is checked
    (reserved concurrency x connections per environment within the tier's per-node limit);
    without it the preview says the budget is unchecked."""
    shard_optimized: NotRequired[bool]
    """A sharded cluster's `mongodb_srv` Output is expected to be the shard-optimized,
    load-balanced string (a private endpoint's default): budget it so at preview, and check
    again at deploy. Off by default: the legacy model, one monitor more per mongos."""
    cluster_access_list: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """Without a private path (`database_security_group_id` or `atlas_cidr_block`) the
    function reaches Atlas's public endpoints, which admit only the cluster's IP access list:
    its entries (the NAT gateways' addresses; 0.0.0.0/0 for a function outside any VPC).
    Required on those paths; egress is then TCP 27015-27017 to anywhere."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on every taggable resource, besides `pulumi:project` and `pulumi:stack`."""
    role_arn: NotRequired[str]
    """An existing execution role instead of a created one; its owner gives it the VPC access
    policy (AWSLambdaVPCAccessExecutionRole). It is the database user's name."""
    role_policy_arns: NotRequired[Sequence[str]]
    """Extra managed policies attached to the created execution role."""
    security_group_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Extra security groups on the function's network interfaces, after its own."""


def descriptions(function_name: str) -> dict[str, str]:
    """Every description this component hands AWS, keyed by where it goes.

    EC2 accepts only a narrow charset in group and rule descriptions (no apostrophe), and
    the function name flows into some of them, so validation checks these very strings.
    """
    return {
        "role": f"Execution role of {function_name}; its ARN is the Atlas user",
        "security_group": f"{function_name}: egress only to MongoDB Atlas",
        "egress_public": "MongoDB Atlas public endpoints, through the VPC NAT gateway",
        "egress_private": "MongoDB over PrivateLink",
        "egress_peering": "MongoDB Atlas over VPC peering",
        "ingress_on_endpoint": f"MongoDB clients: {function_name}",
    }


def description_findings(function_name: str) -> list[rules.Finding]:
    """Deploy-time refusals of the descriptions, found before anything is registered."""
    findings = []
    for where, text in descriptions(function_name).items():
        check = rules.iam_description if where == "role" else rules.ec2_description
        findings += check(text, key=f"functionName ({where} description)")
    return findings


def _choice(key: str, value: object, allowed: Sequence[object]) -> None:
    if value not in allowed:
        raise ConfigError(key, f"{value!r} is not supported", allowed)


def validate_lambda_args(args: Mapping[str, Any]) -> list[rules.Finding]:
    """Refuse what Lambda would refuse at deploy time; return advisories.

    Reads only the plain fields, so the stack config can be checked before any resource
    (and so any Output) exists.
    """
    settings = {**DEFAULTS, **args}
    if not FUNCTION_NAME.fullmatch(args["function_name"]):
        raise ConfigError(
            "functionName", f"{args['function_name']!r} is not a valid function name",
            "1-64 letters, digits, - and _",
        )  # fmt: skip
    _choice("runtime", settings["runtime"], limits.PYTHON_RUNTIMES)
    _choice("architecture", settings["architecture"], limits.ARCHITECTURES)
    _choice("logRetentionDays", settings["log_retention_days"], limits.LOG_RETENTION_DAYS)
    _choice(
        "functionUrlAuthType", settings["function_url_auth_type"], limits.FUNCTION_URL_AUTH_TYPES
    )
    if args.get("snap_start") and settings["runtime"] not in limits.SNAP_START_RUNTIMES:
        raise ConfigError(
            "snapStart", f"is not available on {settings['runtime']}",
            f"false, or runtime one of: {', '.join(limits.SNAP_START_RUNTIMES)}",
        )  # fmt: skip
    if not 1 <= settings["timeout"] <= limits.TIMEOUT_MAX_S:
        raise ConfigError("timeout", f"{settings['timeout']} s", f"1-{limits.TIMEOUT_MAX_S}")
    alarms.validate_alarm_args(args)
    validate_tags(args.get("tags"))
    _validate_role(args)
    _validate_vpc_config(args)
    concurrency = args.get("reserved_concurrency")
    if concurrency is not None and concurrency < 1:
        raise ConfigError(
            "reservedConcurrency", f"{concurrency} would stop the function", "1 or more, or unset"
        )
    environment = dict(args.get("environment") or {})
    overridden = sorted(MANAGED_ENV_KEYS & environment.keys())
    if overridden:
        raise ConfigError(
            f"environment.{overridden[0]}", "is set by MongoLambda itself",
            f"any key except {', '.join(sorted(MANAGED_ENV_KEYS))}",
        )  # fmt: skip
    # A value may be another resource's Output: its name is checked now, its value is not
    # (neither screened for credentials nor counted in the size), as documented.
    plain = {key: value for key, value in environment.items() if isinstance(value, str)}
    srv, database = args.get("mongodb_srv"), args.get("database_name")
    # First: the rules below quote these values (a 5,000-digit number does not even print).
    rules.raise_on_errors(
        (deploy_limits.database_name(database) if isinstance(database, str) else [])
        + rules.reserved_concurrency_range(concurrency)
        + (rules.connection_string_credentials(srv) if isinstance(srv, str) else [])
    )
    return rules.raise_on_errors(
        rules.memory_size(settings["memory_size"])
        + rules.account_concurrency(concurrency)
        + budget_check.preview_findings(args)
        + description_findings(args["function_name"])
        + rules.environment_keys(
            {key: "" if _deferred(value) else value for key, value in environment.items()}
        )
        + rules.environment_secrets(plain)
        + deploy_limits.environment_size(plain)
    )


def require_a_path(args: Mapping[str, Any]) -> None:
    """A function that can reach its cluster: over a private endpoint or a peering, or
    through the cluster's IP access list (its NAT addresses; 0.0.0.0/0 outside a VPC)."""
    in_vpc = "vpc_id" in args
    if in_vpc != ("subnet_ids" in args):
        raise ConfigError(
            "subnet_ids", "vpc_id and subnet_ids go together",
            "both (a function in a VPC), or neither (outside any VPC: the public path)",
        )  # fmt: skip
    private = [key for key in ("database_security_group_id", "atlas_cidr_block") if key in args]
    if len(private) > 1:
        raise ConfigError(private[1], f"and {private[0]} are two paths", "one of them")
    listed = args.get("cluster_access_list")
    # An Output (addresses read from EC2 at deploy) is one entry or more by construction.
    access_list = [listed] if isinstance(listed, pulumi.Output) else list(listed or [])
    if not in_vpc:
        if private:
            raise ConfigError(
                private[0], "needs the function in a VPC (vpc_id and subnet_ids)",
                "vpc_id and subnet_ids with it, or neither for the public path",
            )  # fmt: skip
        if network_paths.ANYWHERE not in access_list:
            raise ConfigError(
                "cluster_access_list",
                "a function outside any VPC has no fixed address, so Atlas admits it only "
                "if the access list holds 0.0.0.0/0",
                "0.0.0.0/0 (AtlasCluster allow_access_from_anywhere), or vpc_id and "
                "subnet_ids for a NAT gateway or a private path",
            )
        return
    if not private and not access_list:
        raise ConfigError(
            "cluster_access_list",
            "is empty and no database_security_group_id or atlas_cidr_block is given: the "
            "function has no private path to the cluster, and Atlas admits a public "
            "connection only from its IP access list",
            "database_security_group_id (a PrivateEndpoint's security_group_id), "
            "atlas_cidr_block (a VpcPeering's), or the cluster's access-list entries holding "
            "the function's NAT addresses",
        )
    if "atlas_cidr_block" in args:
        rules.raise_on_errors(
            network_paths.atlas_cidr_block(args["atlas_cidr_block"], key="atlas_cidr_block")
        )


def _validate_vpc_config(args: Mapping[str, Any]) -> None:
    """The function's VPC config as Lambda takes it: at most 16 subnets and 5 security groups,
    its own among them (lambda_limits)."""
    subnets = args.get("subnet_ids")
    if isinstance(subnets, list | tuple) and len(subnets) > limits.VPC_SUBNETS_MAX:
        raise ConfigError(
            "subnet_ids",
            f"{len(subnets)} subnets: a function's VPC config takes at most "
            f"{limits.VPC_SUBNETS_MAX} (Lambda CreateFunction, VpcConfig.SubnetIds)",
            f"1-{limits.VPC_SUBNETS_MAX} subnet ids",
        )
    extra = list(args.get("security_group_ids") or [])
    if len(extra) >= limits.VPC_SECURITY_GROUPS_MAX:
        raise ConfigError(
            "security_group_ids",
            f"{len(extra)} security groups besides the function's own: a function's VPC "
            f"config takes at most {limits.VPC_SECURITY_GROUPS_MAX} (Lambda CreateFunction, "
            "VpcConfig.SecurityGroupIds)",
            f"at most {limits.VPC_SECURITY_GROUPS_MAX - 1} extra security groups",
        )


def _validate_role(args: Mapping[str, Any]) -> None:
    """An existing role is its owner's: this component attaches nothing to it."""
    if "role_arn" in args:
        rules.raise_on_errors(deploy_limits.iam_role_arn(args["role_arn"], "role_arn"))
        if args.get("role_policy_arns"):
            raise ConfigError(
                "role_policy_arns",
                "cannot be attached to an existing role (role_arn): its owner manages it",
                "role_policy_arns with a created role, or neither",
            )
    for arn in args.get("role_policy_arns") or []:
        if not MANAGED_POLICY_ARN.fullmatch(arn):
            raise ConfigError(
                "role_policy_arns", f"{arn!r} is not a managed policy ARN",
                "arn:aws:iam::aws:policy/<name> or arn:aws:iam::<account>:policy/<path/name>",
            )  # fmt: skip


def _deferred(value: object) -> bool:
    """An Output (or awaitable) value: known at deploy, so only its name is checked now."""
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def _without_credentials(srv: str) -> str:
    """An Output's connection string (a secret's too) refused as a plain one is at preview,
    with a message that never holds the value."""
    rules.raise_on_errors(rules.connection_string_credentials(srv))
    return srv


def snap_start_inputs(enabled: bool) -> dict[str, Any]:
    """Function inputs for SnapStart: snapshots are taken only of published versions
    (pulumi_aws lambda_.Function `snap_start.apply_on`: valid value `PublishedVersions`),
    so every change publishes one. Off: neither input, as before."""
    if not enabled:
        return {}
    return {"publish": True, "snap_start": {"apply_on": "PublishedVersions"}}


def assume_role_policy() -> str:
    """Trust policy letting only the Lambda service assume the role (stable JSON)."""
    statement = {
        "Action": "sts:AssumeRole",
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
    }
    return json.dumps({"Statement": [statement], "Version": "2012-10-17"}, sort_keys=True)


class MongoLambda(pulumi.ComponentResource):
    """A Python Lambda that reaches Atlas as its own IAM role, over the network path its
    args name (private endpoint, peering, NAT gateway, or outside any VPC).

    The role has only the VPC access managed policy (none outside a VPC); the database
    trusts the role's ARN (see IamDatabaseUser), so no credential is stored anywhere.
    """

    function_name: pulumi.Output[str]
    """Name of the function."""
    function_arn: pulumi.Output[str]
    """ARN of the function."""
    role_arn: pulumi.Output[str]
    """ARN of the execution role: the database user's name."""
    security_group_id: pulumi.Output[str | None]
    """The function's security group; None outside a VPC."""
    log_group_name: pulumi.Output[str]
    """Where the function logs."""
    function_url: pulumi.Output[str | None]
    """HTTPS endpoint when `function_url_enabled` is on, otherwise None."""
    invocation_arn: pulumi.Output[str]
    """What callers invoke: with SnapStart the `live` alias's ARN (only published versions
    restore from a snapshot), otherwise the function's ARN."""

    def __init__(
        self, name: str, args: MongoLambdaArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        check_args(args, MongoLambdaArgs, "MongoLambda")
        self.advisories = validate_lambda_args(args)
        if "role_arn" not in args:
            rules.raise_on_errors(deploy_limits.iam_role_autoname(name, ROLE_SUFFIX))
        require_a_path(args)
        settings = {**DEFAULTS, **args}
        # Packaging refuses unpinned requirements or a missing handler: do it before
        # anything is registered.
        package = None
        if args.get("code") is None:
            package = build_function_package(
                args.get("source_dir", FUNCTION_SOURCE_DIR),
                handler=settings["handler"],
                architecture=settings["architecture"],
                runtime=settings["runtime"],
                layer=args.get("dependency_layer", True),
            )
        super().__init__("atlas-lambda:index:MongoLambda", name, {}, opts)
        report(self.advisories, self)
        child = pulumi.ResourceOptions(parent=self)
        function_name = args["function_name"]
        code, layers = args.get("code"), list(args.get("layers") or [])
        if package is not None:
            code = package.code_archive()
            layer_args = package.layer_version_args()
            if layer_args is not None:
                dependencies = aws.lambda_.LayerVersion(
                    f"{name}-deps", layer_name=f"{function_name}-deps", **layer_args, opts=child
                )
                layers.insert(0, dependencies.arn)

        tags = args.get("tags")
        role_arn, role_ready = self._execution_role(name, args)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=settings["log_retention_days"],
            tags=resource_tags(tags),
            opts=child,
        )
        security_group = self._connection_path(name, args) if "vpc_id" in args else None

        environment = {
            **dict(args.get("environment") or {}),
            "MONGODB_URI": pulumi.Output.from_input(args["mongodb_srv"]).apply(
                lambda srv: build_lambda_uri(
                    budget_check.check_at_deploy(_without_credentials(srv), args),
                    database=args["database_name"],
                    app_name=function_name,
                    sharded=args.get("sharded", False),
                )
            ),
            "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        }
        function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            role=role_arn,
            runtime=settings["runtime"],
            architectures=[settings["architecture"]],
            handler=settings["handler"],
            code=code,
            layers=layers or None,
            memory_size=settings["memory_size"],
            timeout=settings["timeout"],
            reserved_concurrent_executions=args.get("reserved_concurrency"),
            vpc_config=None
            if security_group is None
            else {
                "subnet_ids": args["subnet_ids"],
                "security_group_ids": [security_group.id, *(args.get("security_group_ids") or [])],
            },
            environment={
                "variables": pulumi.Output.secret(environment)
                if args.get("secret_environment")
                else environment
            },
            logging_config={"log_format": "JSON", "log_group": log_group.name},
            **snap_start_inputs(args.get("snap_start", False)),
            tags=resource_tags(tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*role_ready, log_group]),
        )
        qualifier, self.invocation_arn = None, function.arn
        if args.get("snap_start", False):
            alias = aws.lambda_.Alias(
                f"{name}-alias",
                name=SNAP_START_ALIAS,
                function_name=function.name,
                function_version=function.version,
                opts=child,
            )
            qualifier, self.invocation_arn = alias.name, alias.arn
        self.function_url = pulumi.Output.from_input(None)
        if args.get("function_url_enabled", False):
            url = aws.lambda_.FunctionUrl(
                f"{name}-url",
                function_name=function.name,
                qualifier=qualifier,
                authorization_type=settings["function_url_auth_type"],
                opts=child,
            )
            self.function_url = url.function_url
            if settings["function_url_auth_type"] == "NONE":
                self._public_url_permissions(name, function, qualifier)

        if args.get("alarms", True):
            specs = alarms.alarm_specs(
                settings["timeout"],
                args.get("errors_alarm_threshold", alarms.DEFAULT_ERRORS_THRESHOLD),
                args.get("duration_alarm_percent", alarms.DEFAULT_DURATION_PERCENT),
            )
            alarms.function_alarms(
                name, function.name, specs, args.get("alarm_topic_arn"), child, resource_tags(tags)
            )
            alarms.function_dashboard(name, function, log_group.name, specs, child)

        self.function = function
        self.function_name = function.name
        self.function_arn = function.arn
        self.role_arn = role_arn
        self.security_group_id = (
            pulumi.Output.from_input(None) if security_group is None else security_group.id
        )
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "role_arn": self.role_arn,
                "security_group_id": self.security_group_id,
                "log_group_name": self.log_group_name,
                "function_url": self.function_url,
                "invocation_arn": self.invocation_arn,
            }
        )

    def _execution_role(
        self, name: str, args: MongoLambdaArgs
    ) -> tuple[pulumi.Input[str], list[pulumi.Resource]]:
        """The given role, or a created one with the VPC access policy and any extra
        managed policies; returns its ARN and what the function must wait for."""
        if "role_arn" in args:
            return args["role_arn"], []
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}{ROLE_SUFFIX}",
            assume_role_policy=assume_role_policy(),
            description=descriptions(args["function_name"])["role"],
            tags=resource_tags(args.get("tags")),
            opts=child,
        )
        # Outside a VPC the function creates no network interfaces: no VPC access policy.
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-vpc-access", role=role.name, policy_arn=VPC_ACCESS_POLICY, opts=child
            )
            for _ in range(1 if "vpc_id" in args else 0)
        ]
        attachments += [
            aws.iam.RolePolicyAttachment(
                f"{name}-policy-{index}", role=role.name, policy_arn=arn, opts=child
            )
            for index, arn in enumerate(args.get("role_policy_arns") or [])
        ]
        return role.arn, attachments

    def _connection_path(self, name: str, args: MongoLambdaArgs) -> aws.ec2.SecurityGroup:
        """The function's security group and the one path it may take: to the endpoint, to
        the peered Atlas CIDR, or to Atlas's public ports through the NAT gateway.

        Both rules live here, not inline, so neither group references the other at
        creation time, and the endpoint admits exactly the clients that declare it.
        """
        child = pulumi.ResourceOptions(parent=self)
        endpoint_group = args.get("database_security_group_id")
        text = descriptions(args["function_name"])
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args["vpc_id"],
            description=text["security_group"],
            tags=resource_tags(args.get("tags"), f"{name}-sg"),
            opts=child,
        )
        if endpoint_group is None:
            low, high = ATLAS_PUBLIC_PORTS
            peered = args.get("atlas_cidr_block")
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-egress-to-atlas",
                security_group_id=security_group.id,
                cidr_ipv4=peered or network_paths.ANYWHERE,
                ip_protocol="tcp",
                from_port=low,
                to_port=high,
                description=text["egress_peering" if peered else "egress_public"],
                tags=resource_tags(args.get("tags")),
                opts=child,
            )
            return security_group
        low, high = ATLAS_PORT_RANGE
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-egress-to-atlas",
            security_group_id=security_group.id,
            referenced_security_group_id=endpoint_group,
            ip_protocol="tcp",
            from_port=low,
            to_port=high,
            description=text["egress_private"],
            tags=resource_tags(args.get("tags")),
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-ingress-on-endpoint",
            security_group_id=endpoint_group,
            referenced_security_group_id=security_group.id,
            ip_protocol="tcp",
            from_port=low,
            to_port=high,
            description=text["ingress_on_endpoint"],
            tags=resource_tags(args.get("tags")),
            opts=child,
        )
        return security_group

    def _public_url_permissions(
        self, name: str, function: aws.lambda_.Function, qualifier: pulumi.Input[str] | None
    ) -> None:
        """A `NONE` URL answers 403 unless `*` may call both InvokeFunctionUrl and, since
        October 2025, InvokeFunction (AWS Lambda docs, "Control access to Lambda function
        URLs"). The second is limited to calls through the URL (InvokedViaFunctionUrl), so
        the public cannot call the Invoke API. Own statement ids: the provider's automatic
        statements on URL creation are neither managed nor removed. A URL on an alias needs
        the grants on that alias (AddPermission API: a qualified statement covers only the
        version or alias it names)."""
        child = pulumi.ResourceOptions(parent=self)
        aws.lambda_.Permission(
            f"{name}-url-public",
            function=function.name,
            statement_id=PUBLIC_URL_STATEMENTS[0],
            action="lambda:InvokeFunctionUrl",
            principal="*",
            function_url_auth_type="NONE",
            qualifier=qualifier,
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-url-public-invoke",
            function=function.name,
            statement_id=PUBLIC_URL_STATEMENTS[1],
            action="lambda:InvokeFunction",
            principal="*",
            invoked_via_function_url=True,
            qualifier=qualifier,
            opts=child,
        )
