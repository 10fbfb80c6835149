"""The env-secret rule judges a variable's name by whole words (issue 15, item 7).

A substring match refused the very name the rule's hint recommends (`SECRET_ARN`: keep the
secret in Secrets Manager, pass its ARN) and settings that merely mention a credential
(`MAX_TOKENS`, `PASSWORD_MIN_LENGTH`). Each table below runs through the rule itself, the
function component and the policy pack, which all call `rules.environment_secrets`.
"""

from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.guardrails import rules
from components.lambda_function.component import validate_lambda_args
from tests.policy.helpers import LAMBDA, function_props, resource_args, validate

FLAGGED = (
    "DB_PASSWORD", "DB_PASSWD", "PWD", "MONGO_PWD", "password", "dbPassword", "DbPassword",
    "API_KEY", "apiKey", "APIKey", "OPENAI_API_KEY", "SENDGRID_APIKEY", "API_KEYS",
    "GITHUB_TOKEN", "githubToken", "SESSION_TOKEN", "TOKEN2", "OAUTH2_TOKEN",
    "SECRET", "CLIENT_SECRET", "JWT_SECRET", "SECRET_KEY_BASE", "SECRETS",
    "MY_AWS_SECRET_ACCESS_KEY", "S3_ACCESS_KEY", "PRIVATE_KEY", "SSH_PRIVATE_KEY",
    "AUTH_KEY", "DB_CREDENTIAL", "DB_CREDENTIALS", "GPG_PASSPHRASE",
    "PASSWORD_VALUE", "TOKENS_PER_REQUEST", "SECRETS_MANAGER_DB_PASSWORD",
)  # fmt: skip

PASSED = (
    # where the secret is kept, or what it is called: what the hint recommends
    "SECRET_ARN", "DB_PASSWORD_SECRET_ARN", "secretArn", "SECRET_NAME", "SECRET_ID",
    "SECRET_IDS", "SECRET_PATH", "DB_PASSWORD_FILE", "SECRET_REGION", "SECRET_VERSION",
    "ACCESS_KEY_ID",
    # an address: its value is still checked for a user:password (see the test below)
    "TOKEN_URL", "OAUTH_TOKEN_URI",
    # settings of a credential, not the credential
    "PASSWORD_MIN_LENGTH", "TOKEN_LEN", "SECRET_CACHE_SIZE", "SECRET_COUNT", "TOKEN_TTL",
    "AUTH_TOKEN_TIMEOUT", "PASSWORD_AUTH_ENABLED", "TOKEN_TYPE", "TOKEN_HEADER",
    "PASSWORD_FIELD", "PWD_HASH_ROUNDS",
    # counts and bounds
    "MAX_TOKENS", "OPENAI_MAX_TOKENS", "MIN_PASSWORD_CHANGES", "NUM_API_KEYS", "maxTokens",
    # a credential word inside a longer word
    "TOKENIZER_MODEL", "SECRETARY_EMAIL", "PASSWORDLESS_LOGIN", "KEYSPACE",
    # the AWS Parameters and Secrets Lambda Extension's settings, an SDK endpoint
    "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL",
    "SECRETS_MANAGER_TIMEOUT_MILLIS", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    # no credential word at all
    "MONGODB_URI", "LOG_LEVEL", "DATABASE_NAME",
)  # fmt: skip


def test_tables_are_disjoint_and_large_enough() -> None:
    assert not set(FLAGGED) & set(PASSED)
    assert len(FLAGGED) >= 15 and len(PASSED) >= 15


@pytest.mark.parametrize("name", FLAGGED)
def test_credential_names_are_flagged(name: str) -> None:
    findings = rules.environment_secrets({name: "x"})
    assert [(f.rule, f.key, f.severity) for f in findings] == [
        ("env-secret", f"environment.{name}", "error")
    ]
    assert findings[0].message == (
        f"{name} looks like a credential; Lambda environment variables are not secret storage"
    )
    assert findings[0].allowed == "non-secret settings; use IAM (MONGODB-AWS) or Secrets Manager"


@pytest.mark.parametrize("name", PASSED)
def test_names_about_credentials_pass(name: str) -> None:
    assert rules.environment_secrets({name: "plain-value"}) == []


@pytest.mark.parametrize("name", ["TOKEN_URL", "SECRET_ARN", "DATABASE_URL"])
def test_a_passing_name_still_has_its_value_checked(name: str) -> None:
    findings = rules.environment_secrets({name: "https://app:s3cret@auth.example.com/token"})
    assert [(f.rule, f.message) for f in findings] == [
        ("env-secret", f"{name} is a URI with a password")
    ]


def test_name_words() -> None:
    assert rules.name_words("dbPassword") == ["DB", "PASSWORD"]
    assert rules.name_words("APIKey") == ["API", "KEY"]
    assert rules.name_words("OAUTH2_TOKEN") == ["OAUTH", "2", "TOKEN"]
    assert rules.name_words("client-secret") == ["CLIENT", "SECRET"]


def test_the_component_refuses_and_allows_by_the_same_rule() -> None:
    base = {"function_name": "f"}
    with pytest.raises(ConfigError, match=r"^environment\.GITHUB_TOKEN: GITHUB_TOKEN looks like"):
        validate_lambda_args({**base, "environment": {"GITHUB_TOKEN": "x"}})
    validate_lambda_args(
        {**base, "environment": {"SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:s"}}
    )


def test_the_policy_pack_uses_the_same_rule() -> None:
    env = {"SECRET_ARN": "arn", "MAX_TOKENS": "512", "apiKey": "x", "DB_PASSWORD": "y"}
    reported = validate("lambda-environment-secrets", resource_args(LAMBDA, function_props(env)))
    assert [message.split(":", 1)[0] for message in reported.messages] == [
        "environment.variables.DB_PASSWORD",
        "environment.variables.apiKey",
    ]
