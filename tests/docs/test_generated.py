"""The generated reference pages are fresh, and say what their sources say."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from components import cli
from docs import generate

ROOT = Path(__file__).resolve().parents[2]


def test_generated_pages_are_fresh() -> None:
    stale = generate.stale(generate.pages())
    assert not stale, (
        f"stale: {[str(p.relative_to(ROOT)) for p in stale]}: run `python -m docs.generate` "
        "and commit the pages"
    )


def test_check_mode_fails_on_a_stale_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("old")
    assert generate.stale({page: "new"}) == [page]
    assert generate.stale({page: "old"}) == []


def test_configuration_page_has_every_key_with_type_and_default() -> None:
    text = (ROOT / "docs" / "reference" / "configuration.md").read_text(encoding="utf-8")
    config = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["config"]
    for key, spec in config.items():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{key}` |"))
        assert f"| {generate.render_type(spec)} |" in row, row
        assert generate.render_default(spec.get("default")) in row, row
    assert "`privateEndpoint`, `peering`, `natGateway`, `public`" in text  # allowed values
    assert "do not edit" in text.splitlines()[0]


def test_components_page_has_every_input_and_output() -> None:
    from components.component_package import provider

    text = (ROOT / "docs" / "reference" / "components.md").read_text(encoding="utf-8")
    schema = json.loads(provider().schema)
    for token, resource in schema["resources"].items():
        name = token.rsplit(":", 1)[-1]
        section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for prop in [*resource["inputProperties"], *resource["properties"]]:
            assert f"| `{prop}` |" in section, (name, prop)
    assert "do not edit" in text.splitlines()[0]


def test_generator_check_command_exits_zero_when_fresh() -> None:
    done = subprocess.run([sys.executable, "-m", "docs.generate", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_exit_code_table_is_the_codes_the_commands_use() -> None:
    """docs/reference/commands.md says what components/cli.py and scripts/dev do."""
    text = (ROOT / "docs" / "reference" / "commands.md").read_text(encoding="utf-8")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", text, re.MULTILINE)}
    codes = {value for name, value in vars(cli).items() if name.startswith("EXIT_")}
    assert documented == codes
    usage = subprocess.run([str(ROOT / "scripts" / "dev"), "no-such-command"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert usage.returncode == 2 and usage.stderr.startswith("usage: scripts/dev")
    assert f"exit code **{usage.returncode}**" in " ".join(text.split())
