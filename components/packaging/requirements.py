"""Reading `function/requirements.txt`, refusing anything but exact pins.

A range (`pymongo>=4`) resolves to whatever is newest on the day of the build, so two
builds of one commit would differ and `pulumi preview` would report a code change nobody
made. Options (`-r`, `--index-url`, `-e`), URLs and paths are refused too: they make the
build depend on things outside the file; index settings are build options instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .errors import UnpinnedRequirementError


@dataclass(frozen=True)
class PinnedRequirement:
    """One `name[extras]==version ; marker` line."""

    name: str
    """Canonical project name (`pymongo-auth-aws`)."""
    version: str
    line: str
    """Normalized text, the form handed to the installer and hashed into the cache key."""

    def applies(self, environment: Mapping[str, str]) -> bool:
        """True when the line's environment marker (if any) holds in `environment` (a
        target's `marker_environment()`): a false one means not installed there."""
        marker = Requirement(self.line).marker
        return marker is None or marker.evaluate(dict(environment))


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first physical line number, text) with comments dropped and `\\` continuations joined."""
    lines: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        stripped = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined = (pending + stripped).strip()
        pending = ""
        if joined:
            lines.append((start, joined))
    if pending.strip():
        lines.append((start, pending.strip()))
    return lines


def parse_requirements(
    text: str, source: str = "requirements.txt"
) -> tuple[PinnedRequirement, ...]:
    """Every requirement in `text`, each exactly pinned; raises on the first line that is not."""
    pins: dict[str, PinnedRequirement] = {}
    for number, line in _logical_lines(text):
        if line.startswith("-"):
            raise UnpinnedRequirementError(
                source, number, line, "is an installer option, not a pinned requirement"
            )
        if " --hash" in f" {line}":
            raise UnpinnedRequirementError(
                source, number, line,
                "carries --hash options, which this build does not take: it installs binary "
                "wheels chosen per target, whose digests land in the build manifest; remove "
                "the --hash=... options from the line",
            )  # fmt: skip
        try:
            requirement = Requirement(line)
        except InvalidRequirement as error:
            raise UnpinnedRequirementError(
                source, number, line, f"is not a requirement ({error})"
            ) from None
        if requirement.url:
            raise UnpinnedRequirementError(source, number, line, "is a URL, not a pinned version")
        specifiers = list(requirement.specifier)
        if not specifiers:
            raise UnpinnedRequirementError(source, number, line, "has no version pin")
        if len(specifiers) > 1 or specifiers[0].operator not in ("==", "==="):
            raise UnpinnedRequirementError(
                source, number, line, f"is a range ({requirement.specifier}), not one version"
            )
        if "*" in specifiers[0].version:
            raise UnpinnedRequirementError(source, number, line, "is a wildcard, not one version")
        name = canonicalize_name(requirement.name)
        if name in pins:
            raise UnpinnedRequirementError(source, number, line, f"pins {name} a second time")
        pins[name] = PinnedRequirement(name, specifiers[0].version, str(requirement))
    return tuple(sorted(pins.values(), key=lambda pin: pin.name))


def read_requirements(path: Path) -> tuple[PinnedRequirement, ...]:
    """The pinned requirements of a file; a missing file means no dependencies."""
    if not path.is_file():
        return ()
    return parse_requirements(path.read_text(encoding="utf-8"), source=_display(path))


def _display(path: Path) -> str:
    """A short, machine-independent name for messages (`function/requirements.txt`)."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name
