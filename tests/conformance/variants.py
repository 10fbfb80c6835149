"""The config variants the conformance layer runs: every value the config accepts, at its
documented limits, on every network path.

Each variant is a stack (an example stack's Pulumi.<stack>.yaml) plus overrides, run as
`pulumi up` sees it once AWS and Atlas answered (FakeCloud): ids, ARNs and addresses are
then known, so the requests carry the values a real deploy sends. REFUSED lists configs
beyond those limits that the preview must refuse with a ConfigError naming the key.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.guardrails.deploy_limits import ENVIRONMENT_MAX_BYTES, URI_RESERVE_BYTES
from components.guardrails.lambda_limits import LOG_RETENTION_DAYS
from components.guardrails.regions import ATLAS_AWS_REGIONS
from components.guardrails.tiers import DEDICATED_TIERS, SHARED_TIERS
from components.offline import OfflineRun, run_program
from components.offline.engine import stack_config
from components.pattern.component import AtlasLambda
from components.stack.config import load_args
from components.stack.program import stack_program
from tests.infra.fake_cloud import ACCOUNT, FakeCloud, GivenVpc

P = "atlas-lambda:"
GIVEN_VPC = "vpc-0a1b2c3d4e5f60718"
GIVEN_VPC_CIDR = "10.20.0.0/16"


class ConformanceCloud(FakeCloud):
    """FakeCloud with Atlas's own id format for a private link: PrivateLinkEndpoint's
    `private_link_id` is the endpoint service's 24-hex id (the spec's `endpointServiceId`
    path parameter, `^([a-f0-9]{24})$`), which the link request carries."""

    def _computed(self, type_: str, name: str, inputs: dict, resource_id: str) -> dict[str, Any]:
        computed = super()._computed(type_, name, inputs, resource_id)
        if type_ == "mongodbatlas:index/privateLinkEndpoint:PrivateLinkEndpoint":
            computed["privateLinkId"] = resource_id
        return computed


def _subnets(count: int, region: str) -> dict[str, str]:
    """`count` subnet ids of a given VPC, spread over the region's zones a-f."""
    return {
        f"subnet-{index:017x}": f"{region}{'abcdef'[index % 6]}" for index in range(1, count + 1)
    }


def given_vpc(
    path: str, region: str = "us-east-1", subnets: int = 3, vpc_id: str = GIVEN_VPC
) -> tuple[dict[str, str], dict[str, Any]]:
    """Config and FakeCloud arguments for `path` in a VPC the stack is given: its subnets
    each in their own route table, each table's default route through a NAT gateway."""
    zones = _subnets(subnets, region)
    tables = {subnet: f"rtb-{index:017x}" for index, subnet in enumerate(zones, 1)}
    nats = {table: f"nat-{index:017x}" for index, table in enumerate(tables.values(), 1)}
    vpc = GivenVpc(
        vpc_id=vpc_id,
        cidr_block=GIVEN_VPC_CIDR,
        route_tables=tables,
        nat_routes=nats,
        nat_public_ips={nat: f"198.51.100.{index}" for index, nat in enumerate(nats.values(), 1)},
    )
    config = {
        P + "networkPath": path,
        P + "vpcId": vpc_id,
        P + "subnetIds": json.dumps(list(zones)),
    }
    return config, {"subnet_zones": zones, "vpcs": [vpc]}


@dataclass(frozen=True)
class Variant:
    id: str
    stack: str = "dev"
    overrides: Mapping[str, str] = field(default_factory=dict)
    cloud: Mapping[str, Any] = field(default_factory=dict)
    program: Callable[[], Any] | None = None
    """Another program than the stack's (AtlasLambda under another resource name)."""
    stack_name: str | None = None
    """The Pulumi stack's name, when not the example stack's (it names the defaults:
    `atlas-lambda-<stack>`)."""

    def config(self) -> dict[str, str]:
        return {**stack_config(self.stack)[0], **self.overrides}

    def run(self, *, preview: bool = False) -> OfflineRun:
        """As `pulumi up` sees it once the providers answered (FakeCloud), or with
        `preview` as the offline preview runs it (every deploy-time value unknown)."""
        config = self.config()
        cloud = {"service_zones": "abcdef", **self.cloud}
        fake = ConformanceCloud(region=config.get("aws:region", "us-east-1"), **cloud)
        return run_program(
            self.program or stack_program,
            stack=self.stack_name or self.stack,
            config=config,
            preview=preview,
            mocks=None if preview else fake,
        )


