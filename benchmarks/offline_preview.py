"""Section 5: offline preview wall time for the dev and prod stacks, vs importing the SDKs.

Each figure is a fresh process, as a developer or CI runs it: ``python -m
components.offline.preview <stack>`` (Pulumi program under the mock engine, packaging from its
cache), and ``python -c "import pulumi, pulumi_aws, pulumi_mongodbatlas"`` as the floor any
Pulumi Python program pays before declaring a single resource. The ratio says how much of
a preview is the project's own work. One untimed preview runs first so the packaging cache
is warm, as it is after the first preview on any machine.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from .checks import Check, at_most, exact
from .deployment import REPO
from .settings import Settings
from .stats import Sample, paired_ratios

SECTION = "offline preview"
STACKS = ("dev", "prod")
SDK_IMPORT = "import pulumi, pulumi_aws, pulumi_mongodbatlas"
# The provider SDK modules the program's resources live in: `import pulumi_aws` alone is
# lazy, each subpackage loads every resource class it holds on first use (ec2: ~180
# modules). Diagnostic: what a preview pays beyond this is the project's own work.
USED_SDK_MODULES = {"ec2": "SecurityGroup", "iam": "Role", "cloudwatch": "MetricAlarm",
                    "lambda_": "Function", "vpc": "SecurityGroupIngressRule"}  # fmt: skip
"""Subpackage -> one resource class the program uses (an attribute loads the lazy module)."""
SDK_USED_IMPORT = f"{SDK_IMPORT}; " + "; ".join(
    f"pulumi_aws.{name}.{resource}" for name, resource in USED_SDK_MODULES.items()
)
TARGET = 2.0
PROCESS_BOUND_SECONDS = 300


@dataclass(frozen=True)
class PreviewResult:
    stacks_s: dict[str, Sample]
    sdk_import_s: Sample
    sdk_used_s: Sample
    """Importing the SDKs plus the pulumi_aws subpackages the program's resources need."""
    ratios: dict[str, Sample]
    """Run-by-run preview / SDK import, per stack: the 2.0 target."""
    ratios_to_used: dict[str, Sample]
    """Run-by-run preview / (SDKs + the subpackages used): the project's own share."""
    failures: list[str]
    enforce: bool

    def checks(self) -> list[Check]:
        return [
            exact(SECTION, "both stacks preview (exit 0)", self.failures, []),
            *(at_most(SECTION, f"preview {stack} vs bare import of the provider SDKs "
                      "(median ratio)", ratio.median, TARGET, enforced=self.enforce)
              for stack, ratio in self.ratios.items()),
        ]  # fmt: skip


def _timed(command: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, timeout=PROCESS_BOUND_SECONDS, check=False,
    )  # fmt: skip
    return time.perf_counter() - started, completed.returncode


def run(settings: Settings, progress: Callable[[str], None]) -> PreviewResult:
    commands = {
        stack: [sys.executable, "-m", "components.offline.preview", stack] for stack in STACKS
    }
    commands["sdk"] = [sys.executable, "-c", SDK_IMPORT]
    commands["sdk_used"] = [sys.executable, "-c", SDK_USED_IMPORT]
    failures: list[str] = []
    _, code = _timed(commands["dev"])  # warm the packaging cache
    if code != 0:
        failures.append(f"dev (warm-up) exit {code}")
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for index in range(settings.preview_runs):
        progress(f"offline preview: run {index + 1}/{settings.preview_runs}")
        for name in names[index % len(names) :] + names[: index % len(names)]:
            seconds, code = _timed(commands[name])
            times[name].append(seconds)
            if code != 0:
                failures.append(f"{name} exit {code}")
    return PreviewResult(
        stacks_s={stack: Sample.of(times[stack]) for stack in STACKS},
        sdk_import_s=Sample.of(times["sdk"]),
        sdk_used_s=Sample.of(times["sdk_used"]),
        ratios={stack: paired_ratios(times[stack], times["sdk"]) for stack in STACKS},
        ratios_to_used={stack: paired_ratios(times[stack], times["sdk_used"]) for stack in STACKS},
        failures=failures,
        enforce=settings.enforce_time_targets,
    )
