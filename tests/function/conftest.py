"""Fixtures for the function tests: the code root, backends, Lambda environments.

The code root defaults to function/ and can be pointed at an unpacked deployment artifact
with ATLAS_LAMBDA_CODE_ROOT, so the same tests check what actually ships. In-process unit
tests import the function's modules from the same root.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.function.backends import (
    NO_REAL_MONGODB,
    REAL_URI_ENV_VAR,
    RealMongoBackend,
    WireServerBackend,
)
from tests.harness.lambda_environment import LambdaEnvironment

REPO_ROOT = Path(__file__).resolve().parents[2]
CODE_ROOT = Path(os.environ.get("ATLAS_LAMBDA_CODE_ROOT", REPO_ROOT / "function")).resolve()
SHIMS = Path(__file__).resolve().parent / "shims"

# function/ is the code root on Lambda: its modules import each other as top-level modules.
if str(CODE_ROOT) not in sys.path:
    sys.path.insert(0, str(CODE_ROOT))

StartEnvironment = Callable[..., LambdaEnvironment]


@pytest.fixture(scope="session")
def code_root() -> Path:
    return CODE_ROOT


@pytest.fixture
def wire_backend() -> Iterator[WireServerBackend]:
    """A fresh wire-protocol test server requiring MONGODB-AWS (fault-injection tests)."""
    backend = WireServerBackend()
    yield backend
    backend.close()


def _backend(kind: str) -> WireServerBackend | RealMongoBackend:
    if kind == "mockupdb":
        return WireServerBackend()
    uri = os.environ.get(REAL_URI_ENV_VAR)
    if not uri:
        pytest.skip(NO_REAL_MONGODB)
    return RealMongoBackend(uri)


@pytest.fixture(params=["mockupdb", "mongodb"])
def backend(request: pytest.FixtureRequest) -> Iterator[WireServerBackend | RealMongoBackend]:
    """Each test using this runs on the test server, and on a real MongoDB if configured."""
    chosen = _backend(request.param)
    yield chosen
    chosen.close()


@pytest.fixture(scope="module", params=["mockupdb", "mongodb"])
def module_backend(
    request: pytest.FixtureRequest,
) -> Iterator[WireServerBackend | RealMongoBackend]:
    """Like ``backend``, shared by a module's tests (many cheap invocations, one setup)."""
    chosen = _backend(request.param)
    yield chosen
    chosen.close()


def _environment_factory(code_root: Path) -> Iterator[StartEnvironment]:
    started: list[LambdaEnvironment] = []

    def start(
        uri: str,
        environ: Mapping[str, str] | None = None,
        *,
        handler: str = "handler.handler",
        init_type: str = "on-demand",
    ) -> LambdaEnvironment:
        env = LambdaEnvironment(
            code_root,
            {"MONGODB_URI": uri, **(environ or {})},
            handler=handler,
            extra_paths=[SHIMS],
            function_name=f"atlas-lambda-test-{uuid.uuid4().hex[:8]}",
            init_type=init_type,
        )
        started.append(env)
        return env.start()

    yield start
    for env in started:
        env.close()


@pytest.fixture
def start_environment(code_root: Path) -> Iterator[StartEnvironment]:
    """Start Lambda environments (processes under awslambdaric); all killed at teardown."""
    yield from _environment_factory(code_root)


@pytest.fixture(scope="module")
def start_module_environment(code_root: Path) -> Iterator[StartEnvironment]:
    yield from _environment_factory(code_root)
