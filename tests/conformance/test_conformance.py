"""Model conformance: every registered input of every config variant, as the requests the
providers build from it, against the providers' published models.

Sources (named again in every failure message):
- AWS: botocore's service models as installed (`botocore/data/<service>/<version>/
  service-2.json[.gz]`: lambda 2015-03-31, iam 2010-05-08, ec2 2016-11-15, cloudwatch
  2010-08-01, logs 2014-03-28), for the request hashicorp/terraform-provider-aws builds from
  each resource (requests.py names the create function and expand helper per resource
  type: resourceFunctionCreate, expandLoggingConfig, expandSnapStart,
  securityGroupRuleResourceModel.expandIPPermission, expandPutMetricAlarmInput, ...);
- Atlas: the Atlas Admin API v2 spec mongodb/terraform-provider-mongodbatlas vendors,
  `tools/codegen/atlasapispec/raw-multi-version-api-spec.yml`, pinned (the parts used) in
  atlas_admin_api_v2.json with its commit and version (atlas_spec.source()), for the request
  the provider builds (newAtlasReq, NewMongoDBDatabaseUser, NewMongoDBProjectIPAccessList,
  NewNotificationList, ...);
- Pulumi's autonaming: a resource given no name is checked as `<name>-<7 hex>`.

A variant the program accepts must produce no violation; a variant that raises anything
but ConfigError fails. REFUSED variants go past a published limit and must be refused at
preview with a ConfigError naming the key.
"""

from __future__ import annotations

import copy
import dataclasses
import traceback
from collections import Counter
from typing import Any

import pytest

from components.errors import ConfigError
from components.guardrails.network_paths import NETWORK_PATHS
from components.guardrails.regions import ATLAS_AWS_REGIONS
from components.guardrails.tiers import ALL_TIERS
from components.offline.plan import Plan
from components.stack.program import stack_program

from . import atlas_spec, aws_models, pin_atlas_spec
from .layer import Report, check_plan
from .requests import AUTONAME_SUFFIX, MAPPINGS
from .variants import PREVIEWED, REFUSED, VARIANTS, P, Variant

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
CLUSTER = "mongodbatlas:index/advancedCluster:AdvancedCluster"
ACCESS = "mongodbatlas:index/projectIpAccessList:ProjectIpAccessList"
USER = "mongodbatlas:index/databaseUser:DatabaseUser"
PEERING = "mongodbatlas:index/networkPeering:NetworkPeering"


@dataclasses.dataclass
class Outcome:
    variant: Variant
    plan: Plan | None = None
    report: Report | None = None
    error: str | None = None


def run_outcome(variant: Variant, *, preview: bool = False) -> Outcome:
    """The variant run (as `pulumi up` sees it once the providers answered, or as the
    offline preview runs it) and checked; an exception is kept with its traceback, a
    refusal told from a crash."""
    outcome = Outcome(variant)
    try:
        outcome.plan = variant.run(preview=preview).plan
        outcome.report = check_plan(outcome.plan)
    except Exception as error:  # reported by test_variant_conforms
        kind = "refused" if isinstance(error, ConfigError) else "crashed"
        outcome.error = f"{kind}: {''.join(traceback.format_exception(error))}"
    return outcome


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Outcome]:
    """Every variant run once as deployed: every value known, every request checked."""
    return {variant.id: run_outcome(variant) for variant in VARIANTS}


@pytest.fixture(scope="module")
def previews() -> dict[str, Outcome]:
    """The PREVIEWED variants run as the offline preview runs them: what is known is
    checked, and nothing may raise (values known only after deploy are unknown here)."""
    return {v.id: run_outcome(v, preview=True) for v in VARIANTS if v.id in PREVIEWED}


def test_variant_ids_are_unique():
    ids = Counter(v.id for v in [*VARIANTS, *(r.variant for r in REFUSED)])
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(PREVIEWED) <= set(ids)


@pytest.mark.parametrize("variant_id", [v.id for v in VARIANTS])
def test_variant_conforms(outcomes, previews, variant_id):
    stages = [("deploy", outcomes[variant_id])]
    if variant_id in previews:
        stages.append(("offline preview", previews[variant_id]))
    for stage, outcome in stages:
        where = f"{variant_id} ({stage})"
        assert outcome.error is None, f"{where} is a config the program accepts: {outcome.error}"
        assert outcome.report is not None
        assert outcome.report.violations == [], (
            f"{where}: requests outside the published models ({atlas_spec.source()}; "
            f"botocore {aws_models.botocore.__version__}):\n"
            + "\n".join(outcome.report.violations)
        )


