"""`python -m components.packaging`: build the function package and print what it holds."""

import signal
import sys


def _stopped_while_loading(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM before cli.run_command has its own handlers: the same two lines and
    exit code, not a KeyboardInterrupt traceback (stdlib only up to here, so the window
    before this is the interpreter's own start)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # one report, whatever follows
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    terminated = signum == signal.SIGTERM
    if sys.stderr is not None:
        try:
            sys.stderr.write(
                ("error: terminated (SIGTERM) before the command finished\n" if terminated
                 else "error: interrupted\n")
                + "hint: nothing was written after the "
                + ("signal" if terminated else "interrupt")
                + "; run again to finish\n"
            )  # fmt: skip
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
    raise SystemExit(143 if terminated else 130)


signal.signal(signal.SIGINT, _stopped_while_loading)
signal.signal(signal.SIGTERM, _stopped_while_loading)

from ..cli import run_command  # noqa: E402  (after the handlers, on purpose)


def _main(argv: list[str]) -> int:
    # Imported here, under run_command: the build's imports (the guardrails, packaging,
    # the toolkit: 0.1-0.2 s) run with its handlers in place.
    from .build import _main as build

    return build(argv)


sys.exit(run_command(_main))
