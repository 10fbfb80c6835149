"""One plugin process per dry-run mode (starting it imports the provider SDKs, ~1 s), and
fresh engine state per test. Construct resets the plugin's settings on every call.

The plugin runs in the consumer program's directory, a temporary folder per test module, as
the engine runs it in the program's: a test puts a relative `sourceDir` there."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra.fake_cloud import FakeCloud
from tests.provider.fake_engine import FakeMonitor, Plugin, serve_monitor


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The consumer program's directory: the plugin's working directory."""
    return tmp_path_factory.mktemp("consumer")


@pytest.fixture(scope="module", params=[False, True], ids=["up", "preview"])
def attached(request: pytest.FixtureRequest, program_dir: Path) -> Iterator[FakeMonitor]:
    monitor = FakeMonitor(plugin=None, dry_run=request.param)
    server = serve_monitor(monitor)
    plugin = Plugin(monitor.address, program_dir)
    monitor.plugin, monitor.plugin_process = plugin.stub, plugin
    yield monitor
    plugin.stop()
    server.stop(grace=None)


@pytest.fixture
def engine(attached: FakeMonitor) -> FakeMonitor:
    """The fake engine with the plugin attached, once with dry run off and once on."""
    attached.registrations.clear()
    attached.invokes.clear()
    attached.construct_errors.clear()
    attached.cloud = FakeCloud()
    return attached