def _v(
    id_: str, stack: str = "dev", cloud: Mapping[str, Any] | None = None, **keys: Any
) -> Variant:
    """A variant whose overrides are config keys of this project (lists become JSON)."""
    overrides = {
        (key if ":" in key else P + key): json.dumps(value)
        if isinstance(value, list)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for key, value in keys.items()
    }
    return Variant(id_, stack, overrides, dict(cloud or {}))


def _given(id_: str, path: str, stack: str = "dev", subnets: int = 3, **keys: Any) -> Variant:
    region = stack_config(stack)[0].get("aws:region", "us-east-1")
    config, cloud = given_vpc(path, region, subnets)
    variant = _v(id_, stack, cloud, **keys)
    return Variant(id_, stack, {**config, **variant.overrides}, cloud)


def _component(resource_name: str, **args: Any) -> Callable[[], Any]:
    """AtlasLambda declared under `resource_name` in a user's program (its children, and so
    the autonamed role and security groups, carry that name)."""

    def program() -> Any:
        return AtlasLambda(resource_name, {**load_args(), **args}).stack_outputs()

    return program


# --- values at their documented limits ------------------------------------------------------

NAME_64 = "a" + "-b2" * 20 + "c9z"  # 64 ASCII letters, digits, hyphens (cluster, function)
assert len(NAME_64) == 64
PROJECT_NAME_64 = ("Ünïcødé-_.(),:&@+'プロジェクト" + "x" * 64)[:64]
DATABASE_63 = ("app_" + string.ascii_letters + string.digits)[:63]
TAGS_47 = {
    f"k{index:02d}-" + "ключ" * 31: ("v " + "値" * 253 if index % 2 else "-_.:/=+@ " * 28)[:255]
    for index in range(47)
}  # 47 tags (50 minus the 3 the program adds), 128-character keys, 255-character values
# Keys and values of exactly the bytes the program leaves for them (Lambda's 4 KB less what
# it keeps for MONGODB_URI), one value of 2-byte characters.
ENVIRONMENT = [
    "A1=" + "x" * 1047 + "é" * 500, "B_2=" + "y" * 1500, "LOG_LEVEL=debug",
    "FEATURE_FLAGS=a,b,c",
]  # fmt: skip
assert sum(len(e.replace("=", "", 1).encode()) for e in ENVIRONMENT) == (
    ENVIRONMENT_MAX_BYTES - URI_RESERVE_BYTES
)
TOPIC_256 = f"arn:aws:sns:us-east-1:{ACCOUNT}:" + "t" * 256
ACCESS_LIST = [f"203.0.113.{i}/32" for i in range(20)] + ["198.51.100.0/24", "sg-0123456789abcdef0"]


def _tier_path(tier: str) -> str:
    return "peering" if tier in DEDICATED_TIERS else "natGateway"


# Every region the config accepts, on the peering path (the cluster's region, the container's
# region and the peering's accepter region all come from it), each with a tier in turn.
REGION_VARIANTS = [
    _v(f"region-{region}", "dev", {"service_zones": "abc"},
       **{"aws:region": region, "tier": tier, "networkPath": _tier_path(tier),
          "reservedConcurrency": 10, "logRetentionDays": LOG_RETENTION_DAYS[i % 22]})
    for i, (region, tier) in enumerate(
        zip(sorted(ATLAS_AWS_REGIONS),
            (DEDICATED_TIERS + SHARED_TIERS) * 3, strict=False)
    )
]  # fmt: skip

