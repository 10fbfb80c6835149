"""Each resource policy on hand-made args: a violation that names the key, and a pass."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UnknownValueError

from .helpers import (
    ACCESS_LIST,
    LAMBDA,
    UNKNOWN,
    function_props,
    policy,
    resource_args,
    validate,
)

ALLOW = {"allowAccessList": True}


class TestAccessList:
    def test_the_whole_internet_is_refused_even_with_opt_in(self) -> None:
        for cidr in ("0.0.0.0/0", "::/0"):
            args = resource_args(ACCESS_LIST, {"cidrBlock": cidr}, config=ALLOW)
            reported = validate("atlas-access-list", args)
            assert len(reported.messages) == 1
            assert reported.messages[0].startswith(f"cidrBlock: {cidr} opens the cluster")
            assert "allowed:" in reported.messages[0]

    def test_any_entry_needs_the_opt_in(self) -> None:
        for field, value in (("cidrBlock", "203.0.113.0/24"), ("ipAddress", "203.0.113.7")):
            reported = validate("atlas-access-list", resource_args(ACCESS_LIST, {field: value}))
            assert reported.messages == [
                f"{field}: {value} needs an explicit opt-in: set allowAccessList to true "
                "(allowed: no entries, or entries with allowAccessList: true)"
            ]

    def test_a_narrow_entry_passes_with_the_opt_in(self) -> None:
        args = resource_args(ACCESS_LIST, {"cidrBlock": "203.0.113.0/24"}, config=ALLOW)
        assert validate("atlas-access-list", args).calls == []

    def test_violation_is_reported_on_the_resource(self) -> None:
        args = resource_args(ACCESS_LIST, {"cidrBlock": "0.0.0.0/0"}, name="open")
        assert validate("atlas-access-list", args).calls[0][1] == args.urn

    def test_unknown_entry_is_left_to_pulumi_policy(self) -> None:
        """pulumi-policy turns this into "can't run during preview"; `up` checks it."""
        with pytest.raises(UnknownValueError):
            validate("atlas-access-list", resource_args(ACCESS_LIST, {"cidrBlock": UNKNOWN}))

    def test_other_resource_types_are_ignored(self) -> None:
        args = resource_args(LAMBDA, {"cidrBlock": "0.0.0.0/0"})
        assert validate("atlas-access-list", args).calls == []


class TestEnvironmentSecrets:
    def test_a_credential_name_is_refused(self) -> None:
        args = resource_args(LAMBDA, function_props({"DB_PASSWORD": "hunter2"}))
        reported = validate("lambda-environment-secrets", args)
        assert len(reported.messages) == 1
        assert reported.messages[0].startswith("environment.variables.DB_PASSWORD: ")
        assert "allowed: non-secret settings" in reported.messages[0]

    def test_a_uri_with_a_password_is_refused(self) -> None:
        env = {"DATABASE_URL": "mongodb+srv://app:s3cret@app.abcde.mongodb.net/app"}
        reported = validate(
            "lambda-environment-secrets", resource_args(LAMBDA, function_props(env))
        )
        assert reported.messages == [
            "environment.variables.DATABASE_URL: DATABASE_URL is a URI with a password "
            "(allowed: a URI without user:password (MONGODB-AWS signs with the role))"
        ]

    def test_the_iam_uri_passes(self) -> None:
        assert (
            validate("lambda-environment-secrets", resource_args(LAMBDA, function_props())).calls
            == []
        )

    def test_unknown_values_are_judged_by_name(self) -> None:
        ok = resource_args(LAMBDA, function_props({"MONGODB_URI": UNKNOWN}))
        assert validate("lambda-environment-secrets", ok).calls == []
        bad = resource_args(LAMBDA, function_props({"API_TOKEN": UNKNOWN}))
        assert len(validate("lambda-environment-secrets", bad).calls) == 1


class TestReservedKeys:
    def test_a_reserved_key_is_refused(self) -> None:
        for key in ("AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME", "_HANDLER"):
            args = resource_args(LAMBDA, function_props({key: "x"}))
            reported = validate("lambda-reserved-environment-keys", args)
            assert len(reported.messages) == 1
            assert reported.messages[0].startswith(
                f"environment.variables.{key}: {key} is reserved"
            )
            assert "AWS_LAMBDA_*" in reported.messages[0]

    def test_our_own_keys_pass(self) -> None:
        args = resource_args(LAMBDA, function_props({"LOG_LEVEL": "info"}))
        assert validate("lambda-reserved-environment-keys", args).calls == []

    def test_a_function_without_environment_passes(self) -> None:
        args = resource_args(LAMBDA, {"memorySize": 1024})
        assert validate("lambda-reserved-environment-keys", args).calls == []


class TestMemory:
    def test_below_512_is_advisory_only(self) -> None:
        args = resource_args(LAMBDA, function_props(memorySize=256))
        advisory = validate("lambda-memory-size-advisory", args)
        assert len(advisory.messages) == 1
        assert advisory.messages[0].startswith("memorySize: 256 MB gives the driver little CPU")
        assert validate("lambda-memory-size", args).calls == []
        assert policy("lambda-memory-size-advisory").enforcement_level == EnforcementLevel.ADVISORY

    def test_lambdas_default_of_128_is_flagged(self) -> None:
        args = resource_args(LAMBDA, {"environment": {"variables": {}}})
        assert "128 MB" in validate("lambda-memory-size-advisory", args).messages[0]

    def test_outside_lambdas_range_is_mandatory(self) -> None:
        args = resource_args(LAMBDA, function_props(memorySize=20000))
        reported = validate("lambda-memory-size", args)
        assert reported.messages == [
            "memorySize: 20000 MB is outside Lambda's range (allowed: 128-10240)"
        ]
        assert policy("lambda-memory-size").enforcement_level == EnforcementLevel.MANDATORY

    def test_1024_passes(self) -> None:
        args = resource_args(LAMBDA, function_props(memorySize=1024.0))  # wire numbers
        assert validate("lambda-memory-size", args).calls == []
        assert validate("lambda-memory-size-advisory", args).calls == []