@pytest.mark.parametrize("preview", [True, False], ids=["offline preview", "deploy"])
@pytest.mark.parametrize("refused", REFUSED, ids=[r.variant.id for r in REFUSED])
def test_past_a_published_limit_is_refused_at_preview(refused, preview):
    """Refused by the offline preview already (nothing known yet), and so at deploy."""
    with pytest.raises(Exception) as raised:
        refused.variant.run(preview=preview)
    error = raised.value
    assert isinstance(error, ConfigError), "".join(traceback.format_exception(error))
    assert error.key == refused.key, str(error)
    assert error.allowed, str(error)
    assert "\n" not in str(error)


def test_variants_cover_every_path_tier_region_and_resource(outcomes):
    """The variants reach everything the config accepts and every mapped resource type."""
    configs = [o.variant.config() for o in outcomes.values() if o.variant.program is None]
    assert {c.get(P + "tier", "M10") for c in configs} == set(ALL_TIERS)
    assert {c.get("aws:region") for c in configs} == ATLAS_AWS_REGIONS
    paths = {(c.get(P + "networkPath", "privateEndpoint"), bool(c.get(P + "vpcId")))
             for c in configs}  # fmt: skip
    assert paths >= {(p, given) for p in NETWORK_PATHS for given in (False, True)} - {
        ("public", True)  # the public path runs the function outside any VPC
    }
    checked: Counter[str] = Counter()
    for outcome in outcomes.values():
        if outcome.report is not None:
            checked.update(outcome.report.types)
    assert set(MAPPINGS) == set(checked), f"mapped but never seen: {set(MAPPINGS) - set(checked)}"
    # Every pinned Atlas operation is one the variants send, and no other is sent.
    requests: Counter[str] = Counter()
    for outcome in outcomes.values():
        if outcome.report is not None:
            requests.update(outcome.report.requests)
    sent = {key.split(" ", 1)[1] for key in requests if key.startswith("atlas ")}
    assert sent == set(atlas_spec.pinned()["operations"])


def test_autonamed_resources_are_checked_at_their_autoname(outcomes):
    """Resources given no name (the execution role, the security groups) are checked as
    `<name>-<7 hex>`; the longest resource name the component allows fills IAM's 64."""
    autonamed = {
        name.split(" ", 1)[0]
        for o in outcomes.values() if o.report is not None
        for name in o.report.autonamed
    }  # fmt: skip
    assert autonamed == {ROLE, "aws:ec2/securityGroup:SecurityGroup"}
    plan = outcomes["component-name-44"].plan
    assert plan is not None
    [role] = plan.by_type(ROLE)
    assert "name" not in role.inputs
    assert len(role.name + AUTONAME_SUFFIX) == 64


# --- the layer catches what it is there to catch ----------------------------------------------


def inject(plan: Plan, type_: str, path: tuple[Any, ...], value: Any) -> Plan:
    """A copy of `plan` whose first resource of `type_` has `value` at `path` (None for
    `value` removes the key: the resource is then autonamed)."""
    resources = list(plan.resources)
    index = next(i for i, r in enumerate(resources) if r.type == type_)
    inputs = copy.deepcopy(resources[index].inputs)
    target = inputs
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    resources[index] = dataclasses.replace(resources[index], inputs=inputs)
    return dataclasses.replace(plan, resources=resources)


@pytest.fixture(scope="module")
def dev_plan(outcomes) -> Plan:
    plan = outcomes["dev"].plan
    assert plan is not None and check_plan(plan).violations == []
    return plan


BAD_VALUES = [
    # (type, input path, bad value, what the violation names)
    (FUNCTION, ("memorySize",), 64, "lambda CreateFunction: MemorySize: 64 is outside 128-"),
    (FUNCTION, ("vpcConfig", "subnetIds"), [f"subnet-{i:017x}" for i in range(17)],
     "VpcConfig.SubnetIds: 17 items, outside 0-16"),
    (FUNCTION, ("environment", "variables", "1BAD"), "x", "Environment.Variables.<key '1BAD'>"),
    (FUNCTION, ("tags", "a,b"), "x", "lambda CreateFunction: Tags.<key 'a,b'>"),
    (FUNCTION, ("architectures",), ["arm64", "x86_64"], "Architectures: 2 items, outside 1-1"),
    (ROLE, ("description",), "caf\u00e9 \u2615", "iam CreateRole: Description"),
    (ROLE, ("name",), "r" * 65, "iam CreateRole: RoleName: 65 characters, outside 1-64"),
    (CLUSTER, ("replicationSpecs", 0, "regionConfigs", 0, "regionName"), "US_EAST_9",
     "Atlas createGroupCluster"),
    (CLUSTER, ("name",), "-bad", "createGroupCluster (POST /api/atlas/v2/groups/{groupId}/clusters)"
     ": name"),
    (USER, ("roles", 0, "roleName"), "dbOwner", "roles[0].roleName: 'dbOwner' is not one of"),
    (USER, ("projectId",), "not-an-id", "<path groupId>"),
    ("mongodbatlas:index/alertConfiguration:AlertConfiguration",
     ("notifications", 0, "intervalMin"), 4, "notifications[0].intervalMin: 4 is outside 5-"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", ("alarmActions",), ["arn"] * 6,
     "cloudwatch PutMetricAlarm: AlarmActions: 6 items, outside 0-5"),
    ("aws:cloudwatch/logGroup:LogGroup", ("name",), "/aws/lambda/bad name",
     "logs CreateLogGroup: logGroupName"),
    ("aws:ec2/vpc:Vpc", ("enableDnsSupport",), "yes", "ec2 ModifyVpcAttribute"),
    (FUNCTION, ("unmappedInput",), 1, "input 'unmappedInput' is not mapped"),
]  # fmt: skip


