"""Every input the build refuses, and the message that says what to fix."""

from __future__ import annotations

import pytest

from components.errors import ConfigError
from components.packaging.build import build_function_package
from components.packaging.errors import (
    ArtifactTooLargeError,
    HandlerError,
    NoWheelError,
    PackagingConfigError,
    UnpinnedRequirementError,
)
from components.packaging.install import IndexOptions
from components.packaging.limits import LambdaLimits

from .conftest import make_wheel

HANDLER = {"handler.py": "def handler(event, context):\n    return event\n"}


def build(source, tmp_path, **options):
    options.setdefault("handler", "handler.handler")
    return build_function_package(source, cache_dir=tmp_path / "cache", progress=None, **options)


# --- target ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "key", "allowed"),
    [
        ({"architecture": "arm"}, "architecture", "arm64, x86_64"),
        ({"architecture": "aarch64"}, "architecture", "arm64, x86_64"),
        ({"runtime": "python3.8"}, "runtime", "python3.11, python3.12, python3.13, python3.14"),
        ({"runtime": "nodejs22.x"}, "runtime", "python3.11"),
        ({"layer": "yes"}, "layer", "True, False"),
        ({"installer": "poetry"}, "installer", "auto, uv, pip"),
    ],
)
def test_invalid_options_name_the_field_and_the_allowed_values(
    make_source, tmp_path, options, key, allowed
):
    source = make_source(requirements="pymongo==4.20.0\n")
    with pytest.raises(PackagingConfigError) as caught:
        build(source, tmp_path, **options)
    assert caught.value.key == key
    assert allowed in str(caught.value)
    assert isinstance(caught.value, ConfigError)  # one type for every bad config


def test_missing_source_folder(tmp_path):
    with pytest.raises(PackagingConfigError, match=r"^source_dir: .* is not a folder"):
        build(tmp_path / "nope", tmp_path)


def test_missing_explicit_requirements_file(make_source, tmp_path):
    with pytest.raises(PackagingConfigError, match=r"^requirements: .*does not exist"):
        build(make_source(), tmp_path, requirements=tmp_path / "missing.txt")


# --- requirements ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line_number", "problem"),
    [
        ("pymongo[aws]>=4.20\n", 1, "is a range (>=4.20)"),
        ("# pinned\npymongo[aws]==4.20.0\ndnspython\n", 3, "has no version pin"),
        ("pymongo~=4.20\n", 1, "is a range"),
        ("pymongo>=4,<5\n", 1, "is a range"),
        ("pymongo==4.*\n", 1, "is a wildcard"),
        ("pymongo==4.20.0\nPyMongo==4.19.0\n", 2, "pins pymongo a second time"),
        ("-e ./local\n", 1, "is an installer option"),
        ("--index-url https://example.org/simple\n", 1, "is an installer option"),
        ("pymongo @ https://example.org/pymongo.whl\n", 1, "is a URL"),
        # pip's hash-checking form (pip-compile --generate-hashes) is refused by name, not
        # with the PEP 508 parser's message; a continuation joins the hash to its pin.
        ("pymongo==4.20.0 --hash=sha256:" + "0" * 64 + "\n", 1, "carries --hash options"),
        (
            "dnspython==2.9.2\npymongo==4.20.0 \\\n    --hash=sha256:" + "a" * 64 + "\n",
            2,
            "carries --hash options",
        ),
        (
            "pymongo[aws]==4.20.0 \\\n  ; python_version < '3'\nbad line!\n",
            3,
            "is not a requirement",
        ),
    ],
)
def test_unpinned_requirements_name_the_line(make_source, tmp_path, text, line_number, problem):
    source = make_source(HANDLER, requirements=text)
    with pytest.raises(UnpinnedRequirementError) as caught:
        build(source, tmp_path)
    error = caught.value
    assert error.line_number == line_number
    assert str(error).startswith(f"{source.name}/requirements.txt:{line_number}: ")
    assert problem in str(error)
    assert "pymongo[aws]==4.20.0" in str(error)  # what an accepted line looks like


def test_pins_with_markers_and_comments_are_accepted():
    from components.packaging.requirements import parse_requirements

    pins = parse_requirements(
        "# runtime deps\npymongo[aws]==4.20.0  # driver\n"
        "dnspython==2.9.2 ; python_version >= '3.9'\n\n"
    )
    assert [pin.line for pin in pins] == [
        'dnspython==2.9.2; python_version >= "3.9"', "pymongo[aws]==4.20.0",
    ]  # fmt: skip


# --- handler -----------------------------------------------------------------------------


def test_missing_handler_module(make_source, tmp_path):
    source = make_source({"app.py": "def handler(e, c):\n    return e\n"})
    with pytest.raises(HandlerError) as caught:
        build(source, tmp_path, handler="handler.handler")
    message = str(caught.value)
    assert message.startswith("handler: 'handler.handler': module 'handler' not found")
    assert "no handler.py or handler/__init__.py" in message
    assert "(allowed: app.<function>)" in message


