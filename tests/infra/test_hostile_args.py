"""Issue 17, hostile pass: what the components accepted, leaked or refused wrongly when used
from Python (pip use, in-process under the mock engine). Each case failed before its fix.
"""

from __future__ import annotations

import traceback
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components import AtlasCluster, ConfigError, IamDatabaseUser, MongoLambda
from components.cli import redact
from components.guardrails import deploy_limits, rules
from components.offline import run_program

from .fake_cloud import FakeCloud

PASSWORD = "hunter2-s3cr3t"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
ID = "65a1b2c3d4e5f60718293a4b"
ARN = "arn:aws:iam::123456789012:role/app"
SRV = "mongodb+srv://orders-pl-0.abcde.mongodb.net"
LAMBDA = {
    "function_name": "fn", "vpc_id": "vpc-0a1b2c3d", "mongodb_srv": SRV,
    "database_security_group_id": "sg-0a1b2c3d",
    "subnet_ids": ["subnet-0a", "subnet-0b"], "database_name": "app",
    "code": pulumi.AssetArchive({}),
}  # fmt: skip
USER = {"project_id": ID, "role_arn": ARN, "cluster_name": "orders", "database_name": "app"}
CLUSTER = {"cluster_name": "orders", "aws_region": "us-east-1", "project_id": ID}
FUNCTION = "aws:lambda/function:Function"


def refused(component: type, args: Any, cloud: FakeCloud | None = None) -> ConfigError:
    """The ConfigError `component("bad", args())` raises, with nothing registered."""
    cloud = cloud or FakeCloud()
    with pytest.raises(ConfigError) as caught:
        run_program(lambda: component("bad", args()), mocks=cloud, preview=False)
    assert cloud.events == [], "a resource was registered before validation failed"
    assert "\n" not in str(caught.value)
    return caught.value


def chain_text(error: BaseException) -> str:
    """Everything Python would print for `error`: the traceback and every cause."""
    return "".join(traceback.format_exception(error))


# --- secrets in the connection string ------------------------------------------------------

CREDENTIAL_SRVS = {
    "password": f"mongodb+srv://user:{PASSWORD}@h.mongodb.net",
    # A raw `@` in the password: the part after it is a password too.
    "raw @": f"mongodb+srv://user:pre@{PASSWORD}@h.mongodb.net",
    # A wrong scheme used to be echoed whole, password included.
    "bad scheme": f"mongodb+sr://user:{PASSWORD}@h.mongodb.net",
    "no scheme": f"user:{PASSWORD}@h.mongodb.net",
    "session token": f"mongodb+srv://h.mongodb.net/?AWS_SESSION_TOKEN={TOKEN}",
    "secret key": f"mongodb+srv://h.mongodb.net/?aws_secret_access_key={TOKEN}",
    "mechanism properties": "mongodb+srv://h.mongodb.net/?authMechanism=MONGODB-AWS"
    f"&authMechanismProperties=AWS_SESSION_TOKEN:{TOKEN}",
    "unparsable": f"mongodb+srv://user:{PASSWORD}@[h.mongodb.net",
}


@pytest.mark.parametrize("srv", CREDENTIAL_SRVS.values(), ids=CREDENTIAL_SRVS)
def test_plain_connection_string_with_a_credential_is_refused_unechoed(srv: str) -> None:
    """Refused at preview, naming mongodbSrv, before anything is registered; the secret is
    neither in the message nor anywhere in the traceback."""
    error = refused(MongoLambda, lambda: {**LAMBDA, "mongodb_srv": srv})
    assert error.key == "mongodbSrv", str(error)
    text = chain_text(error)
    assert PASSWORD not in text and TOKEN not in text, text


@pytest.mark.parametrize(
    "srv", [CREDENTIAL_SRVS[k] for k in ("password", "bad scheme", "session token")],
    ids=["password", "bad scheme", "session token"],
)  # fmt: skip
def test_secret_output_connection_string_is_refused_unechoed(srv: str) -> None:
    """An Output's value (a secret's) is only known in the apply: refused there, with the
    same message and no secret in the error or its causes."""
    with pytest.raises(ConfigError) as caught:
        run_program(
            lambda: MongoLambda("fn", {**LAMBDA, "mongodb_srv": pulumi.Output.secret(srv)}),
            mocks=FakeCloud(),
            preview=False,
        )
    assert "mongodbSrv" in str(caught.value)
    text = chain_text(caught.value)
    assert PASSWORD not in text and TOKEN not in text, text


def test_session_token_never_reaches_mongodb_uri() -> None:
    """The function refused it only at run time; the URI landed in plain text in the
    function's configuration."""
    cloud = FakeCloud()
    with pytest.raises(ConfigError):
        run_program(
            lambda: MongoLambda("fn", {**LAMBDA, "mongodb_srv": CREDENTIAL_SRVS["session token"]}),
            mocks=cloud,
            preview=False,
        )
    assert TOKEN not in repr(cloud.events)


def test_uri_credentials_rule_also_covers_the_built_uri() -> None:
    """The policy pack's MONGODB_URI rule (lambda_mongodb_uri) says the same of a plan."""
    uri = f"mongodb+srv://h.net/app?AWS_SESSION_TOKEN={TOKEN}&maxIdleTimeMS=60000"
    findings = rules.lambda_mongodb_uri(uri, sharded=False)
    assert [f.rule for f in findings] == ["uri-credentials"], findings
    assert TOKEN not in repr(findings)


