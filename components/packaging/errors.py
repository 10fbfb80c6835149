"""Errors a package build can end with, one class per thing the user has to fix.

Bad inputs (a target Lambda does not offer, an unpinned requirement, a handler that is not
there) are `PackagingConfigError`s: they share `ConfigError`'s shape, so a message always
names the field and what would be accepted, and MongoLambda's callers can catch one type.
Problems found while building (no wheel, too large) are plain `PackagingError`s.
Every message goes through the CLI's `redact` when the error is made: a requirement line,
an index URL or an installer's output may carry `user:token@`, and a Pulumi program shows
the exception's text as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import ConfigError


def _redacted(text: str) -> str:
    from ..cli import redact

    return redact(text)


class PackagingError(Exception):
    """A function package could not be built.

    `problem` is what went wrong and `hint` (when the error knows better than the generic
    one) what to do: the CLI prints them as its `error:` and `hint:` lines.
    """

    hint: str | None = None

    def __init__(self, problem: str = "", hint: str | None = None):
        self.problem = _redacted(str(problem))
        if hint is not None:
            self.hint = _redacted(hint)
        super().__init__(self.problem + (f"; {self.hint}" if hint is not None else ""))


class PackagingConfigError(PackagingError, ConfigError):
    """An input of the build is invalid: `key: problem (allowed: ...)`."""

    def __init__(self, key: str, problem: str, allowed: Iterable[object] | str | None = None):
        ConfigError.__init__(self, key, problem, allowed)


class UnpinnedRequirementError(PackagingConfigError):
    """A requirements line does not pin one exact version.

    Unpinned lines make two builds of the same commit differ, and Pulumi would then see a
    code change nobody made.
    """

    def __init__(self, source: str, line_number: int, line: str, problem: str):
        self.source = source
        self.line_number = line_number
        self.line = _redacted(line)
        line = self.line
        super().__init__(
            f"{source}:{line_number}",
            f"{line.strip()!r} {problem}",
            "one exact pin per line, such as pymongo[aws]==4.20.0 (markers allowed)",
        )


class HandlerError(PackagingConfigError):
    """The handler's module is missing, does not parse, or does not define the function."""

    def __init__(self, handler: str, problem: str, allowed: Iterable[object] | str | None = None):
        self.handler = handler
        super().__init__("handler", f"{handler!r}: {problem}", allowed)


class NoWheelError(PackagingError):
    """A dependency has no binary wheel for the target platform.

    Source builds are refused on purpose: they would compile for the build machine.
    """

    def __init__(self, requirement: str, platform: str, detail: str = ""):
        self.requirement = requirement
        self.platform = platform
        message = (
            f"no binary wheel of {requirement} for {platform}; only pre-built wheels are "
            "installed (a source build would target the build machine). Pin a version that "
            "publishes such a wheel, or pick another architecture/runtime."
        )
        if detail:
            message += f"\n{detail}"
        super().__init__(message)


class InstallerError(PackagingError):
    """The installer (uv or pip) failed for a reason other than a missing wheel."""

    def __init__(self, command: list[str], output: str):
        self.command = [_redacted(part) for part in command]
        self.output = _redacted(output)
        super().__init__(f"{' '.join(self.command[:3])} ... failed:\n{self.output.strip()}")

    @property
    def installer(self) -> str:
        return "pip" if self.command[1:3] == ["-m", "pip"] else "uv"

    @property
    def reason(self) -> str:
        """The installer's first `error:` line and its deepest `cause:` (uv), else its last line."""
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        errors = [line for line in lines if line.lower().startswith("error:")]
        causes = [line for line in lines if line.lower().startswith(("cause:", "caused by:"))]
        if not errors:
            return (lines or ["no output"])[-1][:300]
        reason = errors[0].split(":", 1)[1].strip()
        if causes:
            reason += f" ({causes[-1].split(':', 1)[1].strip()})"
        return reason[:300]


class IndexUnreachableError(InstallerError):
    """The installer could not reach a package index (connection refused, DNS, TLS, proxy):
    what is missing is the network path, not a wheel, so pinning another version would not
    help."""

    def __init__(self, command: list[str], output: str, index: str, cause: str):
        self.command = [_redacted(part) for part in command]
        self.output = _redacted(output)
        self.index = _redacted(index)
        self.cause = _redacted(cause)
        PackagingError.__init__(
            self,
            f"{self.installer} could not install the dependencies: the package index "
            f"{self.index} could not be reached ({self.cause})",
            "check the network, the proxy (HTTPS_PROXY) and that the index answers, or point "
            "PIP_INDEX_URL (uv: UV_INDEX_URL) at a reachable index; rerun with --debug for "
            "the installer's full output",
        )


class SourceLinkError(PackagingError):
    """A symbolic link in the source folder the package cannot hold faithfully.

    A file link is followed only when it stays inside the folder, on a file the package
    ships; a link to a folder is never packaged (Pulumi's archive and the copy would drop
    it), so the modules behind it would be missing at the first import.
    """

    def __init__(self, where: str, name: str, target: str, kind: str):
        self.name = name
        self.target = target
        shown = f"{where}/{name}"
        problem, hint = {
            "outside": (
                f"{shown} is a symbolic link to {target}, outside {where}/: the package "
                "would carry a file from elsewhere",
                f"copy the file into {where}/ (or remove the link) and build again",
            ),
            "folder": (
                f"{shown} is a symbolic link to a folder ({target}); links to folders are "
                "not packaged, so what it holds would be missing on Lambda",
                f"replace the link with the folder itself (a copy inside {where}/), or "
                "remove it",
            ),
            "dangling": (
                f"{shown} is a symbolic link to {target}, which does not exist",
                "remove the link or restore what it points to",
            ),
            "skipped": (
                f"{shown} is a symbolic link to {target}, which the package leaves out "
                "(hidden files and tool folders may hold secrets)",
                "copy what the module needs into a file of its own, or remove the link",
            ),
        }[kind]
        super().__init__(problem, hint)


class InstallTimeoutError(PackagingError):
    """The dependency install did not finish within its overall time limit."""

    def __init__(self, installer: str, limit: float, knob: str):
        self.installer = installer
        self.limit = limit
        self.knob = knob
        super().__init__(
            f"the dependency install ({installer}) did not finish within {knob}={limit:g} s; "
            "it was stopped"
        )


class ArtifactTooLargeError(PackagingError):
    """The package would exceed a Lambda size limit and the deploy would fail."""

    def __init__(self, what: str, size: int, limit: int):
        self.what = what
        self.size = size
        self.limit = limit
        super().__init__(
            f"{what} is {size:,} bytes, over Lambda's limit of {limit:,} bytes; "
            "drop dependencies or move them into a container image"
        )
