"""MkDocs hook: the benchmark results (`benchmarks/results/`, written by `scripts/dev bench`)
become part of the site where they are, so the benchmarks page links the report and its
charts instead of a copy that would go stale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHOWN = {".md", ".png", ".svg"}


def on_files(files: Files, config: Any) -> Files:
    for path in sorted(RESULTS.iterdir()):
        if path.suffix in SHOWN and path.is_file():
            files.append(
                File(
                    str(path.relative_to(ROOT)),
                    src_dir=str(ROOT),
                    dest_dir=config["site_dir"],
                    use_directory_urls=config["use_directory_urls"],
                )
            )
    return files
