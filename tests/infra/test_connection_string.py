"""MONGODB_URI construction and the rules that check it."""

from __future__ import annotations

import pytest

from components.guardrails import rules
from components.guardrails.regions import atlas_region
from components.lambda_function.connection_string import build_lambda_uri


def test_uri_options_in_stable_order():
    uri = build_lambda_uri(
        "mongodb+srv://c-pl-0.ab.mongodb.net", database="app", app_name="fn", sharded=False
    )
    assert uri == (
        "mongodb+srv://c-pl-0.ab.mongodb.net/app?authMechanism=MONGODB-AWS"
        "&authSource=%24external&retryWrites=true&w=majority&maxIdleTimeMS=60000&appName=fn"
    )
    assert rules.lambda_mongodb_uri(uri, sharded=False) == []


def test_sharded_uri_caps_monitored_mongos():
    uri = build_lambda_uri("mongodb+srv://c.ab.mongodb.net/?tls=true", database="d",
                           app_name="fn", sharded=True)  # fmt: skip
    assert uri.endswith("&appName=fn&srvMaxHosts=3")
    assert "tls=true" in uri
    assert rules.lambda_mongodb_uri(uri, sharded=True) == []


def test_uri_with_credentials_is_refused():
    with pytest.raises(ValueError, match="must not carry a user or password"):
        build_lambda_uri("mongodb+srv://u:p@c.ab.mongodb.net", database="d", app_name="f",
                         sharded=False)  # fmt: skip


def test_uri_rule_flags_missing_options_and_credentials():
    found = {f.rule for f in rules.lambda_mongodb_uri("mongodb+srv://u:p@h/", sharded=True)}
    assert found == {"uri-credentials", "uri-max-idle", "uri-srv-max-hosts"}


@pytest.mark.parametrize(
    "aws, atlas", [("us-east-1", "US_EAST_1"), ("ap-southeast-2", "AP_SOUTHEAST_2")]
)
def test_region_names(aws, atlas):
    assert atlas_region(aws) == atlas


def test_database_user_rule():
    assert rules.database_user_iam("ROLE", None) == []
    assert {f.key for f in rules.database_user_iam("NONE", "pw")} == {
        "databaseUser.awsIamType",
        "databaseUser.password",
    }


def test_access_list_takes_security_groups_with_opt_in():
    [finding] = rules.access_list(["sg-0123456789abcdef0"], opt_in=False)
    assert "allowAccessList" in finding.message
    assert rules.access_list(["sg-0123456789abcdef0"], opt_in=True) == []
    assert rules.access_list(["10.0.0.0/8"], opt_in=True) == []


def test_rules_load_without_the_provider_sdks():
    import subprocess
    import sys

    code = "import sys, components.guardrails.rules, components.guardrails.budget; " \
        "print(any(m.startswith('pulumi_') for m in sys.modules))"  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_streaming_monitoring_is_flagged_against_the_budget():
    uri = "mongodb+srv://h/app?maxIdleTimeMS=60000&serverMonitoringMode=stream"
    [finding] = rules.lambda_mongodb_uri(uri, sharded=False)
    assert finding.rule == "uri-monitoring-mode" and "2 connections per server" in finding.message
    assert rules.lambda_mongodb_uri(uri.replace("stream", "poll"), sharded=False) == []
