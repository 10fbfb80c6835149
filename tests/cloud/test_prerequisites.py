"""The cloud test's skip names exactly what is missing (runs everywhere, no cloud)."""

from __future__ import annotations

from .prerequisites import missing, settings

EVERYTHING = {
    "MONGODB_ATLAS_PUBLIC_KEY": "pub",
    "MONGODB_ATLAS_PRIVATE_KEY": "priv",
    "ATLAS_LAMBDA_ORG_ID": "5f0000000000000000000001",
}


def check(env: dict[str, str], cli: bool = True, aws: bool = True) -> list[str]:
    return missing(env, which=lambda name: "/bin/pulumi" if cli else None,
                   aws_credentials=lambda: aws)  # fmt: skip


def test_nothing_missing() -> None:
    assert check(EVERYTHING) == []


def test_each_missing_piece_is_named_alone() -> None:
    assert [m.split(" (")[0] for m in check(EVERYTHING, cli=False)] == ["Pulumi CLI"]
    assert [m.split(" (")[0] for m in check(EVERYTHING, aws=False)] == ["AWS credentials"]
    no_key = {k: v for k, v in EVERYTHING.items() if k != "MONGODB_ATLAS_PRIVATE_KEY"}
    assert [m.split(" (")[0] for m in check(no_key)] == ["Atlas credentials"]
    no_org = {k: v for k, v in EVERYTHING.items() if k != "ATLAS_LAMBDA_ORG_ID"}
    assert check(no_org) == [
        "Atlas organization to create the project in (ATLAS_LAMBDA_ORG_ID or "
        "ATLAS_LAMBDA_PROJECT_ID)"
    ]


def test_a_service_account_counts_as_atlas_credentials() -> None:
    env = {"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "s",
           "ATLAS_LAMBDA_PROJECT_ID": "65a1b2c3d4e5f60718293a4b"}  # fmt: skip
    assert check(env) == []


def test_stack_config_from_the_environment() -> None:
    config = settings({**EVERYTHING, "AWS_REGION": "eu-west-1"}).stack_config()
    assert config == {"aws:region": "eu-west-1", "atlas-lambda:orgId": "5f0000000000000000000001"}
    project = settings({"ATLAS_LAMBDA_PROJECT_ID": "65a1b2c3d4e5f60718293a4b"}).stack_config()
    assert project == {"aws:region": "us-east-1",
                       "atlas-lambda:projectId": "65a1b2c3d4e5f60718293a4b"}  # fmt: skip
