"""Release checks for .github/workflows/release.yml; the standard library only, so they run
before anything is installed.

    python scripts/release.py check TAG [--notes FILE]   the tag is v<version>, the version
                                                         has its CHANGELOG.md section (written
                                                         to FILE: the release notes)
    python scripts/release.py dist DIR TAG               DIR holds exactly the sdist and the
                                                         wheel of that version

The version's one source is function/atlas_lambda/version.py: the wheel reads it
(pyproject.toml), the component package serves it in its schema
(components/component_package.py) and the runtime helper sends it in the driver handshake.
A failure prints one `error:` and one `hint:` line and exits 1 (components/cli.py's
contract).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = Path("function") / "atlas_lambda" / "version.py"
CHANGELOG = Path("CHANGELOG.md")
DIST_NAME = "pulumi_atlas_lambda"
# Semantic Versioning's core (MAJOR.MINOR.PATCH): the same string in the tag, the wheel's
# file name and its metadata (a SemVer pre-release would be renamed by PEP 440).
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
SECTION = re.compile(r"^## \[(?P<name>[^\]]+)\](?: - (?P<date>\S+))?\s*$", re.MULTILINE)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ReleaseError(Exception):
    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def read_version(root: Path = ROOT) -> str:
    """`__version__` of the runtime helper, parsed (importing it needs pymongo)."""
    path = root / VERSION_FILE
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise ReleaseError(f"{VERSION_FILE}: no __version__ = '...'", "restore the version line")


def changelog_sections(text: str) -> dict[str, tuple[str | None, str]]:
    """Each `## [name] - date` section of a Keep a Changelog file: name -> (date, body)."""
    headings = list(SECTION.finditer(text))
    sections = {}
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        end = following.start() if following else len(text)
        sections[heading["name"]] = (heading["date"], text[heading.end() : end].strip())
    return sections


def release_notes(version: str, root: Path = ROOT) -> str:
    """The CHANGELOG.md section of `version`, which must be dated and not empty."""
    sections = changelog_sections((root / CHANGELOG).read_text(encoding="utf-8"))
    if version not in sections:
        raise ReleaseError(
            f"{CHANGELOG}: no section for {version}",
            f"move the Unreleased entries under '## [{version}] - YYYY-MM-DD' and commit",
        )
    date, body = sections[version]
    if date is None or not DATE.fullmatch(date):
        raise ReleaseError(
            f"{CHANGELOG}: the {version} section has no date",
            f"write its heading as '## [{version}] - YYYY-MM-DD'",
        )
    if not body:
        raise ReleaseError(f"{CHANGELOG}: the {version} section is empty", "list its changes")
    return body + "\n"


def check(tag: str, root: Path = ROOT) -> str:
    """The release notes, once the tag, the version and the changelog agree."""
    version = read_version(root)
    if not VERSION.fullmatch(version):
        raise ReleaseError(
            f"{VERSION_FILE}: version {version!r} is not MAJOR.MINOR.PATCH",
            "set __version__ to a semantic version such as '1.2.3'",
        )
    if tag != f"v{version}":
        raise ReleaseError(
            f"tag {tag!r} is not the version {version!r} of {VERSION_FILE} (expected v{version})",
            f"delete the tag, then tag the commit whose {VERSION_FILE} says the version",
        )
    return release_notes(version, root)


def check_dist(folder: Path, tag: str) -> list[Path]:
    """The sdist and the wheel of the tag's version, and nothing else."""
    version = tag.removeprefix("v")
    expected = {f"{DIST_NAME}-{version}.tar.gz", f"{DIST_NAME}-{version}-py3-none-any.whl"}
    found = {path.name for path in folder.iterdir()} if folder.is_dir() else set()
    if found != expected:
        raise ReleaseError(
            f"{folder}: holds {', '.join(sorted(found)) or 'nothing'}; expected "
            f"{', '.join(sorted(expected))}",
            "build into an empty folder from the tagged commit: python -m build --outdir DIR",
        )
    return sorted(folder / name for name in expected)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/release.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    checking = commands.add_parser("check", help="the tag is the version, with a changelog")
    checking.add_argument("tag")
    checking.add_argument("--notes", type=Path, help="write the release notes here")
    dist = commands.add_parser("dist", help="the built files are the tag's version")
    dist.add_argument("folder", type=Path)
    dist.add_argument("tag")
    options = parser.parse_args(argv)
    try:
        if options.command == "check":
            notes = check(options.tag)
            if options.notes is not None:
                options.notes.write_text(notes, encoding="utf-8")
            print(f"release {options.tag}: version, tag and changelog agree")
        else:
            files = check_dist(options.folder, options.tag)
            print(f"release {options.tag}: {', '.join(path.name for path in files)}")
    except ReleaseError as error:
        print(f"error: {error.problem}", file=sys.stderr)
        print(f"hint: {error.hint}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error.filename}: {error.strerror}", file=sys.stderr)
        print("hint: run from a checkout of the repository", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
