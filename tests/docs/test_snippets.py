"""Every program snippet in the docs is a file under examples/ that a test runs or parses.

The pages include them with pymdownx.snippets (`--8<-- "examples/..."`), so the site shows
the file itself; `mkdocs build --strict` (scripts/dev docs) fails on an include naming no
file, and this module fails on a snippet written inline, on an include from outside
examples/, and on an included file that no test runs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
INCLUDE = re.compile(r'^\s*-{1,2}8<-{1,2}\s+"(?P<path>[^"]+)"\s*$')
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
# Program code and configuration: never inline, always an included example file.
CODE_LANGUAGES = {
    "python", "py", "typescript", "ts", "javascript", "js", "go", "yaml", "yml", "json",
    "csharp", "cs", "java", "toml", "hcl", "sql", "logs-insights",
}  # fmt: skip
# Commands to type and what a terminal prints: inline is fine.
COMMAND_LANGUAGES = {"bash", "sh", "shell", "console", "text"}
# Each included file (or folder of files) → the test that runs or parses it.
RUN_BY = {
    "examples/python/__main__.py": "tests/infra/test_example_python.py",
    "examples/typescript/index.ts": "tests/provider/test_examples.py",
    "examples/go/main.go": "tests/provider/test_examples.py",
    "examples/yaml/Pulumi.yaml": "tests/provider/test_examples.py",
    "examples/components/__main__.py": "tests/docs/test_examples_docs.py",
    "examples/stack/Pulumi.mystack.yaml": "tests/docs/test_examples_docs.py",
    "examples/handler/app/": "tests/docs/test_examples_docs.py",
    "examples/policy/pack-config.json": "tests/docs/test_examples_docs.py",
    "examples/logs-insights/": "tests/docs/test_examples_docs.py",
    "examples/iam/deployer-policy.json": "tests/docs/test_iam_policy.py",
}


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def fenced_blocks(text: str) -> list[tuple[str, list[str], int]]:
    """(language, lines, first line number) of every fenced code block."""
    blocks, open_fence, language, body, start = [], None, "", [], 0
    for number, line in enumerate(text.splitlines(), 1):
        found = FENCE.match(line)
        if open_fence is None and found:
            open_fence, body, start = found["fence"], [], number
            language = found["info"].strip().split(" ")[0].lower()
        elif open_fence is not None and line.strip() == open_fence:
            blocks.append((language, body, start))
            open_fence = None
        elif open_fence is not None:
            body.append(line)
    assert open_fence is None, f"unclosed code fence from line {start}"
    return blocks


def includes(text: str) -> list[str]:
    return [m["path"] for line in text.splitlines() if (m := INCLUDE.match(line))]


def covering_test(path: str) -> str | None:
    for prefix, test in RUN_BY.items():
        if path == prefix or (prefix.endswith("/") and path.startswith(prefix)):
            return test
    return None


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_code_blocks_are_included_examples(page: Path) -> None:
    for language, body, line in fenced_blocks(page.read_text(encoding="utf-8")):
        where = f"{page.relative_to(ROOT)}:{line}"
        assert language, f"{where}: say what the block holds (```bash, ```python, ...)"
        assert language in CODE_LANGUAGES | COMMAND_LANGUAGES, f"{where}: unknown {language!r}"
        if language in CODE_LANGUAGES:
            code = [text for text in body if text.strip()]
            assert code and all(INCLUDE.match(text) for text in code), (
                f"{where}: a {language} snippet must be included from a file under examples/ "
                'that a test runs: --8<-- "examples/..."'
            )


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_included_files_exist_and_a_test_runs_them(page: Path) -> None:
    for path in includes(page.read_text(encoding="utf-8")):
        where = f"{page.relative_to(ROOT)}: {path}"
        assert path.startswith("examples/"), f"{where}: include only files under examples/"
        assert (ROOT / path).is_file(), f"{where}: no such file"
        test = covering_test(path)
        assert test, f"{where}: add the test that runs it to RUN_BY in {Path(__file__).name}"
        assert (ROOT / test).is_file(), test


@pytest.mark.parametrize("included", sorted(RUN_BY))
def test_the_covering_test_names_the_file(included: str) -> None:
    """A RUN_BY entry is a claim: the test file names every part of the path it runs."""
    text = (ROOT / RUN_BY[included]).read_text(encoding="utf-8")
    parts = [part for part in included.removeprefix("examples/").split("/") if part]
    missing = [part for part in parts if f'"{part}"' not in text]
    assert not missing, f"{RUN_BY[included]} does not name {missing} of {included}"


def test_every_page_is_in_the_site_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, re.MULTILINE))
    # The benchmark results are added where they are by docs/hooks.py.
    listed = {page for page in listed if not page.startswith("benchmarks/results/")}
    written = {str(page.relative_to(DOCS)) for page in pages()}
    assert written == listed, (written - listed, listed - written)
