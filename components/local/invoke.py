"""Run the function locally as Lambda runs it:
`python -m components.local.invoke [STACK] [EVENT ...]` (`scripts/dev invoke`).

The stack's offline plan says what Lambda would run (handler, runtime, timeout, memory,
environment, SnapStart); the function folder is built by `components.packaging` for this
machine, code and dependency layer, with the bytecode the deploy ships; the zip is
extracted onto read-only roots beside the Lambda runtime's own packages and run under the
real runtime client `awslambdaric`, driven by a local Runtime API. The database is a local
MongoDB wire-protocol test server shaped like the stack's cluster (a 3-member replica set;
sharded: one mongos behind a load balancer, or 3 mongos with the legacy string) that
requires MONGODB-AWS and checks the signature made with test credentials. Each EVENT's
response is printed, then the connections the environment opened, beside what the
connection budget model says one environment holds.

EVENT is a JSON event file, or a route shorthand: `"GET /health"`,
`"GET /items?limit=5"`, `'POST /items {"name": "pen", "quantity": 1}'` (a Function URL
event, payload format 2.0); default `GET /health`. Several run one after the other in the
same environment, as warm invocations. Exit codes (components/cli.py): 0 every invocation
answered (whatever its HTTP status), 1 a bad event, stack or function folder, or an
invocation that raised or timed out, 64 usage, 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import contextlib
import io
import json
import platform
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .. import cli
from ..locations import FUNCTION_SOURCE_DIR, project_dir

PROJECT_DIR = project_dir()
FUNCTION_TYPE = "aws:lambda/function:Function"
FUNCTION_DIR = "function"
DEFAULT_EVENT = "GET /health"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
REPLICA_SET_MEMBERS = 3  # every Atlas replica set, M0 and Flex included
KNOWN_AFTER_DEPLOY = "(known after deploy)"


@dataclass(frozen=True)
class Event:
    """One event to invoke with, and how to name it in the output."""

    label: str
    payload: Any


@dataclass(frozen=True)
class Function:
    """What the stack's plan says Lambda runs."""

    name: str
    handler: str
    runtime: str
    architecture: str
    timeout_s: int
    memory_mb: int
    environment: dict[str, str]
    snap_start: bool


@dataclass(frozen=True)
class Cluster:
    """The stack's cluster shape, which decides the local deployment and the model."""

    kind: str  # "replica set", "load-balanced mongos" or "mongos"
    servers: int
    database: str
    region: str

    @property
    def load_balanced(self) -> bool:
        return self.kind == "load-balanced mongos"

    def describe(self) -> str:
        if self.kind == "replica set":
            return f"a {self.servers}-member replica set"
        if self.load_balanced:
            return "one mongos behind a load balancer (the shard-optimized string)"
        return f"{self.servers} mongos (the legacy sharded string, srvMaxHosts={self.servers})"


# --- arguments ----------------------------------------------------------------------------


def split_arguments(positionals: Sequence[str], project: Path) -> tuple[str, list[str]]:
    """(stack, event arguments): the first argument is the stack when a Pulumi.<it>.yaml
    exists or it looks like no event; `GET /health` typed unquoted is one event."""
    args = list(positionals)
    stack = "dev"
    if args and ((project / f"Pulumi.{args[0]}.yaml").is_file() or not _looks_like_event(args[0])):
        stack = args.pop(0)
    events: list[str] = []
    while args:
        word = args.pop(0)
        if word.upper() in METHODS and args and args[0].startswith("/"):
            word = f"{word} {args.pop(0)}"
        events.append(word)
    return stack, events or [DEFAULT_EVENT]


def _looks_like_event(word: str) -> bool:
    return (
        " " in word
        or word.upper() in METHODS
        or word.startswith(("/", "{", "."))
        or word.endswith(".json")
        or Path(word).is_file()
    )


