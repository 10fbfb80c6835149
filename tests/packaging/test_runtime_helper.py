"""The toolkit's `atlas_lambda` helper ships with a user's own function folder.

The folder under test holds only `handler.py` (using `atlas_lambda.get_client()`) and
`requirements.txt`, as a user's would. The helper goes where the dependencies go (the
layer's `python/`, or the code without a layer), byte for byte the toolkit's copy, and is
left out when the folder has its own `atlas_lambda` or never imports it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from components.locations import RUNTIME_HELPER_DIR, toolkit_version
from components.packaging.build import FunctionPackage, build_function_package
from components.packaging.errors import PackagingConfigError
from components.packaging.tree import iter_tree
from tests.cli_contract import run_cli
from tests.harness.lambda_environment import LambdaEnvironment

from .conftest import FUNCTION_REQUIREMENTS, unpack, write_source

USER_HANDLER = '''\
"""A user's handler: the toolkit's helper gives it the environment's one client."""

import atlas_lambda
from atlas_lambda import get_client


def handler(event, context):
    client = get_client()
    return {
        "helper": atlas_lambda.__file__,
        "version": atlas_lambda.__version__,
        "same_client": client is get_client(),
        "clients_created": atlas_lambda.clients_created(),
        "max_pool_size": client.options.pool_options.max_pool_size,
    }
