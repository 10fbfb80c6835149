"""Run the pack's policies over an offline plan: no Pulumi CLI, no cloud account.

The toolkit's `offline.run_stack` records what the program declares, in wire form. This
module hands those properties to the policies the way pulumi-policy's analyzer does
(unknowns as pulumi-policy's sentinels behind its unknown-checking proxy) and collects the
violations. Tests use it; so can CI without credentials:

    python -m policy.offline STACK [--config pack-config.json] [--cwd DIR]

(`python -m pulumi_atlas_lambda.policy.offline` when the toolkit is installed by pip.)

The pack config is checked against each policy's declared schema first (policy/pack_config.py).
Exit codes (components/cli.py): 0 no mandatory violation, 3 mandatory violations, 1 bad
stack, config or file, 64 usage, 70 internal error, 130 interrupted.
"""

from __future__ import annotations

import signal
import sys

if __name__ == "__main__":
    # Run as a command, the imports below (asyncio, pulumi_policy, the toolkit: 0.2-0.4 s)
    # come before cli.run_command installs its handler: a Ctrl-C in them printed a
    # KeyboardInterrupt traceback. Until then it ends as run_command ends one (stdlib only
    # here, so the window before this line is the interpreter's own start).

    def _interrupted_while_loading(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # one report, whatever follows
        sys.stderr.write(
            "error: interrupted\nhint: nothing was written after the interrupt; run again "
            "to finish\n"
        )
        raise SystemExit(130)

    signal.signal(signal.SIGINT, _interrupted_while_loading)

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from inspect import isawaitable
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from . import pack_config
from .pack import POLICIES
from .toolkit import UNKNOWN, Plan, PlannedResource, cli, offline

EXIT_OK, EXIT_VIOLATIONS, EXIT_INVALID = cli.EXIT_OK, cli.EXIT_VIOLATIONS, cli.EXIT_ERROR


@dataclass(frozen=True)
class Violation:
    """One reported violation, as the CLI would print it."""

    policy: str
    enforcement: str
    message: str
    urn: str | None


def _wire(value: Any) -> Any:
    """Offline marks unknowns with a readable string; the analyzer sees a sentinel."""
    if value == UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, list):
        return [_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    return value


def _options(resource: PlannedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def policy_resources(plan: Plan) -> list[PolicyResource]:
    """The plan's resources as a stack policy receives them, parents and dependencies
    linked to the resource objects.

    The engine also hands a stack policy each property's dependencies; an offline plan
    that records them (`property_dependencies`: property → URNs) passes them on. One that
    does not leaves them empty, and the network policies fall back to the resource's
    dependencies (policy/network_view.py).
    """
    resources = {
        r.urn: PolicyResource(
            r.type,
            unknown_checking_proxy(_wire(r.inputs)),
            r.urn,
            r.name,
            _options(r),
            None,
            None,
            [],
            {},
        )
        for r in plan.resources
    }
    for planned in plan.resources:
        resource = resources[planned.urn]
        resource.parent = resources.get(planned.parent or "")
        resource.dependencies = [resources[d] for d in planned.dependencies if d in resources]
        by_property: dict[str, Sequence[str]] = getattr(planned, "property_dependencies", {})
        resource.property_dependencies = {
            prop: [resources[d] for d in urns if d in resources]
            for prop, urns in by_property.items()
        }
    return list(resources.values())


def _level(
    policy: Policy, overrides: Mapping[str, EnforcementLevel] | None = None
) -> EnforcementLevel:
    """The level the pack config sets for `policy`, else its own, else mandatory."""
    if overrides and policy.name in overrides:
        return overrides[policy.name]
    return policy.enforcement_level or EnforcementLevel.MANDATORY


def _run(validate: Any, args: Any, report: Any) -> None:
    result = validate(args, report)
    if isawaitable(result):
        asyncio.run(result)  # type: ignore[arg-type]


def evaluate(
    plan: Plan,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    policies: Sequence[Policy] = POLICIES,
    levels: Mapping[str, EnforcementLevel] | None = None,
) -> list[Violation]:
    """Every violation the pack reports for `plan`, as `pulumi preview` would collect them.

    `config` is the pack config, policy name → its settings. A value unknown at preview
    makes a policy note that it can't run yet (advisory), as pulumi-policy does.
    """
    config = config or {}
    violations: list[Violation] = []
    resources = policy_resources(plan)
    for policy in policies:
        level = _level(policy, levels)
        if level == EnforcementLevel.DISABLED:
            continue
        settings = dict(config.get(policy.name, {}))

        def report(message: str, urn: str | None = None, _p: Policy = policy) -> None:
            violations.append(Violation(_p.name, _level(_p, levels).value, message, urn or None))

        runs: list[tuple[Any, str | None]] = []
        if isinstance(policy, ResourceValidationPolicy):
            runs = [
                (
                    ResourceValidationArgs(
                        r.resource_type, r.props, r.urn, r.name, r.opts, None, settings
                    ),
                    r.urn,
                )
                for r in resources
            ]
        elif isinstance(policy, StackValidationPolicy):
            runs = [(StackValidationArgs(resources, settings), None)]
        for args, urn in runs:
            try:
                _run(policy.validate, args, report)
            except UnknownValueError as unknown:
                violations.append(
                    Violation(
                        policy.name,
                        EnforcementLevel.ADVISORY.value,
                        f"can't run during preview: {unknown.message}",
                        urn,
                    )
                )
    return violations


def main(argv: Sequence[str] | None = None) -> int:
    parser = cli.ArgumentParser(prog=f"python -m {__package__}.offline", description=__doc__)
    parser.add_argument("stack", nargs="?", default="dev")
    parser.add_argument("--config", type=Path, help="pack config JSON (policy → settings)")
    parser.add_argument("--cwd", type=Path, help="project directory (default: this repository)")
    options = parser.parse_args(argv)

    engine, run_stack = offline("engine"), offline().run_stack

    config, levels = pack_config.load(options.config, POLICIES) if options.config else ({}, {})
    project_dir = options.cwd.resolve() if options.cwd else engine.PROJECT_DIR
    plan = run_stack(options.stack, project_dir=project_dir).plan
    violations = evaluate(plan, config, levels=levels)
    for v in violations:
        where = f" [{v.urn.split('::')[-1]}]" if v.urn else ""
        print(f"{v.enforcement}: {v.policy}{where}: {cli.redact(v.message)}")
    mandatory = sum(v.enforcement == EnforcementLevel.MANDATORY.value for v in violations)
    print(
        f"policy pack over {plan.project}/{plan.stack}: {len(POLICIES)} policies, "
        f"{mandatory} mandatory and {len(violations) - mandatory} advisory violations"
    )
    if mandatory:
        print(
            f"error: {mandatory} mandatory policy violations in stack {plan.stack}",
            file=sys.stderr,
        )
        print("hint: fix the resources named above, or the stack's config", file=sys.stderr)
    return EXIT_VIOLATIONS if mandatory else EXIT_OK


if __name__ == "__main__":
    sys.exit(cli.run_command(main))
