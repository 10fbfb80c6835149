"""Lambda SnapStart: do the expensive imports before the snapshot, renew what must be unique.

With SnapStart, Lambda runs init once when a version is published, snapshots the process
(memory included) and restores new execution environments from that snapshot. What a cold
start still pays here is importing: pymongo at init, and, lazily at the first operation,
the MONGODB-AWS signing path (pymongo_auth_aws -> boto3/botocore) and dnspython's SRV/TXT
record classes. ``prepare_for_snapshot`` imports all of it at init and opens nothing, so
the snapshot holds the modules and no socket, client or credential.

A restore is not a fork: the process keeps its pid and every byte of memory, so anything
"unique per process" that was computed before the snapshot is shared by every restored
environment (AWS Lambda docs, "Handling uniqueness with Lambda SnapStart"). The
after-restore hook regenerates it: bson's ObjectId process-random value and counter
(bson/objectid.py renews them only when the pid changes, which a restore does not do),
the ``random`` module's seed, and MONGODB-AWS credentials pymongo_auth_aws may cache.
``os.urandom``, ``secrets`` and ``uuid.uuid4`` read the kernel each call and need nothing.

Hooks are registered with ``snapshot_restore_py`` ("SnapStart runtime hooks for Python"),
which Lambda's Python 3.12+ managed runtimes include; elsewhere it may be missing, and
then there is no snapshot to prepare for.
"""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Callable, Mapping

from bson import objectid

from .client import forget_clients

INITIALIZATION_TYPE_ENV_VAR = "AWS_LAMBDA_INITIALIZATION_TYPE"
SNAP_START = "snap-start"
"""Value of AWS_LAMBDA_INITIALIZATION_TYPE while Lambda initialises a SnapStart version."""

FIRST_INVOCATION_MODULES: tuple[str, ...] = (
    # MONGODB-AWS: pymongo imports its auth modules at the first authentication, and
    # pymongo_auth_aws imports boto3 (botocore's session, credentials, SigV4 signer).
    "pymongo.synchronous.auth",
    "pymongo.synchronous.auth_aws",
    "pymongo.synchronous.auth_oidc",
    "pymongo.saslprep",
    "pymongo_auth_aws",
    "pymongo_auth_aws.auth",
    "boto3.session",
    "botocore.auth",
    "botocore.awsrequest",
    "botocore.credentials",
    "botocore.session",
    # mongodb+srv: pymongo imports dnspython's resolver at the first lookup, and dnspython
    # loads the class of each record type when it first parses one.
    "dns.resolver",
    "dns.rdtypes.IN.SRV",
    "dns.rdtypes.ANY.TXT",
    # Parsing the credentials' expiry and the server's reply.
    "_strptime",
    "secrets",
)
"""What the first invocation imports lazily (measured: sys.modules before and after it)."""

restores = 0
"""How many times the after-restore hook has run in this process (0 or 1 on Lambda)."""


def snap_start_init(environ: Mapping[str, str] = os.environ) -> bool:
    """True while Lambda initialises this environment for a SnapStart snapshot."""
    return environ.get(INITIALIZATION_TYPE_ENV_VAR) == SNAP_START


def import_first_invocation_modules() -> list[str]:
    """Import what the first invocation would; return the names that were missing.

    A module that is not installed (say, dnspython in a function that uses only
    mongodb:// URIs) is skipped: its absence costs the first invocation nothing either.
    """
    missing = []
    for name in FIRST_INVOCATION_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def renew_process_unique_state() -> None:
    """Give this restored process its own ObjectId random value and counter and seed.

    ObjectId is 4 bytes time + 5 bytes per-process random + 3 bytes counter; two
    environments restored from one snapshot would otherwise share the last eight bytes
    and could mint the same _id in the same second.
    """
    cls = objectid.ObjectId
    with cls._inc_lock:
        cls._pid = os.getpid()
        # The random value lives in a name-mangled class attribute (`__random`).
        cls._ObjectId__random = objectid._random_bytes()  # type: ignore[attr-defined]
        cls._inc = random.SystemRandom().randint(0, objectid._MAX_COUNTER_VALUE)
    random.seed()  # from os.urandom


def forget_cached_aws_credentials() -> None:
    """Drop MONGODB-AWS credentials pymongo_auth_aws cached (it caches refreshable ones,
    such as the container credentials Lambda serves SnapStart functions)."""
    try:
        from pymongo_auth_aws import auth
    except ImportError:
        return
    auth.set_cached_credentials(None)


def after_restore() -> None:
    """Runs first thing in each environment restored from the snapshot."""
    global restores
    # A client made during init would hold sockets that died with the snapshot: the
    # next get_client() builds a new one, as in a forked child.
    forget_clients()
    forget_cached_aws_credentials()
    renew_process_unique_state()
    restores += 1


def before_snapshot() -> None:
    """Nothing from before the snapshot may be reused: no client, no cached credential."""
    forget_clients(close=True)
    forget_cached_aws_credentials()


Register = Callable[..., object]


def _hook_registrars() -> tuple[Register, Register] | None:
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return None
    return register_before_snapshot, register_after_restore


def prepare_for_snapshot() -> bool:
    """Import the first invocation's modules and register the SnapStart hooks.

    Returns False (and does nothing else) where the runtime has no `snapshot_restore_py`.
    """
    registrars = _hook_registrars()
    if registrars is None:
        return False
    import_first_invocation_modules()
    register_before_snapshot, register_after_restore = registrars
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


def prepare_if_snap_start(environ: Mapping[str, str] = os.environ) -> bool:
    """prepare_for_snapshot() under SnapStart init; on-demand init does no extra work."""
    return snap_start_init(environ) and prepare_for_snapshot()
