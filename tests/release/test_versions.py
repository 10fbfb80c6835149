"""One version: the wheel (pyproject reads function/atlas_lambda/version.py), the component
package's schema (served and golden), the runtime helper's driver handshake, and the newest
dated CHANGELOG.md section all say the same semantic version; the changelog keeps Keep a
Changelog's shape; the licence is Apache-2.0, whole."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import tomllib
from pathlib import Path

import yaml

from components.component_package import PACKAGE_VERSION, provider
from components.locations import toolkit_version

ROOT = Path(__file__).resolve().parents[2]
RELEASE_SCRIPT = ROOT / "scripts" / "release.py"
# apache.org's LICENSE-2.0.txt, byte for byte (copied from a package's LICENSE file).
APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
SECTION_KINDS = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def release_module():
    spec = importlib.util.spec_from_file_location("release", RELEASE_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_version_is_semantic() -> None:
    assert re.fullmatch(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)", toolkit_version())
    assert release_module().read_version() == toolkit_version()


def test_the_wheel_reads_the_runtime_helpers_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "pulumi_atlas_lambda.function.atlas_lambda.version.__version__"
    assert project["tool"]["setuptools"]["package-dir"]["pulumi_atlas_lambda.function"] == (
        "function"
    )


def test_the_component_package_serves_it() -> None:
    assert toolkit_version() == PACKAGE_VERSION
    assert json.loads(provider().schema)["version"] == toolkit_version()
    golden = json.loads((ROOT / "tests" / "provider" / "schema.golden.json").read_text())
    assert golden["version"] == toolkit_version(), (
        "regenerate tests/provider/schema.golden.json after a version change"
    )
    # PulumiPlugin.yaml has no version field: the tag is the plugin's version.
    plugin = yaml.safe_load((ROOT / "provider" / "PulumiPlugin.yaml").read_text())
    assert set(plugin) == {"runtime"}


def test_the_runtime_helper_sends_it_in_the_handshake() -> None:
    from function.atlas_lambda import __version__
    from function.atlas_lambda.client import DRIVER_INFO

    assert __version__ == DRIVER_INFO.version == toolkit_version()
    assert DRIVER_INFO.name == "atlas-lambda"


def test_the_changelog_keeps_its_shape_and_dates_the_version() -> None:
    release = release_module()
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "keepachangelog.com" in text and "semver.org" in text
    sections = release.changelog_sections(text)
    names = list(sections)
    assert names[0] == "Unreleased" and sections["Unreleased"][0] is None
    versions = [tuple(map(int, name.split("."))) for name in names[1:]]
    assert versions == sorted(versions, reverse=True) and versions, names
    dates = [sections[name][0] for name in names[1:]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d or "") for d in dates), dates
    assert dates == sorted(dates, reverse=True)
    for name, (_, body) in sections.items():
        kinds = re.findall(r"^### (.+)$", body, re.MULTILINE)
        assert kinds and set(kinds) <= SECTION_KINDS, (name, kinds)
    # The current version is released: it has its own dated section (the release notes).
    assert release.release_notes(toolkit_version()).startswith("### ")


def test_the_licence_is_apache_2_0_whole() -> None:
    licence = ROOT / "LICENSE"
    assert hashlib.sha256(licence.read_bytes()).hexdigest() == APACHE_2_0_SHA256
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