VARIANTS: list[Variant] = [
    # The example stacks as they are.
    *(Variant(stack, stack) for stack in ("dev", "prod", "peering", "nat", "public")),
    # Each network path with a created and a given VPC.
    _given("privateEndpoint-given-vpc", "privateEndpoint"),
    _given("peering-given-vpc", "peering", "peering"),
    _given("natGateway-given-vpc", "natGateway", "nat"),
    _given("natGateway-given-vpc-access-list", "natGateway", "nat",
           accessListCidrs=["198.51.100.1/32", "198.51.100.2/32"], allowAccessList=True),
    _given("privateEndpoint-given-project", "privateEndpoint",
           projectId="5f00000000000000000000bb", orgId=""),
    # The defaults name resources after the stack: its longest name that keeps them valid.
    Variant("stack-name-51", "dev", stack_name="s" * 51),
    Variant("stack-name-51-nat", "nat", stack_name="n-" * 25 + "t"),
    _v("natGateway-single", "nat", natGateways="single", availabilityZones=3),
    _v("natGateway-6-zones", "nat", availabilityZones=6, vpcCidr="10.64.0.0/16"),
    _v("natGateway-smallest-vpc", "nat", vpcCidr="172.16.0.0/18", availabilityZones=2),
    _v(
        "natGateway-M10-with-alert", "nat", tier="M10", atlasAlertEmail="ops.team+atlas@example.com"
    ),
    _v("public-M0", "public"),
    _v("public-FLEX-x86", "public", tier="FLEX", architecture="x86_64"),
    _v("peering-24-in-172", "peering", atlasCidrBlock="172.31.255.0/24"),
    _v("peering-21-in-10", "peering", atlasCidrBlock="10.255.248.0/21", vpcCidr="10.0.0.0/16"),
    _given(
        "peering-given-project",
        "peering",
        "peering",
        projectId="5f00000000000000000000aa",
        orgId="",
    ),
    # Many subnets and zones.
    _v("privateEndpoint-6-zones", availabilityZones=6),
    _given("privateEndpoint-16-given-subnets", "privateEndpoint", subnets=16),
    _given("natGateway-16-given-subnets", "natGateway", "nat", subnets=16),
    Variant(
        "privateEndpoint-given-vpc-8-hex",
        "dev",
        {**given_vpc("privateEndpoint", vpc_id="vpc-0a1b2c3d")[0]},
        given_vpc("privateEndpoint", vpc_id="vpc-0a1b2c3d")[1],
    ),
    # Function URL auth types and SnapStart.
    _v("url-iam", functionUrl=True, functionUrlAuthType="AWS_IAM"),
    _v("url-none", functionUrl=True, functionUrlAuthType="NONE"),
    _v("url-none-snapstart", functionUrl=True, functionUrlAuthType="NONE", snapStart=True),
    *(
        _v(f"snapstart-{runtime}-{arch}", snapStart=True, runtime=runtime, architecture=arch)
        for runtime, arch in (
            ("python3.12", "x86_64"),
            ("python3.13", "arm64"),
            ("python3.14", "x86_64"),
        )
    ),
    _v("python3.11-x86", runtime="python3.11", architecture="x86_64"),
    _v("python3.12-arm", runtime="python3.12"),
    # Alarms with a topic, and the watching settings at their limits.
    _v(
        "alarms-topic-256",
        alarmTopicArn=TOPIC_256,
        errorsAlarmThreshold=2**31,
        durationAlarmPercent=99,
        connectionAlertPercent=100,
        atlasAlertIntervalMin=2**31 - 1,
    ),
    _v(
        "alarms-low",
        alarmTopicArn=f"arn:aws:sns:us-east-1:{ACCOUNT}:a",
        errorsAlarmThreshold=1,
        durationAlarmPercent=1,
        connectionAlertPercent=1,
        atlasAlertIntervalMin=5,
    ),
    _v("alerts-off", alerts=False),
    _v("errors-threshold-2**53", errorsAlarmThreshold=2**53),
    # Names and numbers at their documented limits.
    _v(
        "names-64",
        clusterName=NAME_64,
        functionName=NAME_64,
        projectName=PROJECT_NAME_64,
        databaseName=DATABASE_63,
    ),
    _v(
        "names-64-peering",
        "peering",
        clusterName=NAME_64,
        functionName=NAME_64,
        projectName=PROJECT_NAME_64,
    ),
    _v(
        "names-64-nat",
        "nat",
        clusterName=NAME_64,
        functionName=NAME_64,
        accessListCidrs=ACCESS_LIST[:3],
        allowAccessList=True,
    ),
    _v(
        "names-64-public",
        "public",
        clusterName=NAME_64,
        functionName=NAME_64,
        accessListCidrs=["192.0.2.0/24"],
        allowAccessList=True,
    ),
    _v("tags-47", tags=[f"{k}={v}" for k, v in TAGS_47.items()]),
    _v("tags-47-nat", "nat", tags=[f"{k}={v}" for k, v in TAGS_47.items()]),
    _v("environment-3584-bytes", environment=ENVIRONMENT),
    _v("access-list-22", accessListCidrs=ACCESS_LIST, allowAccessList=True),
    _v("roles-all", databaseRoles=["read", "readWrite", "dbAdmin"]),
    _v("memory-128-timeout-1", memorySize=128, timeout=1, reservedConcurrency=1),
    _v(
        "memory-10240-timeout-900",
        memorySize=10240,
        timeout=900,
        tier="M300",
        reservedConcurrency=900,
    ),
    _v("sharded-70", "prod", shardCount=70, tier="M30", autoScalingMaxTier=""),
    _v("sharded-1-legacy", "prod", shardCount=1, legacyShardedConnectionString=True),
    _v("sharded-peering", "peering", clusterType="SHARDED", shardCount=3, tier="M40"),
    _v("autoscaling-R40-R80", tier="R40", autoScalingMaxTier="R80"),
    _v(
        "autoscaling-M10-M300",
        tier="M10",
        autoScalingMaxTier="M300",
        mongodbMajorVersion="7.0",
        terminationProtection=True,
    ),
    # A user's program: AtlasLambda under the longest resource name its autonames allow.
    Variant("component-name-44", "dev", program=_component("a" * 44)),
    Variant(
        "component-4-extra-security-groups",
        "dev",
        program=_component("app", security_group_ids=[f"sg-{i:017x}" for i in range(4)]),
    ),
    *REGION_VARIANTS,
]