def parse_event(text: str) -> Event:
    """A route shorthand (`METHOD /path[?query] [BODY]`) or a JSON event file."""
    method, _, rest = text.strip().partition(" ")
    if method.upper() in METHODS:
        return _route_event(method.upper(), rest.strip(), text)
    path = Path(text)
    if not path.is_file():
        raise cli.CliError(
            f"event {text!r}: no such file, and not a route like 'GET /health'",
            "give a JSON event file, or a route: 'METHOD /path[?query] [JSON body]' with "
            f"METHOD one of {', '.join(METHODS)}",
        )
    try:
        return Event(path.name, json.loads(path.read_text(encoding="utf-8")))
    except UnicodeDecodeError as error:
        raise cli.CliError(f"event {path}: not UTF-8 text", "save it as UTF-8 JSON") from error
    except json.JSONDecodeError as error:
        raise cli.CliError(
            f"event {path}: not JSON ({error.msg}, line {error.lineno} column {error.colno})",
            "an event file holds one JSON value, e.g. a Function URL event",
        ) from None


def _route_event(method: str, rest: str, text: str) -> Event:
    target, _, body = rest.partition(" ")
    if not target.startswith("/"):
        raise cli.CliError(
            f"event {text!r}: the path must start with '/'",
            "write a route as 'METHOD /path[?query] [JSON body]', e.g. 'GET /health'",
        )
    parts = urlsplit(target)
    body = body.strip()
    if body:
        try:
            json.loads(body)
        except json.JSONDecodeError as error:
            raise cli.CliError(
                f"event {text!r}: the body is not JSON ({error.msg}, column {error.colno})",
                "quote the whole route so the shell keeps the body: "
                "'POST /items {\"name\": \"pen\", \"quantity\": 1}'",
            ) from None
    return Event(f"{method} {target}", http_event(method, parts.path, parts.query, body or None))


def http_event(method: str, path: str, raw_query: str, body: str | None) -> dict[str, Any]:
    """A Function URL event (payload format 2.0) as Lambda delivers one."""
    from .events import http_event as make

    query = dict(parse_qsl(raw_query, keep_blank_values=True))
    event = make(method, path, body=body, query=query or None)
    event["rawQueryString"] = raw_query
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["requestContext"]["http"]["userAgent"] = "atlas-lambda-invoke"
    return event


# --- the stack ----------------------------------------------------------------------------


def stack_function(stack: str, project: Path, wanted: str | None) -> tuple[Function, Cluster]:
    """The function and the cluster shape of the stack's offline plan (the preview's
    refusals apply: an invalid stack is refused with the same error)."""
    from ..offline.engine import run_stack, stack_config
    from ..stack.config import project_values
    from ..stack.schema import declared_keys

    # The plan also packages the function for the stack's own target; its lines are the
    # preview's business, not this command's.
    with contextlib.redirect_stderr(io.StringIO()):
        plan = run_stack(stack, project_dir=project).plan
    functions = plan.by_type(FUNCTION_TYPE)
    names = [str(f.inputs.get("name", f.name)) for f in functions]
    chosen = [f for f, n in zip(functions, names, strict=True) if wanted in (None, n, f.name)]
    if len(chosen) != 1:
        problem = (
            f"stack {stack!r} declares no function named {wanted!r}"
            if wanted
            else f"stack {stack!r} declares {len(functions)} functions"
        )
        raise cli.CliError(problem, f"choose one with --function: {', '.join(names) or '(none)'}")
    [resource] = chosen
    inputs = resource.inputs
    variables = dict((inputs.get("environment") or {}).get("variables") or {})
    function = Function(
        name=str(inputs.get("name") or resource.name),
        handler=str(inputs["handler"]),
        runtime=str(inputs["runtime"]),
        architecture=str((inputs.get("architectures") or ["x86_64"])[0]),
        timeout_s=int(inputs.get("timeout") or 3),
        memory_mb=int(inputs.get("memorySize") or 128),
        environment={k: str(v) for k, v in variables.items()},
        snap_start=(inputs.get("snapStart") or {}).get("applyOn") == "PublishedVersions",
    )
    raw, _ = stack_config(stack, project)
    values = project_values(raw, declared_keys(project / "Pulumi.yaml"))
    return function, _cluster(values, raw.get("aws:region") or "us-east-1")


