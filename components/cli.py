"""How every atlas-lambda command ends: one `error:` line, one `hint:` line, a telling exit code.

The preview, the plan diff, the packaging CLI and the offline policy run all go through
`run_command`, so a user (or a CI job reading exit codes) sees the same contract everywhere:

| code | meaning |
|---:|---|
| 0 | success (plan diff: no changes; policy: no mandatory violation) |
| 1 | an error the user or the environment caused: bad config or input file, network, disk |
| 2 | plan diff only: the plans differ |
| 3 | offline policy run only: mandatory violations |
| 64 | usage: unknown option, missing argument |
| 70 | internal error: a bug in atlas-lambda (rerun with --debug and report it) |
| 130 | interrupted (Ctrl-C) |

No exception reaches the user as a traceback unless `--debug` is given or
`ATLAS_LAMBDA_DEBUG=1` is set. Every message goes through `redact`, so values registered as
secret and credentials inside URLs never reach the terminal or a CI log.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_VIOLATIONS = 3
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

DEBUG_ENV = "ATLAS_LAMBDA_DEBUG"
DEBUG_FLAG = "--debug"
REDACTED = "[redacted]"

# `scheme://user:password@host` or `scheme://token@host`: keep the scheme and the host.
# One slash too: a URL that went through a file path (`Path("https://u:t@h")`) has lost one.
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:/{1,3})(?P<userinfo>[^/@\s'\"]+)@"
)
_secrets: set[str] = set()


class CliError(Exception):
    """A failure the user can act on: what went wrong, naming the key, file, package or
    limit, and what to do about it."""

    def __init__(self, problem: str, hint: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint
        self.exit_code = exit_code


def register_secret(value: object) -> None:
    """Never print `value` (a config value set with --secret, a token) from here on."""
    text = str(value)
    if len(text) >= 4:
        _secrets.add(text)


def redact(text: str) -> str:
    """`text` without registered secrets and without credentials inside URLs."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _one_line(text: str) -> str:
    return " ".join(redact(str(text)).split())


def report(problem: str, hint: str) -> None:
    """Print the two lines every failure ends with."""
    print(f"error: {_one_line(problem)}", file=sys.stderr)
    print(f"hint: {_one_line(hint)}", file=sys.stderr)


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose usage errors follow the contract (exit 64, not argparse's 2, which
    the plan diff uses for "changes")."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_argument(
            DEBUG_FLAG, action="store_true", help=f"show tracebacks (or set {DEBUG_ENV}=1)"
        )

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message}", f"run `{self.prog} --help`", EXIT_USAGE)


def _debugging(argv: Sequence[str]) -> bool:
    return DEBUG_FLAG in argv or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def classify(error: BaseException) -> CliError:
    """Turn an exception from a user's input or environment into an actionable CliError.

    Anything not recognised is an internal error: exit 70, never 1, 2 or 3.
    """
    from .errors import ConfigError

    if isinstance(error, CliError):
        return error
    if isinstance(error, ConfigError):
        hint = (
            f"set {error.key} to one of: {error.allowed}"
            if error.allowed
            else (f"fix {error.key} and run again")
        )
        return CliError(str(error.key) + ": " + error.problem, hint)
    if isinstance(error, UnicodeDecodeError):
        return CliError(
            f"a file is not UTF-8 text ({error.reason} at byte {error.start})",
            "save the file as UTF-8",
        )
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        reason = error.strerror or str(error)
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            return CliError(f"{where}no space left on device", "free disk space and run again")
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return CliError(f"{where}{reason}", "check the path's permissions or choose another")
        if error.errno == errno.ENOENT:
            return CliError(f"{where}no such file or directory", "check the path")
        return CliError(f"{where}{reason}", "check the path and the machine, then run again")
    return CliError(
        f"internal error: {type(error).__name__}: {error}",
        f"rerun with {DEBUG_FLAG} for the traceback and report it",
        EXIT_INTERNAL,
    )


def run_command(main: Callable[[Sequence[str]], int], argv: Sequence[str] | None = None) -> int:
    """Run a command's `main(argv)` under the contract; return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debugging(argv)
    try:
        return main(argv)
    except KeyboardInterrupt:
        report("interrupted", "nothing was written after the interrupt; run again to finish")
        return EXIT_INTERRUPTED
    except SystemExit:
        raise
    except BaseException as error:  # the point of this function: nothing escapes
        failure = classify(error)
        if debug:
            sys.stderr.write(redact(traceback.format_exc()))
        report(failure.problem, failure.hint)
        return failure.exit_code