'''
# The pins the brief's user folder carries (the toolkit's own, function/requirements.txt).
USER_REQUIREMENTS = "pymongo[aws]==4.20.0\ndnspython==2.9.2\npymongo-auth-aws==1.3.0\n"
# No server listens there; the client is lazy (connect=False), so none is needed.
ENVIRON = {"MONGODB_URI": "mongodb://127.0.0.1:9/?authMechanism=MONGODB-AWS&authSource=%24external"}


def _helper_files() -> dict[str, bytes]:
    files = iter_tree(RUNTIME_HELPER_DIR)
    return {f"atlas_lambda/{name}": path.read_bytes() for name, path in files}


def _files(root: Path, prefix: str = "") -> dict[str, bytes]:
    return {
        name[len(prefix) :]: path.read_bytes()
        for name, path in iter_tree(root, skip_hidden=False)
        if name.startswith(prefix)
    }


@pytest.fixture
def user_source(tmp_path: Path) -> Path:
    return write_source(
        tmp_path / "my-function",
        {"handler.py": USER_HANDLER, "requirements.txt": USER_REQUIREMENTS},
    )


@pytest.fixture
def build_user(session_cache: Path) -> Callable[..., FunctionPackage]:
    def build(source: Path, **options: object) -> FunctionPackage:
        return build_function_package(
            source, handler="handler.handler", cache_dir=session_cache, progress=None,
            **options,  # type: ignore[arg-type]
        )  # fmt: skip

    return build


def test_user_pins_match_the_toolkits():
    """The brief's user pins are the toolkit's: the helper is tested with exactly these."""
    assert USER_REQUIREMENTS.strip() in FUNCTION_REQUIREMENTS


def test_helper_goes_into_the_layer(user_source, build_user):
    package = build_user(user_source, architecture="arm64", runtime="python3.14")
    assert package.layer is not None
    layer = _files(package.layer_dir, "python/")
    assert {n: b for n, b in layer.items() if n.startswith("atlas_lambda/")} == _helper_files()
    assert "pymongo/__init__.py" in layer
    assert sorted(_files(package.code_dir)) == ["handler.py"]
    assert any(f"atlas_lambda {toolkit_version()} in the layer" in s for s in package.steps)


def test_helper_goes_into_the_code_without_a_layer(user_source, build_user):
    package = build_user(user_source, architecture="arm64", runtime="python3.14", layer=False)
    code = _files(package.code_dir)
    assert {n: b for n, b in code.items() if n.startswith("atlas_lambda/")} == _helper_files()
    assert "handler.py" in code and "pymongo/__init__.py" in code


def test_the_build_stays_reproducible(user_source, build_user, tmp_path):
    """Another folder, other mtimes: the same code and layer hashes, helper included."""
    copy = shutil.copytree(user_source, tmp_path / "elsewhere" / "fn")
    (copy / "handler.py").touch()
    first = build_user(user_source, architecture="arm64", runtime="python3.14")
    second = build_user(copy, architecture="arm64", runtime="python3.14")
    assert (first.code_hash, first.layer_hash) == (second.code_hash, second.layer_hash)


def test_a_folder_with_its_own_helper_keeps_it(user_source, build_user):
    own = "def get_client():\n    return 'mine'\n"
    write_source(user_source, {"atlas_lambda/__init__.py": own})
    package = build_user(user_source, architecture="arm64", runtime="python3.14")
    assert not any(n.startswith("atlas_lambda/") for n in _files(package.layer_dir, "python/"))
    assert _files(package.code_dir)["atlas_lambda/__init__.py"] == own.encode()


def test_a_handler_that_does_not_import_it_gets_none(make_source, build_user):
    source = make_source(requirements="")
    package = build_user(source, local=True)
    assert sorted(_files(package.code_dir)) == ["handler.py"]


@pytest.mark.parametrize(
    "requirements, problem",
    [
        ("", "no pymongo is pinned"),
        ("dnspython==2.9.2\n", "no pymongo is pinned"),
        ("pymongo[aws]==4.5.0\n", "needs pymongo 4.6 or later, not 4.5.0"),
        ("pymongo==4.20.0\ndnspython==2.9.2\n", "needs pymongo[aws] or pymongo-auth-aws"),
        # PEP 508 markers are evaluated for the target (arm64 Linux by
        # default), as the installer will: a false marker means no pymongo in the package.
        (
            'pymongo[aws]==4.20.0 ; python_version < "3.0"\n',
            "has a marker that is false for manylinux_2_34_aarch64",
        ),
        ('pymongo[aws]==4.20.0 ; sys_platform == "win32"\n', "has a marker that is false"),
        (
            'pymongo==4.20.0\npymongo-auth-aws==1.3.0 ; platform_machine == "x86_64"\n',
            "so the package would have no pymongo-auth-aws",
        ),
    ],
)
def test_missing_pins_are_named_before_any_install(make_source, requirements, problem):
    source = make_source({"handler.py": USER_HANDLER}, requirements=requirements)
    with pytest.raises(PackagingConfigError, match=r"requirements.txt: ") as caught:
        build_function_package(source, handler="handler.handler", progress=None,
                               cache_dir=source.parent / "never-used")  # fmt: skip
    assert problem in str(caught.value)
    assert "pymongo[aws]==4.20.0" in str(caught.value)  # the allowed pins
    assert not (source.parent / "never-used" / "deps").exists()


def test_the_helper_answers_invocations_under_awslambdaric(user_source, build_user, tmp_path):
    """Built for this machine and unpacked as Lambda does: the handler imports the helper
    from the layer and gets one client for every invocation."""
    package = build_user(user_source, local=True, layer=True)
    task_root, *layer_paths = unpack(package, tmp_path / "lambda")
    with LambdaEnvironment(task_root, ENVIRON, extra_paths=layer_paths) as environment:
        results = environment.invoke_many([{}, {}, {}])
    assert [r.kind for r in results] == ["response"] * 3, results[0].raw
    for result in results:
        answer = result.payload
        assert Path(answer["helper"]).is_relative_to(layer_paths[0])
        assert answer["version"] == toolkit_version()
        assert answer["same_client"] is True and answer["clients_created"] == 1
        assert answer["max_pool_size"] == 1  # the helper's Lambda defaults, not pymongo's


def test_mongolambda_ships_the_helper_in_its_layer(user_source, session_cache, monkeypatch):
    """Through MongoLambda under the mock engine: the LayerVersion's archive holds it."""
    from components import MongoLambda
    from components.offline import run_program

    monkeypatch.setenv("ATLAS_LAMBDA_BUILD_DIR", str(session_cache))

    def program() -> None:
        MongoLambda("fn", {"function_name": "fn", "vpc_id": "vpc-1", "subnet_ids": ["s-1"],
                           "database_security_group_id": "sg-1",
                           "mongodb_srv": "mongodb+srv://c.example.mongodb.net",
                           "database_name": "app", "source_dir": str(user_source)})  # fmt: skip

    plan = run_program(program).plan
    [layer] = [r for r in plan.resources if r.type == "aws:lambda/layerVersion:LayerVersion"]
    [function] = [r for r in plan.resources if r.type == "aws:lambda/function:Function"]
    layer_dir = Path(_archive_path(layer.inputs["code"], session_cache))
    code_dir = Path(_archive_path(function.inputs["code"], session_cache))
    assert _files(layer_dir / "python" / "atlas_lambda") == {
        n.removeprefix("atlas_lambda/"): b for n, b in _helper_files().items()
    }
    assert sorted(_files(code_dir)) == ["handler.py"]


def _archive_path(rendered: object, root: Path) -> str:
    """The folder of a rendered FileArchive input (a path, relative or absolute)."""
    text = json.dumps(rendered)
    for candidate in root.glob("artifacts/*"):
        if candidate.name in text:
            return str(candidate)
    raise AssertionError(f"no build folder in {text}")


def test_the_packaging_command_ships_it(user_source, session_cache):
    result = run_cli(
        "components.packaging", "--source", str(user_source), "--json",
        "--cache-dir", str(session_cache), timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    built = json.loads(result.stdout)
    assert built["layer"] is not None
    layer = Path(built["layer"]["path"]) / "python" / "atlas_lambda"
    assert (layer / "client.py").read_bytes() == (RUNTIME_HELPER_DIR / "client.py").read_bytes()
    assert "runtime helper: the toolkit's atlas_lambda" in result.stderr


def test_pins_whose_markers_hold_on_the_target_satisfy_the_helper():
    """The same marker is true for one target and false for another (PEP 508 evaluation with
    the target's python_version and platform_machine, components/packaging/target.py)."""
    from components.packaging.requirements import parse_requirements
    from components.packaging.runtime_helper import check_helper_pins
    from components.packaging.target import lambda_target

    pins = parse_requirements(
        'pymongo[aws]==4.20.0 ; python_version >= "3.12" and platform_machine == "aarch64"\n'
    )
    check_helper_pins(pins, "fn/requirements.txt", lambda_target("arm64", "python3.13"))
    for target in (lambda_target("x86_64", "python3.13"), lambda_target("arm64", "python3.11")):
        with pytest.raises(PackagingConfigError, match="has a marker that is false for"):
            check_helper_pins(pins, "fn/requirements.txt", target)
