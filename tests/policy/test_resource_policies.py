"""Each resource policy on hand-made args: a violation that names the key, and a pass."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from .helpers import (
    LAMBDA,
    UNKNOWN,
    function_props,
    policy,
    resource_args,
    validate,
)


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


SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ROLE = "aws:iam/role:Role"


class TestEc2Descriptions:
    """EC2 API reference, CreateSecurityGroup GroupDescription and IpRange/SecurityGroupRule
    Description: a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, up to 255 characters."""

    def test_an_apostrophe_is_refused_on_every_description_type(self) -> None:
        for type_token in (SG, SG_RULE, EGRESS):
            args = resource_args(type_token, {"description": "through the VPC's NAT"})
            [message] = validate("ec2-descriptions", args).messages
            assert message.startswith('description: "through the VPC\'s NAT" has characters')
            assert "allowed: up to 255 of a-z, A-Z, 0-9, spaces and ._-:/()#" in message

    def test_inline_rules_are_checked_too(self) -> None:
        props = {"description": "ok", "ingress": [{"description": "caf\u00e9"}]}
        [message] = validate("ec2-descriptions", resource_args(SG, props)).messages
        assert message.startswith("ingress[0].description: ")

    def test_every_allowed_character_passes(self) -> None:
        text = "aZ09 ._-:/()#,@[]+=&;{}!$*"
        assert validate("ec2-descriptions", resource_args(SG, {"description": text})).calls == []

    def test_unknown_or_missing_description_is_left_for_up(self) -> None:
        assert validate("ec2-descriptions", resource_args(SG, {"description": UNKNOWN})).calls == []
        assert validate("ec2-descriptions", resource_args(SG, {})).calls == []


class TestIamRoleDescription:
    """IAM API reference, CreateRole Description: [\\u0009\\u000A\\u000D\\u0020-\\u007E
    \\u00A1-\\u00FF]*, up to 1,000 characters (an apostrophe is fine there)."""

    def test_outside_latin1_is_refused(self) -> None:
        args = resource_args(ROLE, {"description": "role \u2014 of fn"})
        [message] = validate("iam-role-description", args).messages
        assert "IAM refuses" in message and "printable Latin-1" in message

    def test_an_apostrophe_passes(self) -> None:
        args = resource_args(ROLE, {"description": "the function's role"})
        assert validate("iam-role-description", args).calls == []


class TestAccountConcurrency:
    """Lambda quotas page: 1,000 concurrent executions by default; Lambda keeps 100 of them
    unreserved (configuration-concurrency.html), so a default account grants at most 900."""

    def test_above_900_is_advisory(self) -> None:
        args = resource_args(LAMBDA, function_props(reservedConcurrentExecutions=901.0))
        [message] = validate("lambda-account-concurrency-advisory", args).messages
        assert message.startswith("reservedConcurrentExecutions: 901 is more than a default")
        assert "Concurrent executions" in message and "(allowed: 1-900" in message
        assert (
            policy("lambda-account-concurrency-advisory").enforcement_level
            == EnforcementLevel.ADVISORY
        )

    def test_900_and_unreserved_pass(self) -> None:
        for value in (900, -1):
            args = resource_args(LAMBDA, function_props(reservedConcurrentExecutions=value))
            assert validate("lambda-account-concurrency-advisory", args).calls == []
