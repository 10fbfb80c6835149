"""Policies that need more than one resource (pulumi-policy StackValidationPolicy).

Which cluster a function uses, whether the stack has a Lambda at all, whether a private
endpoint or a peering sits beside a shared-tier cluster: these are questions about the
stack (the network paths' own policies are in `network_policies.py`). Each
policy reads the stack through `StackView` and hands plain values to the same rule
functions the components call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pulumi_policy import PolicyConfigSchema, StackValidationArgs, StackValidationPolicy

from . import resource_types as types
from .findings import ENFORCEMENT, ReportViolation, report
from .props import UNKNOWN, read
from .stack_view import Cluster, LambdaFunction, StackView
from .toolkit import Finding, Severity, budget, connection_string, network_paths, rules

EXEMPT_USERNAMES = "exemptUsernames"
# A password computed by another resource (e.g. a random password) is still a password.
COMPUTED_PASSWORD = "(known after deploy)"

# Each check yields (finding, urn of the resource it is about).
Located = Iterable[tuple[Finding, str]]
StackCheck = Callable[[StackView, StackValidationArgs], Located]


def stack_policy(
    name: str,
    description: str,
    check: StackCheck,
    severity: Severity = "error",
    config_schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    """A stack policy reporting the findings of `severity`, each on its own resource."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        view = StackView(args.resources)
        for finding, urn in check(view, args):
            report([finding], report_violation, severity, urn)

    return StackValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=ENFORCEMENT[severity],
        config_schema=config_schema,
    )


def database_user_findings(view: StackView, args: StackValidationArgs) -> Located:
    """In a stack that has a Lambda function, every database user is taken to be meant
    for it and must be IAM-mapped (awsIamType ROLE) with no password.

    A program can give its Lambda a password user under any name, so names or wiring
    cannot tell which users a function will use; the stack can. Users meant for people or
    other services belong in another stack, or are listed by username in the policy's
    `exemptUsernames` config.
    """
    if not view.functions:
        return
    exempt = set(args.get_config().get(EXEMPT_USERNAMES, []) or [])
    for user in view.of_type(types.DATABASE_USER):
        username = read(user.props, "username")
        if isinstance(username, str) and username in exempt:
            continue
        iam_type = read(user.props, "awsIamType", default="NONE")
        if iam_type is UNKNOWN:
            continue
        password = read(user.props, "password")
        password = COMPUTED_PASSWORD if password is UNKNOWN else password
        for finding in rules.database_user_iam(iam_type, password or None, key=user.name):
            yield finding, user.urn


def uri_option_findings(view: StackView, args: StackValidationArgs) -> Located:
    """maxIdleTimeMS always; srvMaxHosts when the function's cluster is sharded.

    Checked once the URI is known (at `up`; at preview only if it is a literal). The
    cluster is the one the URI's host names, or the only one in the stack; a URI whose
    cluster cannot be told is held to the replica-set options.
    """
    for function in view.functions:
        cluster = view.cluster_for(function)
        sharded = bool(cluster is not None and cluster.sharded)
        for key, uri in function.known_uris().items():
            for finding in rules.lambda_mongodb_uri(
                uri, sharded=sharded, key=f"environment.variables.{key}"
            ):
                yield finding, function.urn


def private_network_findings(view: StackView, args: StackValidationArgs) -> Located:
    """Atlas offers private endpoints and network peering only on dedicated tiers: every
    cluster in a stack that declares a PrivateLink endpoint, a network container or a
    peering needs M10 or above (the stack config's rule, `network_paths.path_tier`)."""
    paths = []
    if view.of_type(types.PRIVATE_LINK_ENDPOINT):
        paths.append("privateEndpoint")
    if view.of_type(types.NETWORK_CONTAINER, types.NETWORK_PEERING):
        paths.append("peering")
    for cluster in view.clusters:
        for tier in cluster.tiers:
            key = f"{cluster.resource_name}.instanceSize"
            for path in paths:
                for finding in network_paths.path_tier(path, tier, key=key):
                    yield finding, cluster.urn


def _functions_by_cluster(view: StackView) -> dict[str, tuple[Cluster, list[LambdaFunction]]]:
    groups: dict[str, tuple[Cluster, list[LambdaFunction]]] = {}
    for function in view.functions:
        cluster = view.cluster_for(function) if function.talks_to_mongodb else None
        if cluster is not None:
            groups.setdefault(cluster.urn, (cluster, []))[1].append(function)
    return groups


def _load_balanced(functions: list[LambdaFunction]) -> bool:
    """Budget as load-balanced (no monitors) only when every function's URI is known and is
    the shard-optimized string; an unknown URI (preview) gets the legacy, larger figure."""
    for function in functions:
        uris = function.known_uris()
        if len(uris) != len(function.mongodb_uri_keys()):
            return False
        if not all(connection_string.is_load_balanced(uri) for uri in uris.values()):
            return False
    return True


def connection_budget_findings(view: StackView, args: StackValidationArgs) -> Located:
    """Tier from the cluster's electable instance size, concurrency from the functions
    that hold its URI (added up when several share one cluster; unset if any is unset)."""
    for cluster, functions in _functions_by_cluster(view).values():
        concurrencies = [f.reserved_concurrency for f in functions]
        if any(c is UNKNOWN for c in concurrencies):
            continue
        total = None if any(c is None for c in concurrencies) else sum(concurrencies)
        if len(functions) == 1:
            key, urn = f"{functions[0].name}.reservedConcurrentExecutions", functions[0].urn
        else:
            names = ", ".join(sorted(f.name for f in functions))
            key, urn = f"reservedConcurrentExecutions ({names} together)", cluster.urn
        for tier in cluster.tiers:
            shape = budget.connection_budget(tier, total, load_balanced=_load_balanced(functions))
            for finding in budget.budget_findings(shape, key=key):
                yield finding, urn


DATABASE_USER_CONFIG = PolicyConfigSchema(
    properties={
        EXEMPT_USERNAMES: {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "description": "Usernames of database users in a Lambda stack that are not "
            "meant for the Lambda (they may use a password).",
        }
    }
)

STACK_POLICIES: list[StackValidationPolicy] = [
    stack_policy(
        "atlas-database-user-iam",
        "Database users in a stack with a Lambda use IAM (awsIamType ROLE) and no password.",
        database_user_findings,
        config_schema=DATABASE_USER_CONFIG,
    ),
    stack_policy(
        "lambda-mongodb-uri-options",
        "A Lambda's MongoDB URI sets maxIdleTimeMS, and srvMaxHosts for a sharded cluster "
        "(legacy string; never on the load-balanced shard-optimized one).",
        uri_option_findings,
    ),
    stack_policy(
        "atlas-private-endpoint-tier",
        "A private endpoint or network peering needs dedicated clusters (M10 or above).",
        private_network_findings,
    ),
    stack_policy(
        "atlas-connection-budget",
        "Reserved concurrency x connections per environment fits the tier's per-node limit.",
        connection_budget_findings,
    ),
    stack_policy(
        "atlas-connection-budget-advisory",
        "Reserved concurrency is set and leaves 20% of the tier's connection limit.",
        connection_budget_findings,
        severity="advisory",
    ),
]
