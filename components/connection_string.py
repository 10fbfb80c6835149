"""Build the function's MONGODB_URI from the SRV string Atlas returns.

The URI carries no user, password or token: MONGODB-AWS signs with the execution role's
credentials, which the driver reads from the environment for every new connection.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Sharded clusters: monitor at most this many mongos per environment (MongoDB's advice).
SHARDED_SRV_MAX_HOSTS = 3
# A frozen environment's sockets die silently after ~350 s behind PrivateLink's NLB;
# discarding connections idle for a minute means none of those is ever checked out.
MAX_IDLE_TIME_MS = 60000


def lambda_uri_options(app_name: str, *, sharded: bool) -> dict[str, str]:
    """The query options every function URI carries, in a stable order."""
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
    the connection budget and the idle-socket handling rely on.
    """
    parts = urlsplit(srv)
    if parts.scheme not in ("mongodb+srv", "mongodb"):
        raise ValueError(f"connection string: expected mongodb+srv:// or mongodb://, got {srv!r}")
    if "@" in parts.netloc:
        raise ValueError("connection string: must not carry a user or password (MONGODB-AWS)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    options.update(lambda_uri_options(app_name, sharded=sharded))
    query = urlencode(options, quote_via=quote, safe="")
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), query, ""))
