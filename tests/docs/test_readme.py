"""The README is short, has a table of contents, links only to what exists, and its
snippets are the example files themselves (the tests run those), so none can drift from
working code; the network-path table is the docs' own."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.test_snippets import CODE_LANGUAGES, fenced_blocks

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def text() -> str:
    return README.read_text(encoding="utf-8")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_short() -> None:
    lines = text().splitlines()
    assert 120 <= len(lines) <= 220, len(lines)


def test_table_of_contents_lists_every_section() -> None:
    headings = re.findall(r"^## (.+)$", text(), re.MULTILINE)
    assert headings[0] == "Contents"
    contents = text().split("## Contents", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\]\(#([^)]+)\)", contents)
    assert listed == [slug(h) for h in headings[1:]]


def test_links_point_at_files_that_exist() -> None:
    for match in LINK.finditer(text()):
        target = match["target"]
        if target.startswith(("http://", "https://", "#")):
            continue
        path = ROOT / target.split("#", 1)[0]
        assert path.exists(), target


def test_snippets_are_the_example_files() -> None:
    examples = {
        path: path.read_text(encoding="utf-8").rstrip("\n")
        for path in (ROOT / "examples").rglob("*")
        if path.is_file() and "function" not in path.parts
    }
    shown = set()
    for language, body, line in fenced_blocks(text()):
        if language not in CODE_LANGUAGES:
            continue
        snippet = "\n".join(body)
        same = [path for path, content in examples.items() if content == snippet]
        assert same, f"README.md:{line}: a {language} snippet that is no file under examples/"
        shown.update(str(path.relative_to(ROOT)) for path in same)
    # One way in each: a stack, pip, another language.
    assert {"examples/stack/Pulumi.mystack.yaml", "examples/python/__main__.py",
            "examples/typescript/index.ts"} <= shown  # fmt: skip


def table_rows(markdown: str, header: str) -> list[str]:
    start = markdown.index(header)
    return markdown[start:].split("\n\n", 1)[0].splitlines()


def test_network_path_table_is_the_docs_table() -> None:
    header = "| `networkPath` | what it creates"
    docs = (ROOT / "docs" / "network-paths.md").read_text(encoding="utf-8")
    assert table_rows(text(), header) == table_rows(docs, header)


def test_imports_are_the_pip_package() -> None:
    """Inside this repository the package is `components`; users import its pip name."""
    assert "from components" not in text()
    for page in (ROOT / "docs").rglob("*.md"):
        assert "from components " not in page.read_text(encoding="utf-8"), page