def _cluster(values: Mapping[str, Any], region: str) -> Cluster:
    from ..lambda_function.connection_string import SHARDED_SRV_MAX_HOSTS

    database = str(values["databaseName"])
    if values["clusterType"] != "SHARDED":
        return Cluster("replica set", REPLICA_SET_MEMBERS, database, region)
    if values["legacyShardedConnectionString"]:
        return Cluster("mongos", SHARDED_SRV_MAX_HOSTS, database, region)
    return Cluster("load-balanced mongos", 1, database, region)


# --- the run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    event: Event
    kind: str  # "response" or "error", as the runtime client posted it
    payload: Any


@dataclass(frozen=True)
class Connections:
    """What the environment held once warm, by kind, and what it opened in all; the
    budget model's figure for one environment is compared with what it holds."""

    opened: int
    open: int
    monitor: int
    pool: int
    model: int

    @property
    def closed(self) -> int:
        """Opened and closed again during the run (a connection cut mid-handshake by a
        timeout, say: on a loaded machine the handler's first-call probe can cut one)."""
        return self.opened - self.open


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    from .lambda_like import restore_write_bits

    folder = Path(tempfile.mkdtemp(prefix="atlas-lambda-invoke-"))
    try:
        yield folder
    finally:
        restore_write_bits([folder])  # the read-only fallback may have taken them
        shutil.rmtree(folder, ignore_errors=True)


def _deployment(cluster: Cluster, verifier: Any) -> Any:
    from .wire_server import LoadBalancedMongos, MongosRouters, ReplicaSet

    if cluster.kind == "replica set":
        return ReplicaSet(cluster.servers, auth=verifier)
    if cluster.load_balanced:
        return LoadBalancedMongos(auth=verifier)
    return MongosRouters(cluster.servers, auth=verifier)


