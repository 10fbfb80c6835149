"""The config schema: the `config:` block of a project's Pulumi.yaml.

`pulumi config` documents itself from that block; the stack reads the same block to type
values and refuse unknown keys, and AtlasLambda to fill in the same defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..cli import CliError
from ..locations import CONFIG_SCHEMA_FILE
from .files import load_mapping, mapping_field

TYPES = ("string", "integer", "boolean", "array")


@dataclass(frozen=True)
class ConfigKey:
    """One declared key: its type, description and default, as Pulumi.yaml states them."""

    name: str
    type: str
    description: str
    default: Any


def declared_keys(project_file: Path = CONFIG_SCHEMA_FILE) -> dict[str, ConfigKey]:
    """The project's config schema, read from Pulumi.yaml: once per version of the file
    (a preview asks for it in three places; the YAML loader is pure Python)."""
    try:
        stat = project_file.stat()
    except OSError:
        return _read(project_file)  # the reader names what is wrong with the file
    return dict(_read_version(project_file.resolve(), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _read_version(project_file: Path, mtime_ns: int, size: int) -> dict[str, ConfigKey]:
    return _read(project_file)


def _read(project_file: Path) -> dict[str, ConfigKey]:
    declared = mapping_field(project_file, load_mapping(project_file), "config")
    schema = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            raise CliError(
                f"{project_file.name}: config.{name} declares no type of: {', '.join(TYPES)}",
                f"give config.{name} in {project_file.name} a type: and a default:",
            )
        schema[str(name)] = ConfigKey(
            str(name), spec["type"], str(spec.get("description", "")), spec.get("default")
        )
    return schema