def test_missing_handler_function(make_source, tmp_path):
    source = make_source(
        {"handler.py": "def main(e, c):\n    return e\n\ndef helper():\n    pass\n"}
    )
    with pytest.raises(HandlerError) as caught:
        build(source, tmp_path, handler="handler.handler")
    message = str(caught.value)
    assert "handler.py defines no top-level 'handler'" in message
    assert "(allowed: handler.helper, handler.main)" in message


def test_handler_module_that_does_not_parse(make_source, tmp_path):
    source = make_source({"handler.py": "def handler(e, c)\n    return e\n"})
    with pytest.raises(HandlerError, match=r"handler.py does not parse: line 1"):
        build(source, tmp_path)


@pytest.mark.parametrize("handler", ["handler", "handler.", ".handler", "my-module.handler", ""])
def test_malformed_handler_string(make_source, tmp_path, handler):
    with pytest.raises(HandlerError, match=r"is not a Lambda Python handler \(allowed: module"):
        build(make_source(), tmp_path, handler=handler)


@pytest.mark.parametrize(
    ("files", "handler"),
    [
        ({"app/main.py": "def handler(e, c):\n    return e\n"}, "app/main.handler"),
        ({"app/main.py": "def handler(e, c):\n    return e\n"}, "app.main.handler"),
        ({"app/__init__.py": "from .impl import handler\n", "app/impl.py": ""}, "app.handler"),
        ({"handler.py": "import x\nhandler = x.make()\n"}, "handler.handler"),
        (
            {
                "handler.py": "try:\n    from a import run as handler\nexcept ImportError:\n"
                "    def handler(e, c):\n        pass\n"
            },
            "handler.handler",
        ),
    ],
)
def test_handler_forms_lambda_accepts(make_source, tmp_path, files, handler):
    """Checked by reading the module (ast), never by importing it: `import x` would fail."""
    package = build(make_source(files), tmp_path, handler=handler)
    assert package.handler == handler


# --- wheels ------------------------------------------------------------------------------


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_dependency_without_a_wheel_for_the_target(make_source, tmp_path, installer):
    """A project that only publishes Windows wheels and an sdist: no build, a clear error."""
    index = tmp_path / "index"
    make_wheel(index, "onlywin", "1.0", "cp313-cp313-win_amd64")
    (index / "onlywin-1.0.tar.gz").write_bytes(b"not really an sdist")
    source = make_source(HANDLER, requirements="onlywin==1.0\n")
    with pytest.raises(NoWheelError) as caught:
        build(
            source, tmp_path, architecture="arm64", runtime="python3.13", installer=installer,
            index=IndexOptions(find_links=(str(index),), no_index=True),
        )  # fmt: skip
    error = caught.value
    assert error.requirement == "onlywin==1.0"
    assert error.platform == "manylinux_2_34_aarch64 / CPython 3.13 (cp313)"
    assert "no binary wheel of onlywin==1.0 for manylinux_2_34_aarch64" in str(error)


def test_wheel_for_another_cpu_is_not_taken(make_source, tmp_path):
    index = tmp_path / "index"
    make_wheel(index, "native", "1.0", "cp314-cp314-manylinux_2_17_x86_64")
    source = make_source(HANDLER, requirements="native==1.0\n")
    options = {"index": IndexOptions(find_links=(str(index),), no_index=True)}

    built = build(source, tmp_path, architecture="x86_64", **options)
    assert built.distributions == ("native==1.0",)
    with pytest.raises(NoWheelError, match=r"native==1.0 for manylinux_2_34_aarch64"):
        build(source, tmp_path, architecture="arm64", **options)


# --- limits ------------------------------------------------------------------------------


def test_zipped_limit(make_source, tmp_path):
    source = make_source({**HANDLER, "blob.bin": "x" * 10})
    package = build(source, tmp_path)
    with pytest.raises(ArtifactTooLargeError) as caught:
        build(source, tmp_path, limits=LambdaLimits(zipped_bytes=package.code.zipped_bytes - 1))
    assert caught.value.what == "the function code zip"
    assert caught.value.size == package.code.zipped_bytes
    assert "over Lambda's limit" in str(caught.value)


def test_unzipped_limit(make_source, tmp_path):
    source = make_source({**HANDLER, "blob.bin": "x" * 10_000})
    with pytest.raises(ArtifactTooLargeError, match=r"the function, unzipped, is 10,0\d\d bytes"):
        build(source, tmp_path, limits=LambdaLimits(unzipped_bytes=10_000))


def test_layer_counts_toward_the_unzipped_limit(arm64_package, function_source, session_cache):
    total = arm64_package.unzipped_bytes
    with pytest.raises(ArtifactTooLargeError, match=r"the function and its layer, unzipped,"):
        build_function_package(
            function_source, handler="handler.handler", cache_dir=session_cache,
            progress=None, limits=LambdaLimits(unzipped_bytes=total - 1),
        )  # fmt: skip
    with pytest.raises(ArtifactTooLargeError, match=r"the dependency layer zip"):
        build_function_package(
            function_source, handler="handler.handler", cache_dir=session_cache,
            progress=None, limits=LambdaLimits(zipped_bytes=arm64_package.layer.zipped_bytes - 1),
        )  # fmt: skip


def test_default_limits_are_lambdas():
    limits = LambdaLimits()
    assert limits.zipped_bytes == 52_428_800
    assert limits.unzipped_bytes == 262_144_000
