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
| 143 | terminated (SIGTERM: a cancelled CI job, `kill`, a stopping container) |

No exception reaches the user as a traceback unless `--debug` is given or
`ATLAS_LAMBDA_DEBUG=1` is set. Every message, and every line a command prints to stdout,
goes through `redact`, so values registered as secret and credentials inside URLs never
reach the terminal or a CI log, and through `printable`, so no control character from a
file (ESC, CR, a bidi override) drives the terminal or forges a CI log line. A reader
that stops early (`| head -1`) ends the output quietly; a closed stdout (`>&-`) is exit 1.
A Ctrl-C after a command's output is complete and flushed is ignored (exit 0); before that
it is exit 130 with the two lines. SIGTERM unwinds the same way (the same cleanup runs:
child processes stopped, scratch removed) and ends with exit 143 and the two lines.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_VIOLATIONS = 3
EXIT_USAGE = 64
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

DEBUG_ENV = "ATLAS_LAMBDA_DEBUG"
DEBUG_FLAG = "--debug"
REDACTED = "[redacted]"

# `scheme://user:password@host` or `scheme://token@host`: keep the scheme and the host.
# One slash too: a URL that went through a file path (`Path("https://u:t@h")`) has lost one.
# Up to the last `@` before the path: a password with a raw `@` (`u:p@ss@h`) is all hidden.
# A scheme starts after no scheme character and is short, so a long value costs linear time.
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:/{1,3})(?P<userinfo>[^/\s'\"]+)@"
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


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is: a KeyboardInterrupt, so every cleanup written
    for Ctrl-C (an installer's process group killed, scratch folders removed) runs too."""


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


def printable(text: str, keep: str = "") -> str:
    """`text` with every unprintable character (ESC, CR, zero-width and bidi controls, ...)
    but those in `keep` as a Python escape: a value from a file can neither drive the
    terminal, start a line of its own (a CI `::error::` command) nor hide a character the
    reader must see."""
    return "".join(
        char if char.isprintable() or char in keep else
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else
        f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}"
        for char in text
    )  # fmt: skip


def _one_line(text: str) -> str:
    """Redacted first, then every echoed value cut short (errors.clip), then escaped."""
    from .errors import clip

    return printable(" ".join(clip(redact(str(text))).split()))


def report(problem: str, hint: str) -> None:
    """Print the two lines every failure ends with (nowhere with stderr closed: print would
    fall back to stdout, which may be a --json result)."""
    if sys.stderr is None:
        return
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


def _safe_lines(text: str) -> str:
    """Lines for stdout: redacted, and escaped but for the newlines and tabs that shape them."""
    return printable(redact(text), keep="\n\t")


class RedactedStdout:
    """stdout whose every line goes through `redact` and `printable` (a line is held until
    its newline, so a URL written in pieces is still recognised)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        complete, newline, self._pending = self._pending.rpartition("\n")
        if newline:
            self.stream.write(_safe_lines(complete + newline))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.stream.write(_safe_lines(self._pending))
            self._pending = ""
        self.stream.flush()

    def __getattr__(self, name: str) -> object:  # fileno, isatty, encoding, ...
        return getattr(self.stream, name)


class _Interrupts:
    """Ctrl-C under the contract, from the first line of a command to the end of the process.

    While the command runs, SIGINT raises KeyboardInterrupt as usual and is also remembered:
    one landing in a finalizer or weakref callback (the garbage collector runs them anywhere)
    would otherwise be printed as "Exception ignored" and lost, the run ending 0. Once the
    outcome is decided, `settle` makes SIGINT change nothing: SIG_IGN for a whole process,
    because the interpreter resets Python handlers to the default at shutdown (a late Ctrl-C
    would then kill it silently, 130 without `error:`); a caller in-process gets its own
    handler back.
    """

    def __init__(self, process: bool) -> None:
        self.process = process
        self.seen = False
        self.terminated = False
        self.active = threading.current_thread() is threading.main_thread()
        self._previous_handler: object = None
        self._previous_term: object = None
        self._previous_hook = sys.unraisablehook

    def __enter__(self) -> _Interrupts:
        if self.active:
            self._previous_handler = signal.signal(signal.SIGINT, self._handle)
            self._previous_term = signal.signal(signal.SIGTERM, self._terminate)
            sys.unraisablehook = self._unraisable
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def _terminate(self, signum: int, frame: object) -> None:
        if self.terminated:
            return  # once: the cleanup the first one started runs undisturbed
        self.seen = self.terminated = True
        raise Terminated

    def _unraisable(self, unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            return  # remembered in `seen`; reported once, as "interrupted" (or "terminated")
        self._previous_hook(unraisable)

    def settle(self) -> None:
        """From here on a Ctrl-C changes nothing: the outcome is decided."""
        if not self.active:
            return
        self.active = False
        previous = self._previous_handler
        signal.signal(signal.SIGINT, signal.SIG_IGN if self.process else previous)  # type: ignore[arg-type]
        signal.signal(signal.SIGTERM, self._previous_term or signal.SIG_DFL)  # type: ignore[arg-type]
        sys.unraisablehook = self._previous_hook

    def __exit__(self, *exc_info: object) -> None:
        self.settle()


def _stdout_gone() -> None:
    """The reader went away (`| head -1`): point stdout at /dev/null so the interpreter's
    own flush at exit does not print "Exception ignored ... BrokenPipeError"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())  # type: ignore[union-attr]
        os.close(devnull)
    except (OSError, AttributeError, ValueError):
        pass


def run_command(
    main: Callable[[Sequence[str]], int],
    argv: Sequence[str] | None = None,
    *,
    process: bool | None = None,
) -> int:
    """Run a command's `main(argv)` under the contract; return its exit code.

    `process` (default: when `argv` is None, i.e. the process's own command line) says the
    caller is the program itself, about to exit: late Ctrl-Cs are then ignored.
    """
    process = argv is None if process is None else process
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debugging(argv)
    original = sys.stdout
    code: int | None = None
    with _Interrupts(process) as interrupts:
        try:
            if original is None:
                raise CliError(
                    "stdout is closed", "run the command with stdout open, or >/dev/null"
                )
            sys.stdout = RedactedStdout(original)
            code = main(argv)
            sys.stdout.flush()  # inside the contract: a failing write is reported here
            if interrupts.seen:  # swallowed by a finalizer on its way out
                raise KeyboardInterrupt
            interrupts.settle()
            return code
        except KeyboardInterrupt:
            interrupts.settle()
            if interrupts.terminated:
                report("terminated (SIGTERM) before the command finished",
                       "nothing was written after the signal; run again to finish")  # fmt: skip
                return EXIT_TERMINATED
            report("interrupted", "nothing was written after the interrupt; run again to finish")
            return EXIT_INTERRUPTED
        except SystemExit:
            interrupts.settle()
            raise
        except BrokenPipeError:
            interrupts.settle()
            _stdout_gone()
            return EXIT_ERROR if code is None else code
        except BaseException as error:  # the point of this function: nothing escapes
            interrupts.settle()
            failure = classify(error)
            if debug:
                sys.stderr.write(redact(traceback.format_exc()))
            report(failure.problem, failure.hint)
            return failure.exit_code
        finally:
            if isinstance(sys.stdout, RedactedStdout):
                with contextlib.suppress(OSError, ValueError):
                    sys.stdout.flush()  # a partial line a failed command left
            sys.stdout = original