@pytest.mark.parametrize(
    "text",
    [
        f"mongodb://user:pre@{PASSWORD}@host/db",
        f"https://user:{PASSWORD}@@host/x",
        f"'mongodb+srv://u:{PASSWORD}@host'",
    ],
)
def test_redaction_covers_a_password_with_a_raw_at(text: str) -> None:
    out = redact(text)
    assert PASSWORD not in out and "[redacted]@host" in out, out


# --- guardrail gaps -------------------------------------------------------------------------


BAD_DATABASE_NAMES = {
    "empty": "",
    "slash space dollar": "a/b c$",
    "100,000 characters": "x" * 100_000,
    "NUL": "app\0",
    "64 bytes": "é" * 32,
    "windows only": "app*",
    "admin": "admin",
    "Admin": "Admin",
    "local": "local",
}


@pytest.mark.parametrize("name", BAD_DATABASE_NAMES.values(), ids=BAD_DATABASE_NAMES)
@pytest.mark.parametrize("component", ["MongoLambda", "IamDatabaseUser"])
def test_database_name_follows_mongodb_naming_restrictions(component: str, name: str) -> None:
    component_type, args = (
        (MongoLambda, LAMBDA) if component == "MongoLambda" else (IamDatabaseUser, USER)
    )
    error = refused(component_type, lambda: {**args, "database_name": name})
    assert error.key == "databaseName"
    assert len(str(error)) < 400, "the value is echoed whole"


@pytest.mark.parametrize("name", ["app", "orders_2024", "é" * 31, "a" * 63, "A-b"])
def test_database_names_mongodb_accepts_pass(name: str) -> None:
    assert deploy_limits.database_name(name) == []


def test_roles_on_admin_are_refused() -> None:
    """readWrite (dbOwner, ...) on admin reach the whole cluster: refused, the source named."""
    error = refused(IamDatabaseUser, lambda: {**USER, "database_name": "admin", "roles": ["read"]})
    assert "system database" in str(error)


WHOLE_INTERNET = {
    "two halves": ["0.0.0.0/1", "128.0.0.0/1"],
    "a /7": ["10.0.0.0/7"],
    "256 /8s": [f"{n}.0.0.0/8" for n in range(256)],
    "ipv6 halves": ["::/1", "8000::/1"],
    "ipv6 /31": ["2001:db8::/31"],
}


@pytest.mark.parametrize("entries", WHOLE_INTERNET.values(), ids=WHOLE_INTERNET)
def test_access_list_covering_the_internet_in_parts_is_refused(entries: list[str]) -> None:
    """0.0.0.0/0 is refused; so is the same space in pieces, or any block wider than /8
    (IPv6: /32), even with the opt-in."""
    args = {**CLUSTER, "access_list_cidrs": entries, "allow_access_list": True}
    error = refused(AtlasCluster, lambda: args)
    assert error.key == "accessListCidrs"


@pytest.mark.parametrize("entries", [["10.0.0.0/8"], ["203.0.113.7/32", "198.51.100.0/24"],
                                     ["2001:db8::/32"]])  # fmt: skip
def test_narrow_access_lists_pass(entries: list[str]) -> None:
    assert rules.access_list(entries, opt_in=True) == []


def test_environment_over_lambdas_4_kb_is_refused() -> None:
    error = refused(MongoLambda, lambda: {**LAMBDA, "environment": {"BLOB": "x" * 100_000}})
    assert error.key == "environment" and "4096" in str(error)
    assert len(str(error)) < 400


@pytest.mark.parametrize("value", [10**20, 2**31, 10**5000], ids=["1e20", "2**31", "5000 digits"])
def test_reserved_concurrency_beyond_lambdas_integer_is_refused(value: int) -> None:
    error = refused(MongoLambda, lambda: {**LAMBDA, "reserved_concurrency": value})
    assert error.key == "reservedConcurrency" and "2147483647" in str(error)


# --- environment values that are Outputs ----------------------------------------------------


def test_environment_values_may_be_outputs() -> None:
    """As MongoLambdaArgs.environment documents: another resource's Output and a secret
    both reach the function, the secret kept secret, neither screened for credentials."""

    def program() -> None:
        role = aws.iam.Role("other", assume_role_policy="{}")
        environment = {
            "OTHER_ROLE": role.arn, "API_TOKEN": pulumi.Output.secret(TOKEN), "LOG_LEVEL": "info",
        }  # fmt: skip
        MongoLambda("fn", {**LAMBDA, "environment": environment})

    run = run_program(program, mocks=FakeCloud(), preview=False)
    variables = run.plan.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["LOG_LEVEL"] == "info"
    assert variables["OTHER_ROLE"].startswith("arn:aws:iam::"), variables
    assert variables["API_TOKEN"] == "[secret]", variables
    assert "authMechanism=MONGODB-AWS" in variables["MONGODB_URI"]
    assert TOKEN not in run.plan.to_json()


def test_the_pattern_takes_environment_outputs_too() -> None:
    """AtlasLambdaArgs.environment is the same map: an Output value reaches the function."""
    from components import AtlasLambda

    from .test_pattern import DEV_AS_ARGS

    def program() -> None:
        role = aws.iam.Role("other", assume_role_policy="{}")
        environment = {"OTHER_ROLE": role.arn, "API_TOKEN": pulumi.Output.secret(TOKEN)}
        AtlasLambda("app", {**DEV_AS_ARGS, "environment": environment})

    run = run_program(program, mocks=FakeCloud(), preview=False, stack="dev")
    variables = run.plan.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["OTHER_ROLE"].startswith("arn:aws:iam::")
    assert variables["API_TOKEN"] == "[secret]"
    assert TOKEN not in run.plan.to_json()
