"""The offline plan diff: what CI without credentials shows reviewers."""

from __future__ import annotations

import json

from components.cli import run_command
from components.offline.engine import stack_config
from components.offline.plan_diff import diff_plans, main, render_diff

from .conftest import run_project


def _plan(**overrides: str) -> dict:
    config = {**stack_config("dev")[0], **overrides}
    return json.loads(run_project(config, preview=True).plan.to_json())


def test_same_plan_has_no_changes(tmp_path):
    plan = _plan()
    diff = diff_plans(plan, plan)
    assert not diff.has_changes
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert run_command(main, [str(path), str(path)]) == 0


def test_changed_property_is_named(tmp_path, capsys):
    base, head = _plan(), _plan(**{"atlas-lambda:memorySize": "2048"})
    diff = diff_plans(base, head)
    [(resource, changes)] = diff.changed
    assert resource["name"] == "app-lambda-function"
    assert [(c.path, c.before, c.after) for c in changes] == [("memorySize", 1024, 2048)]
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    assert run_command(main, [str(tmp_path / "base.json"), str(tmp_path / "head.json")]) == 2
    out = capsys.readouterr().out
    assert "~ aws:lambda/function:Function  app-lambda-function" in out
    assert "memorySize: 1024 => 2048" in out
    assert out.rstrip().endswith("Plan diff: 0 to add, 1 to change, 0 to remove")


def test_added_and_removed_resources():
    base = _plan()
    head = _plan(**{"atlas-lambda:functionUrl": "false"})
    diff = diff_plans(base, head)
    assert [r["name"] for r in diff.removed] == ["app-lambda-url"]
    assert diff_plans(head, base).added[0]["name"] == "app-lambda-url"
    assert "- aws:lambda/functionUrl:FunctionUrl  app-lambda-url" in render_diff(diff)


def test_bad_input_file_is_an_error(tmp_path, capsys):
    path = tmp_path / "nope.json"
    path.write_text('{"not": "a plan"}')
    assert run_command(main, [str(path), str(path)]) == 1
    assert "not a plan" in capsys.readouterr().err
    assert run_command(main, [str(tmp_path / "missing.json"), str(path)]) == 1
