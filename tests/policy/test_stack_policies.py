"""Each stack policy on hand-made stacks: a violation that names the key, and a pass."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from .helpers import (
    CLUSTER,
    ENDPOINT,
    FLEX_CLUSTER,
    GOOD_URI,
    IAM_USER,
    LAMBDA,
    UNKNOWN,
    USER,
    cluster_props,
    function_props,
    policy,
    stack_args,
    stack_resource,
    validate,
)


def lambda_(env: dict | None = None, name: str = "fn", **props: object):
    return stack_resource(LAMBDA, function_props(env, **props), name)


def cluster(tier: str = "M10", cluster_type: str = "REPLICASET", name: str = "app", **kw: object):
    return stack_resource(CLUSTER, cluster_props(tier, cluster_type, name, **kw), f"{name}-cluster")


class TestDatabaseUserIam:
    def test_a_password_user_beside_a_lambda_is_refused(self) -> None:
        user = stack_resource(USER, {"username": "app", "password": "hunter2"}, "db-user")
        reported = validate("atlas-database-user-iam", stack_args(lambda_(), user))
        assert reported.calls == [
            ("db-user.awsIamType: awsIamType is 'NONE' (allowed: ROLE)", user.urn),
            ("db-user.password: a password is set (allowed: no password (MONGODB-AWS))", user.urn),
        ]

    def test_a_computed_password_is_still_a_password(self) -> None:
        user = stack_resource(USER, {**IAM_USER, "password": UNKNOWN}, "db-user")
        reported = validate("atlas-database-user-iam", stack_args(lambda_(), user))
        assert [m.split(":")[0] for m in reported.messages] == ["db-user.password"]

    def test_the_iam_user_passes_even_with_an_unknown_username(self) -> None:
        user = stack_resource(USER, {**IAM_USER, "username": UNKNOWN}, "db-user")
        assert validate("atlas-database-user-iam", stack_args(lambda_(), user)).calls == []

    def test_without_a_lambda_the_policy_does_not_apply(self) -> None:
        user = stack_resource(USER, {"username": "analyst", "password": "pw"}, "db-user")
        assert validate("atlas-database-user-iam", stack_args(cluster(), user)).calls == []

    def test_an_exempt_username_passes(self) -> None:
        user = stack_resource(USER, {"username": "analyst", "password": "pw"}, "db-user")
        args = stack_args(lambda_(), user, config={"exemptUsernames": ["analyst"]})
        assert validate("atlas-database-user-iam", args).calls == []


class TestUriOptions:
    def test_missing_max_idle_is_refused(self) -> None:
        uri = GOOD_URI.replace("&maxIdleTimeMS=60000", "")
        fn = lambda_({"MONGODB_URI": uri})
        reported = validate("lambda-mongodb-uri-options", stack_args(cluster(), fn))
        assert reported.calls == [
            (
                "environment.variables.MONGODB_URI: maxIdleTimeMS is missing: frozen sockets "
                "get reused (allowed: maxIdleTimeMS=60000)",
                fn.urn,
            )
        ]

    def test_sharded_cluster_needs_srv_max_hosts(self) -> None:
        stack = stack_args(cluster("M30", "SHARDED", shards=2), lambda_())
        reported = validate("lambda-mongodb-uri-options", stack)
        assert len(reported.messages) == 1
        assert reported.messages[0].startswith("environment.variables.MONGODB_URI: srvMaxHosts")
        good = stack_args(
            cluster("M30", "SHARDED"), lambda_({"MONGODB_URI": GOOD_URI + "&srvMaxHosts=3"})
        )
        assert validate("lambda-mongodb-uri-options", good).calls == []

    def test_the_shard_optimized_string_must_not_carry_srv_max_hosts(self) -> None:
        """Atlas's `-pl-N-lb` string (docs: atlas/connect-to-cluster, optimized connection
        strings) may set loadBalanced from DNS; pymongo refuses srvMaxHosts with it
        (pymongo/synchronous/uri_parser.py)."""
        optimized = GOOD_URI.replace("app-pl-0.", "app-pl-0-lb.")
        good = stack_args(cluster("M30", "SHARDED"), lambda_({"MONGODB_URI": optimized}))
        assert validate("lambda-mongodb-uri-options", good).calls == []
        bad = stack_args(
            cluster("M30", "SHARDED"), lambda_({"MONGODB_URI": optimized + "&srvMaxHosts=3"})
        )
        [message] = validate("lambda-mongodb-uri-options", bad).messages
        assert "srvMaxHosts on a load-balanced" in message

    def test_the_cluster_is_the_one_the_uri_names(self) -> None:
        """Two clusters: the replica set `app` (named by the URI) and a sharded `events`."""
        stack = stack_args(cluster(), cluster("M30", "SHARDED", name="events"), lambda_())
        assert validate("lambda-mongodb-uri-options", stack).calls == []
        events_uri = GOOD_URI.replace("app-pl-0", "events-pl-0")
        stack = stack_args(
            cluster(),
            cluster("M30", "SHARDED", name="events"),
            lambda_({"MONGODB_URI": events_uri}),
        )
        assert "srvMaxHosts" in validate("lambda-mongodb-uri-options", stack).messages[0]

    def test_any_mongodb_uri_is_checked_and_unknown_ones_wait(self) -> None:
        uri = GOOD_URI.replace("&maxIdleTimeMS=60000", "")
        fn = lambda_({"MONGODB_URI": UNKNOWN, "ORDERS_DB": uri})
        reported = validate("lambda-mongodb-uri-options", stack_args(cluster(), fn))
        assert [m.split(":")[0] for m in reported.messages] == ["environment.variables.ORDERS_DB"]

    def test_the_deployed_uri_passes(self) -> None:
        assert validate("lambda-mongodb-uri-options", stack_args(cluster(), lambda_())).calls == []


class TestPrivateEndpointTier:
    def test_shared_tiers_are_refused_beside_an_endpoint(self) -> None:
        for tier in ("M0", "FLEX"):
            shared = cluster(tier)
            stack = stack_args(shared, stack_resource(ENDPOINT, {"providerName": "AWS"}, "pl"))
            reported = validate("atlas-private-endpoint-tier", stack)
            assert len(reported.calls) == 1
            message, urn = reported.calls[0]
            assert message.startswith(
                f"app-cluster.instanceSize: privateEndpoint: Atlas offers a private endpoint "
                f"only on dedicated tiers (M10 and above), not on {tier} (Atlas M0 and Flex "
                f"limits pages) (allowed: natGateway or public on {tier}, or tier one of M10"
            )
            assert urn == shared.urn

    def test_dedicated_passes_and_no_endpoint_passes(self) -> None:
        endpoint = stack_resource(ENDPOINT, {"providerName": "AWS"}, "pl")
        assert (
            validate("atlas-private-endpoint-tier", stack_args(cluster("M10"), endpoint)).calls
            == []
        )
        assert validate("atlas-private-endpoint-tier", stack_args(cluster("M0"))).calls == []


class TestConnectionBudget:
    def test_over_the_limit_is_refused_with_the_largest_safe_value(self) -> None:
        fn = lambda_(reservedConcurrentExecutions=1000)
        reported = validate("atlas-connection-budget", stack_args(cluster("M10"), fn))
        assert len(reported.calls) == 1
        message, urn = reported.calls[0]
        assert message.startswith("fn.reservedConcurrentExecutions: 1000 environments x 2")
        assert "the largest safe value is 745 (allowed: 1-745)" in message
        assert urn == fn.urn

    def test_within_the_limit_passes(self) -> None:
        fn = lambda_(reservedConcurrentExecutions=50)
        args = stack_args(cluster("M10"), fn)
        assert validate("atlas-connection-budget", args).calls == []
        assert validate("atlas-connection-budget-advisory", args).calls == []

    def test_unset_concurrency_is_advisory(self) -> None:
        args = stack_args(cluster("M10"), lambda_())
        assert validate("atlas-connection-budget", args).calls == []
        advisory = validate("atlas-connection-budget-advisory", args)
        assert advisory.messages[0].startswith("fn.reservedConcurrentExecutions: unset")
        assert policy("atlas-connection-budget-advisory").enforcement_level == (
            EnforcementLevel.ADVISORY
        )

    def test_functions_sharing_a_cluster_add_up(self) -> None:
        one, two = (lambda_(name=n, reservedConcurrentExecutions=400) for n in ("a", "b"))
        shared = cluster("M10")
        reported = validate("atlas-connection-budget", stack_args(shared, one, two))
        assert len(reported.calls) == 1
        assert reported.calls[0][0].startswith(
            "reservedConcurrentExecutions (a, b together): 800 environments"
        )
        assert reported.calls[0][1] == shared.urn

    def test_a_known_shard_optimized_uri_is_budgeted_load_balanced(self) -> None:
        """No monitor connections behind the load balancer: 1 per environment, not 2.
        An unknown URI (preview) keeps the legacy figure, the larger one."""
        optimized = GOOD_URI.replace("app-pl-0.", "app-pl-0-lb.")
        sharded = cluster("M30", "SHARDED")
        lb = lambda_({"MONGODB_URI": optimized}, reservedConcurrentExecutions=2000)
        assert validate("atlas-connection-budget", stack_args(sharded, lb)).calls == []
        for uri in (UNKNOWN, GOOD_URI + "&srvMaxHosts=3"):
            fn = lambda_({"MONGODB_URI": uri}, reservedConcurrentExecutions=2000)
            [message] = validate("atlas-connection-budget", stack_args(sharded, fn)).messages
            assert "largest safe value is 1495" in message

    @pytest.mark.parametrize(
        ("tier", "shared"),
        [
            ("M0", stack_resource(CLUSTER, cluster_props("M0"), "app-cluster")),
            ("FLEX", stack_resource(CLUSTER, cluster_props("FLEX"), "app-cluster")),
            ("FLEX", stack_resource(FLEX_CLUSTER, {"name": "app"}, "app-cluster")),
        ],
        ids=["M0 (providerName TENANT)", "FLEX (providerName FLEX)", "FlexCluster"],
    )
    def test_m0_and_flex_are_budgeted_for_the_whole_cluster(
        self, tier: str, shared: object
    ) -> None:
        """Atlas "M0 (Free Cluster) Limits" and "Flex Limits": 500 connections to the
        cluster; each environment monitors the 3 members and pools one connection."""
        over = lambda_(reservedConcurrentExecutions=200)
        [(message, urn)] = validate("atlas-connection-budget", stack_args(shared, over)).calls
        assert message == (
            f"fn.reservedConcurrentExecutions: 200 environments x 4 connections = 800 on the "
            f"cluster; {tier} allows 500: over the limit; the largest safe value is 125 "
            "(allowed: 1-125)"
        )
        assert urn == over.urn
        within = stack_args(shared, lambda_(reservedConcurrentExecutions=100))
        assert validate("atlas-connection-budget", within).calls == []
        assert validate("atlas-connection-budget-advisory", within).calls == []
        busy = stack_args(shared, lambda_(reservedConcurrentExecutions=101))
        [warning] = validate("atlas-connection-budget-advisory", busy).messages
        assert "404 on the cluster" in warning and "81% of the limit" in warning

    def test_a_lambda_without_a_mongodb_uri_is_not_counted(self) -> None:
        other = stack_resource(LAMBDA, {"reservedConcurrentExecutions": 5000}, "thumbnails")
        args = stack_args(cluster("M10"), other, lambda_(reservedConcurrentExecutions=50))
        assert validate("atlas-connection-budget", args).calls == []
