"""Fixtures for the infrastructure tests: programs run in-process under the mock engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from components.offline import OfflineRun, run_program, run_stack
from components.offline.engine import stack_config
from components.stack.program import stack_program

from .fake_cloud import FakeCloud


def run_project(config: Mapping[str, str], *, mocks: Any = None, stack: str = "dev",
                preview: bool = False) -> OfflineRun:  # fmt: skip
    """Run the real program (load_settings → compose) with the given config."""
    return run_program(
        stack_program,
        stack=stack,
        config=config,
        preview=preview,
        mocks=mocks if mocks is not None else (None if preview else FakeCloud()),
    )


@pytest.fixture
def dev_config() -> dict[str, str]:
    return stack_config("dev")[0]


@pytest.fixture
def deploy() -> Callable[..., tuple[OfflineRun, FakeCloud]]:
    """Run a stack as `pulumi up` would see it after the providers answered."""

    def _deploy(
        stack: str = "dev", *, shard_optimized: bool = True, **overrides: str
    ) -> tuple[OfflineRun, FakeCloud]:
        config = {**stack_config(stack)[0], **overrides}
        region = config.get("aws:region", "us-east-1")
        cloud = FakeCloud(region=region, shard_optimized=shard_optimized)
        return run_project(config, mocks=cloud, stack=stack), cloud

    return _deploy


@pytest.fixture
def preview_stack() -> Callable[[str], OfflineRun]:
    return run_stack
