"""Build the function's MONGODB_URI from the SRV string Atlas returns.

The URI carries no user, password or token: MONGODB-AWS signs with the execution role's
credentials, which the driver reads from the environment for every new connection.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Sharded clusters: monitor at most this many mongos per environment (MongoDB's advice).
SHARDED_SRV_MAX_HOSTS = 3
# Atlas marks its shard-optimized private SRV host with `lb` (`<cluster>-pl-<n>-lb.<id>...`):
# "Connect to a Cluster" > "Improve Connection Performance for Sharded Clusters Behind a
# Private Endpoint", https://www.mongodb.com/docs/atlas/connect-to-cluster/
SHARD_OPTIMIZED_HOST = re.compile(r"-pl-\d+-lb$")
# A frozen environment's sockets die silently after ~350 s behind PrivateLink's NLB;
# discarding connections idle for a minute means none of those is ever checked out.
MAX_IDLE_TIME_MS = 60000


def is_load_balanced(uri: str) -> bool:
    """True for Atlas's shard-optimized string (or any URI asking for loadBalanced=true).

    Its SRV TXT record may carry `loadBalanced=true`, which pymongo then applies as if it
    were in the URI (pymongo/synchronous/uri_parser.py: TXT options `authSource`,
    `replicaSet`, `loadBalanced`), so the host name is what tells us before any DNS lookup.
    """
    parts = urlsplit(uri)
    options = {k.lower(): v for k, v in parse_qsl(parts.query, keep_blank_values=True)}
    if options.get("loadbalanced", "").lower() == "true":
        return True
    label = (parts.hostname or "").split(".")[0].lower()
    return bool(SHARD_OPTIMIZED_HOST.search(label))


def lambda_uri_options(app_name: str, *, sharded: bool) -> dict[str, str]:
    """The query options every function URI carries, in a stable order.

    `sharded` here means "a sharded cluster reached through mongos the driver monitors"
    (the legacy string); callers pass False for the shard-optimized, load-balanced one.
    """
    options = {
        "authMechanism": "MONGODB-AWS",
        "authSource": "$external",
        "retryWrites": "true",
        "w": "majority",
        "maxIdleTimeMS": str(MAX_IDLE_TIME_MS),
        "appName": app_name,
    }
    if sharded:
        options["srvMaxHosts"] = str(SHARDED_SRV_MAX_HOSTS)
    return options


def build_lambda_uri(srv: str, *, database: str, app_name: str, sharded: bool) -> str:
    """Return `srv` with the default database and the Lambda options, credentials refused.

    Options already on `srv` are kept unless we set them; ours win, since they are what
    the connection budget and the idle-socket handling rely on. srvMaxHosts goes only on a
    sharded cluster's legacy string: pymongo refuses it with loadBalanced ("You cannot
    specify loadBalanced with srvMaxHosts", pymongo/synchronous/uri_parser.py), which the
    shard-optimized string's TXT record may set, and a load balancer has no hosts to cap.
    """
    parts = urlsplit(srv)
    if parts.scheme not in ("mongodb+srv", "mongodb"):
        # Never the value: a malformed string may still carry a password.
        raise ValueError("connection string: expected mongodb+srv:// or mongodb://")
    if "@" in parts.netloc:
        raise ValueError("connection string: must not carry a user or password (MONGODB-AWS)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    load_balanced = is_load_balanced(srv)
    if load_balanced:
        options = {k: v for k, v in options.items() if k.lower() != "srvmaxhosts"}
    options.update(lambda_uri_options(app_name, sharded=sharded and not load_balanced))
    query = urlencode(options, quote_via=quote, safe="")
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), query, ""))