@pytest.mark.parametrize(("type_", "path", "value", "named"), BAD_VALUES,
                         ids=[f"{t.rsplit(':', 1)[-1]}.{'.'.join(map(str, p))}"
                              for t, p, _, _ in BAD_VALUES])  # fmt: skip
def test_a_known_bad_value_injected_into_a_plan_is_caught(dev_plan, type_, path, value, named):
    violations = check_plan(inject(dev_plan, type_, path, value)).violations
    assert any(named in v for v in violations), "\n".join(violations) or "no violation"


def test_a_bad_access_list_comment_and_peering_input_are_caught(outcomes):
    """The two Atlas limits this layer found first: an 80-character comment, a 17-hex VPC id."""
    plan = outcomes["nat"].plan
    assert plan is not None
    bad = inject(plan, ACCESS, ("comment",), "c" * 81)
    assert any("comment: 81 characters, outside 0-80" in v for v in check_plan(bad).violations)
    peering = outcomes["peering"].plan
    assert peering is not None
    bad = inject(peering, PEERING, ("vpcId",), "vpc-0a1b2c3d")
    assert any("vpcId: 'vpc-0a1b2c3d' does not match" in v for v in check_plan(bad).violations)


def test_an_autoname_over_the_limit_is_caught(dev_plan):
    """The role is given no name; a resource name of 57 characters makes its autoname 65."""
    resources = [
        dataclasses.replace(r, name="r" * 57) if r.type == ROLE else r for r in dev_plan.resources
    ]
    violations = check_plan(dataclasses.replace(dev_plan, resources=resources)).violations
    assert any("RoleName: 65 characters, outside 1-64" in v for v in violations), violations


def test_a_crash_is_told_from_a_refusal():
    """A variant whose program raises anything but ConfigError fails this layer (its
    traceback in the message); a ConfigError is a refusal."""

    def crashing() -> Any:
        stack_program()
        raise KeyError("subnets")

    crashed = run_outcome(Variant("crashing", "dev", program=crashing))
    assert crashed.error is not None and crashed.error.startswith("crashed: Traceback")
    assert "KeyError: 'subnets'" in crashed.error
    refused = run_outcome(Variant("refusing", "dev", {P + "memorySize": "64"}))
    assert refused.error is not None and refused.error.startswith("refused: ")


# --- the sources are named and pinned ---------------------------------------------------------


def test_the_pinned_spec_names_its_source_and_holds_only_what_is_used():
    pinned = atlas_spec.pinned()
    source = pinned["source"]
    assert source["repository"] == "mongodb/terraform-provider-mongodbatlas"
    assert source["path"] == "tools/codegen/atlasapispec/raw-multi-version-api-spec.yml"
    assert len(source["commit"]) == 40 and source["info.version"] and source["openapi"]
    assert set(pinned["operations"]) == set(pin_atlas_spec.OPERATIONS)
    assert set(pinned["schemas"]) == set(pin_atlas_spec.SCHEMAS)
    for defect, (why, _) in atlas_spec.SPEC_DEFECTS.items():
        assert defect[0] in pinned["operations"] and "docs" in why


def test_every_mapping_names_the_provider_function_and_a_model():
    for type_, mapped in MAPPINGS.items():
        repository = ("mongodb/terraform-provider-mongodbatlas" if type_.startswith("mongodbatlas")
                      else "hashicorp/terraform-provider-aws")  # fmt: skip
        assert mapped.provider.startswith(f"{repository} internal/service/"), type_
        assert ".go: " in mapped.provider, type_
    for service in ("lambda", "iam", "ec2", "cloudwatch", "logs"):
        assert aws_models.model_file(service).startswith(f"botocore/data/{service}/")