def _seed(deployment: Any, seed: Path | None, database: str) -> None:
    """Documents to start with: {"collection": [documents]} (the stack's database) or
    {"database.collection": [...]}, in MongoDB Extended JSON (`{"$oid": "..."}`)."""
    if seed is None:
        return
    from bson import json_util

    try:
        data = json_util.loads(seed.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise cli.CliError(f"--seed {seed}: not JSON ({error})", _SEED_HINT) from None
    if not isinstance(data, dict) or not all(
        k and isinstance(v, list) and all(isinstance(d, dict) for d in v) for k, v in data.items()
    ):
        raise cli.CliError(f"--seed {seed}: not a mapping of collections", _SEED_HINT)
    for name, documents in data.items():
        namespace = name if "." in name else f"{database}.{name}"
        deployment.members[0].store.insert(namespace, documents)


_SEED_HINT = (
    'write {"<collection>": [documents], "<database>.<collection>": [...]} in MongoDB '
    "Extended JSON"
)


def run(
    function: Function,
    cluster: Cluster,
    events: Sequence[Event],
    *,
    source: Path,
    seed: Path | None,
    progress: Any,
) -> tuple[list[Outcome], Connections, str]:
    """Build, lay out, start the database and the environment, invoke; the function's log
    comes back too."""
    from ..guardrails.budget import connections_per_environment
    from ..lambda_function.connection_string import build_lambda_uri
    from ..packaging.build import build_function_package
    from ..packaging.cache import default_cache_dir
    from .aws_auth import AwsAuthVerifier, AwsIdentity
    from .lambda_like import LambdaLikeEnvironment, extract
    from .lambda_runtime import runtime_dir, runtime_interpreter
    from .wire_server import settled_stats

    machine = platform.machine().lower()
    architecture = ARCHITECTURES.get(machine)
    if architecture is None:
        raise cli.CliError(f"Lambda has no {machine} architecture", "run on x86_64 or arm64")
    interpreter, runtime, note = runtime_interpreter(function.runtime)
    cache = default_cache_dir(source)
    package = build_function_package(
        source, handler=function.handler, architecture=architecture, runtime=runtime,
        cache_dir=cache, progress=progress,
    )  # fmt: skip
    progress(
        f"runs {function.handler} of {function.name} on {interpreter.describe()} "
        f"({runtime}, {architecture}; the stack deploys {function.runtime}, "
        f"{function.architecture}){'; ' + note if note else ''}"
    )
    site = runtime_dir(interpreter, cache)
    identity = AwsIdentity(
        "AKIALOCALINVOKE00001", f"local-{uuid.uuid4().hex}", f"local-session-{uuid.uuid4().hex}"
    )
    deployment = _deployment(cluster, AwsAuthVerifier([identity])).start()
    progress(f"database: {cluster.describe()} on 127.0.0.1, requiring MONGODB-AWS")
    try:
        _seed(deployment, seed, cluster.database)
        uri = build_lambda_uri(
            deployment.uri, database=cluster.database, app_name=function.name, sharded=False
        )
        environ = {
            **{k: v for k, v in function.environment.items() if v != KNOWN_AFTER_DEPLOY},
            "MONGODB_URI": uri,
            **identity.environ(),
            "AWS_REGION": cluster.region,
            "AWS_DEFAULT_REGION": cluster.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        }
        with _scratch() as scratch:
            task_root, opt_root = extract(package, scratch / "lambda")
            environment = LambdaLikeEnvironment(
                task_root, environ, opt_root=opt_root, runtime_dir=site,
                python=str(interpreter.path), handler=function.handler,
                function_name=function.name, isolated=True,
                init_type="snap-start" if function.snap_start else "on-demand",
            )  # fmt: skip
            try:
                try:
                    environment.start()
                except (RuntimeError, TimeoutError) as error:
                    raise _init_failure(error, environment) from None
                outcomes = []
                for event in events:
                    try:
                        result = environment.invoke(event.payload, function.timeout_s * 1000)
                    except (RuntimeError, TimeoutError) as error:
                        raise _invoke_failure(event, error, environment.log()) from None
                    outcomes.append(Outcome(event, result.kind, result.payload))
                settled = settled_stats(deployment)  # while the environment is warm
                log = environment.log()
            finally:
                environment.close()
        model = connections_per_environment(cluster.servers, load_balanced=cluster.load_balanced)
        connections = Connections(
            opened=sum(s.accepted for s in settled),
            open=sum(s.open for s in settled),
            monitor=sum(s.open_monitor for s in settled),
            pool=sum(s.open_pool for s in settled),
            model=model,
        )
    finally:
        deployment.stop()
    return outcomes, connections, log


def _init_failure(error: BaseException, environment: Any) -> cli.CliError:
    """The runtime client's own report of the init error (what Lambda shows), else ours."""
    sys.stderr.write(_function_log(environment.log()))
    posted = [_error_text(e.get("body", "")) for e in environment.api.init_errors]
    reason = posted[0] if posted else (str(error).splitlines() or [type(error).__name__])[0]
    return cli.CliError(
        f"the function did not start: {reason}",
        "its log is above: fix the import or the init code of the handler, then run again",
    )


def _error_text(body: Any) -> str:
    """`errorType: errorMessage` of an error the runtime client posted."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except json.JSONDecodeError:
            return body.strip()
    if not isinstance(body, dict):
        return str(body)
    kind, message = body.get("errorType", "error"), str(body.get("errorMessage", ""))
    return f"{kind}: {message}" if message else str(kind)


def _invoke_failure(event: Event, error: BaseException, log: str) -> cli.CliError:
    sys.stderr.write(_function_log(log))
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    return cli.CliError(
        f"{event.label}: no answer from the function: {first}",
        "its log is above; a handler that runs past the stack's timeout is stopped as on "
        "Lambda (atlas-lambda:timeout)",
    )


def _function_log(log: str) -> str:
    lines = [f"  | {line}" for line in log.rstrip().splitlines()]
    return "function log:\n" + "\n".join(lines) + "\n" if lines else ""


# --- output -------------------------------------------------------------------------------


def _status(outcome: Outcome) -> str:
    payload = outcome.payload
    if outcome.kind == "error":
        kind = payload.get("errorType", "error") if isinstance(payload, dict) else "error"
        return f"raised {kind}"
    if isinstance(payload, dict) and isinstance(payload.get("statusCode"), int):
        return str(payload["statusCode"])
    return "answered"


def render(outcomes: Sequence[Outcome], connections: Connections, cluster: Cluster) -> str:
    lines = []
    for outcome in outcomes:
        lines.append(f"{outcome.event.label} -> {_status(outcome)}")
        lines.append(json.dumps(outcome.payload, sort_keys=True, default=str))
    if connections.opened == 0:
        lines.append(f"connections: none opened on {cluster.describe()} (no invocation used it)")
        return "\n".join(lines) + "\n"
    notes = []
    if connections.closed:
        notes.append(f"{connections.closed} more opened and closed during the run")
    if connections.open > connections.model:
        notes.append("more than the model: does the handler make a client per invocation?")
    lines.append(
        f"connections: {connections.open} open ({connections.monitor} monitoring, "
        f"{connections.pool} pooled) on {cluster.describe()}; the budget model counts "
        f"{connections.model} per environment{''.join('; ' + note for note in notes)}"
    )
    return "\n".join(lines) + "\n"


def as_json(
    stack: str, function: Function, outcomes: Sequence[Outcome], connections: Connections,
    cluster: Cluster,
) -> str:  # fmt: skip
    document = {
        "stack": stack,
        "function": function.name,
        "handler": function.handler,
        "cluster": cluster.kind,
        "servers": cluster.servers,
        "invocations": [
            {"event": o.event.label, "kind": o.kind, "payload": o.payload} for o in outcomes
        ],
        "connections": {
            "opened": connections.opened,
            "closed": connections.closed,
            "open": connections.open,
            "monitor": connections.monitor,
            "pool": connections.pool,
            "model": connections.model,
        },
    }
    return json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.ArgumentParser(
        prog="scripts/dev invoke",
        usage="%(prog)s [STACK] [EVENT ...] [options]",
        description="Run the function locally under the Lambda runtime client, against a "
        "local MongoDB wire-protocol test server.",
    )
    parser.add_argument(
        "args", nargs="*", metavar="STACK, EVENT",
        help="stack (default: dev); events: a JSON event file or 'METHOD /path[?query] "
        "[JSON body]' (default: 'GET /health')",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1, metavar="N", help="run the events N times over (warm)"
    )
    parser.add_argument(
        "--seed", type=Path, metavar="FILE",
        help='documents to start with: {"collection": [...]} in MongoDB Extended JSON',
    )  # fmt: skip
    parser.add_argument(
        "--source", type=Path, metavar="DIR",
        help="function folder (default: the project's function/)",
    )
    parser.add_argument(
        "--function", metavar="NAME", help="the function's name, if the stack has several"
    )
    parser.add_argument("--log", action="store_true", help="print the function's log")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--cwd", type=Path, default=PROJECT_DIR, metavar="DIR", help="project directory"
    )
    options = parser.parse_args(argv)
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    project = options.cwd.resolve()
    stack, words = split_arguments(options.args, project)
    events = [parse_event(word) for word in words] * options.repeat
    # The stack deploys the project's own function/ (AtlasLambda's default sourceDir).
    default = project / FUNCTION_DIR
    source = (options.source or (default if default.is_dir() else FUNCTION_SOURCE_DIR)).resolve()
    if not source.is_dir():
        raise cli.CliError(f"--source {source}: no such folder", "give the function's folder")
    if options.seed is not None and not options.seed.is_file():
        raise cli.CliError(f"--seed {options.seed}: no such file", _SEED_HINT)

    def progress(line: str) -> None:
        print(cli.redact(f"invoke: {line}"), file=sys.stderr, flush=True)

    function, cluster = stack_function(stack, project, options.function)
    outcomes, connections, log = run(
        function, cluster, events, source=source, seed=options.seed, progress=progress
    )
    if options.log:
        sys.stderr.write(_function_log(log))
    if options.json:
        sys.stdout.write(as_json(stack, function, outcomes, connections, cluster))
    else:
        sys.stdout.write(render(outcomes, connections, cluster))
    raised = [o for o in outcomes if o.kind == "error"]
    if raised:
        if not options.log:
            sys.stderr.write(_function_log(log))
        raise cli.CliError(
            f"{raised[0].event.label}: the handler raised {_error_text(raised[0].payload)}",
            "its log is above; a handler should answer every request (the sample handler "
            "maps each failure to a status)",
        )
    return cli.EXIT_OK


if __name__ == "__main__":
    sys.exit(cli.run_command(main))