# Run as the offline preview runs them too (deploy-time values unknown): each example stack,
# each path in a given VPC (whose reads are unknown offline), names and numbers at their
# limits and AtlasLambda under another name. Every variant runs once as deployed.
PREVIEWED: tuple[str, ...] = (
    "dev", "prod", "peering", "nat", "public", "privateEndpoint-given-vpc",
    "peering-given-vpc", "natGateway-given-vpc", "natGateway-given-vpc-access-list",
    "peering-given-project", "privateEndpoint-16-given-subnets", "natGateway-6-zones",
    "url-none-snapstart", "alarms-topic-256", "names-64-nat", "tags-47", "stack-name-51",
    "environment-3584-bytes", "sharded-70", "component-name-44",
)  # fmt: skip


@dataclass(frozen=True)
class Refused:
    """A config beyond a published limit: the preview refuses it, naming `key`."""

    variant: Variant
    key: str


REFUSED: list[Refused] = [
    # Atlas Admin API v2 DatabaseUserRole.roleName has no dbOwner.
    Refused(_v("roles-dbOwner", databaseRoles=["readWrite", "dbOwner"]), "databaseRoles"),
    # Lambda VpcConfig.SubnetIds: at most 16.
    Refused(_given("privateEndpoint-17-given-subnets", "privateEndpoint", subnets=17),
            "subnetIds"),
    Refused(_given("natGateway-17-given-subnets", "natGateway", "nat", subnets=17), "subnetIds"),
    # Lambda VpcConfig.SecurityGroupIds: at most 5, the function's own included.
    Refused(Variant("component-5-extra-security-groups", "dev", program=_component(
        "app", security_group_ids=[f"sg-{i:017x}" for i in range(5)])), "security_group_ids"),
    # Atlas AwsNetworkPeeringConnectionSettings.vpcId: vpc- and 17 hex digits.
    Refused(Variant("peering-given-vpc-8-hex", "peering", *given_vpc("peering",
                                                                     vpc_id="vpc-0a1b2c3d")),
            "vpcId"),
    # IAM roleNameType (1-64 of [\w+=,.@-]) for the autonamed `<name>-lambda-role-<7 hex>`.
    Refused(Variant("component-name-45", "dev", program=_component("a" * 45)), "name"),
    Refused(Variant("component-name-space", "dev", program=_component("my app")), "name"),
    # The stack name makes the default names: `atlas-lambda-<stack>` is over 64 characters.
    Refused(Variant("stack-name-52", "dev", stack_name="s" * 52), "clusterName"),
    # CloudWatch's Threshold is a double; these crashed the preview (OverflowError, and
    # ValueError past Python's 4,300 digits) before.
    Refused(_v("errors-threshold-2**53+1", errorsAlarmThreshold=2**53 + 1), "errorsAlarmThreshold"),
    Refused(_v("errors-threshold-400-digits", errorsAlarmThreshold="9" * 400),
            "errorsAlarmThreshold"),
    Refused(_v("memory-5000-digits", memorySize="9" * 5000), P + "memorySize"),
    # EmailNotification.emailAddress is `format: email`.
    Refused(_v("alert-email-double-dot", atlasAlertEmail="ops..team@example.com"),
            "atlasAlertEmail"),
    Refused(_v("alert-email-comma", atlasAlertEmail="ops,team@example.com"), "atlasAlertEmail"),
]  # fmt: skip

