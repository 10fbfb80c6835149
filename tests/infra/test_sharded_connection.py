"""Sharded clusters behind a private endpoint: the shard-optimized string, and its fallback.

Provider sources these tests encode:
* field `srv_shard_optimized_connection_string` of a private endpoint's connection strings:
  pulumi_mongodbatlas/outputs.py, GetAdvancedClusterConnectionStringsPrivateEndpointResult
  ("Use this URI format if your application and Atlas cluster support it. If it doesn't,
  use ... srv_connection_string");
* the optimized host carries `lb` (`cluster0-pl-0-lb.oq123...`) and Atlas recommends it:
  https://www.mongodb.com/docs/atlas/connect-to-cluster/ ("Improve Connection Performance
  for Sharded Clusters Behind a Private Endpoint");
* pymongo refuses srvMaxHosts with loadBalanced, also when loadBalanced comes from the SRV
  TXT record: pymongo/synchronous/uri_parser.py ("You cannot specify loadBalanced with
  srvMaxHosts").
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pymongo.errors import InvalidURI
from pymongo.synchronous import uri_parser

from components.errors import ConfigError
from components.guardrails import rules
from components.lambda_function.connection_string import build_lambda_uri, is_load_balanced
from components.private_endpoint.component import select_private_srv

P = "atlas-lambda:"
FUNCTION = "aws:lambda/function:Function"
VPCE = "aws:ec2/vpcEndpoint:VpcEndpoint"
LEGACY = "mongodb+srv://c-pl-0.ab1cd.mongodb.net"
OPTIMIZED = "mongodb+srv://c-pl-0-lb.ab1cd.mongodb.net"


def _strings(optimized: str | None) -> dict:
    entry = {"srv_connection_string": LEGACY, "endpoints": [{"endpoint_id": "vpce-ours"}]}
    if optimized is not None:
        entry["srv_shard_optimized_connection_string"] = optimized
    foreign = {
        "srv_connection_string": "mongodb+srv://c-pl-9.x.mongodb.net",
        "srv_shard_optimized_connection_string": "mongodb+srv://c-pl-9-lb.x.mongodb.net",
        "endpoints": [{"endpoint_id": "vpce-foreign"}],
    }
    return {"private_endpoints": [foreign, entry]}


@pytest.mark.parametrize(
    "optimized, opt_in_legacy, expected",
    [
        (OPTIMIZED, False, OPTIMIZED),  # Atlas offers it: used
        (OPTIMIZED, True, LEGACY),  # legacyShardedConnectionString: true
        (None, False, LEGACY),  # Atlas lacks it (older cluster): fall back
        ("", False, LEGACY),  # the invoke's required str field, empty for a replica set
    ],
)
def test_select_private_srv_prefers_the_shard_optimized_string(optimized, opt_in_legacy, expected):
    chosen = select_private_srv(_strings(optimized), "vpce-ours", shard_optimized=not opt_in_legacy)
    assert chosen == expected


def test_load_balanced_is_told_from_the_string_atlas_returns():
    assert is_load_balanced(OPTIMIZED)
    assert is_load_balanced("mongodb://127.0.0.1:27017/?loadBalanced=true")
    assert not is_load_balanced(LEGACY)
    assert not is_load_balanced("mongodb+srv://lb-pl-0.ab1cd.mongodb.net")  # a cluster named lb


def _options(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(uri).query)


def test_optimized_string_never_gets_srv_max_hosts():
    uri = build_lambda_uri(OPTIMIZED, database="app", app_name="fn", sharded=True)
    assert "srvMaxHosts" not in _options(uri)
    assert rules.lambda_mongodb_uri(uri, sharded=True) == []
    # Even one Atlas (or a user) put there is dropped: pymongo would refuse the URI.
    uri = build_lambda_uri(OPTIMIZED + "/?srvMaxHosts=3", database="a", app_name="f", sharded=True)
    assert "srvMaxHosts" not in _options(uri)
    legacy = build_lambda_uri(LEGACY, database="app", app_name="fn", sharded=True)
    assert _options(legacy)["srvMaxHosts"] == ["3"]


def test_pymongo_refuses_srv_max_hosts_with_load_balanced_from_dns(monkeypatch):
    """Why the rule exists: loadBalanced from the TXT record + srvMaxHosts is InvalidURI."""

    class Resolver:
        def __init__(self, *args: object) -> None: ...

        def get_hosts(self) -> list[tuple[str, int]]:
            return [("c-pl-0-lb.ab1cd.mongodb.net", 27017)]

        def get_options(self) -> str:
            return "loadBalanced=true&authSource=admin"

    monkeypatch.setattr(uri_parser, "_SrvResolver", Resolver)
    with pytest.raises(InvalidURI, match="loadBalanced with srvMaxHosts"):
        uri_parser.parse_uri(OPTIMIZED + "/?srvMaxHosts=3")
    parsed = uri_parser.parse_uri(build_lambda_uri(OPTIMIZED, database="a", app_name="f",
                                                   sharded=True))  # fmt: skip
    assert parsed["options"]["loadBalanced"] is True


def test_rule_refuses_srv_max_hosts_on_the_optimized_string():
    [finding] = rules.lambda_mongodb_uri(OPTIMIZED + "/?maxIdleTimeMS=1&srvMaxHosts=3",
                                         sharded=True)  # fmt: skip
    assert finding.rule == "uri-srv-max-hosts" and "load-balanced" in finding.message
    [missing] = rules.lambda_mongodb_uri(LEGACY + "/?maxIdleTimeMS=1", sharded=True)
    assert "legacy string" in missing.message


def _uri(run) -> str:
    return run.plan.one(FUNCTION).inputs["environment"]["variables"]["MONGODB_URI"]


def test_prod_uses_the_optimized_string_without_srv_max_hosts(deploy):
    run, cloud = deploy("prod")
    vpce = cloud.ids[(VPCE, "app-privatelink-vpce")]
    expected = cloud.private_srv_for(vpce, "atlas-lambda-prod", shard_optimized=True)
    assert run.plan.outputs["privateSrvConnectionString"] == expected
    assert _uri(run).startswith(expected + "/app?")
    assert "srvMaxHosts" not in _options(_uri(run))
    assert not [w for w in run.plan.warnings if w.startswith("legacySharded")]


def test_prod_falls_back_to_legacy_when_atlas_lacks_the_optimized_string(deploy):
    run, cloud = deploy("prod", shard_optimized=False)
    vpce = cloud.ids[(VPCE, "app-privatelink-vpce")]
    assert _uri(run).startswith(cloud.private_srv_for(vpce, "atlas-lambda-prod") + "/app?")
    assert _options(_uri(run))["srvMaxHosts"] == ["3"]
    # The preview budgeted load-balanced; the deploy says the legacy figure applies.
    [warning] = [w for w in run.plan.warnings if w.startswith("legacySharded")]
    assert "no shard-optimized private string" in warning


def test_opt_in_key_keeps_the_legacy_string(deploy):
    run, cloud = deploy("prod", **{P + "legacyShardedConnectionString": "true"})
    vpce = cloud.ids[(VPCE, "app-privatelink-vpce")]
    assert _uri(run).startswith(cloud.private_srv_for(vpce, "atlas-lambda-prod") + "/app?")
    assert _options(_uri(run))["srvMaxHosts"] == ["3"]
    assert not [w for w in run.plan.warnings if w.startswith("legacySharded")]


def test_replica_set_is_unaffected(deploy):
    run, cloud = deploy("dev")
    vpce = cloud.ids[(VPCE, "app-privatelink-vpce")]
    assert _uri(run).startswith(cloud.private_srv_for(vpce, "atlas-lambda-dev") + "/app?")
    assert "srvMaxHosts" not in _options(_uri(run))


def test_stack_budget_uses_the_mode_of_the_string(deploy):
    """M30 allows 2,990 per mongos: 2,990 environments load-balanced, 1,495 legacy."""
    run, _ = deploy("prod", **{P + "reservedConcurrency": "2500"})
    [warning] = [w for w in run.plan.warnings if w.startswith("reservedConcurrency") and
                 "busiest node" in w]  # fmt: skip
    assert "(load-balanced, no monitor)" in warning and "84% of the limit" in warning
    with pytest.raises(ConfigError, match="largest safe value is 1495"):
        deploy("prod", **{P + "reservedConcurrency": "2500",
                          P + "legacyShardedConnectionString": "true"})  # fmt: skip
    with pytest.raises(ConfigError, match=r"legacyShardedConnectionString.*true or false"):
        deploy("prod", **{P + "legacyShardedConnectionString": "maybe"})


def test_fallback_over_the_legacy_budget_fails_the_deploy(deploy):
    """2,500 environments fit load-balanced (2,990) but not legacy (1,495): when Atlas
    returns no optimized string, the deploy stops before the function gets that URI."""
    with pytest.raises(Exception, match=r"reservedConcurrency.*legacy.*largest safe value is 1495"):
        deploy("prod", shard_optimized=False, **{P + "reservedConcurrency": "2500"})
