"""Packaging under hostile inputs and conditions (issue 17, the packaging findings).

Each test reproduces one finding of the hostile pass and asserts the fixed behaviour: a
linked cache entry, `source_dir` ".", credentials in requirement lines, links and
virtualenvs in the source folder, a runtime-provided pin whose marker is false, progress
with stderr closed, concurrent `--refresh` builds, SIGTERM and an early Ctrl-C, an
unreachable index, and the handler parsed once per build. Nothing leaves this machine: the
indexes are local folders of wheels or a closed port on 127.0.0.1, the "slow installer" a
stand-in for uv that waits.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from components.packaging import build as packaging
from components.packaging.build import build_function_package
from components.packaging.errors import (
    IndexUnreachableError,
    PackagingError,
    SourceLinkError,
    UnpinnedRequirementError,
)
from components.packaging.install import (
    RUNTIME_PROVIDED,
    UV_ENV,
    IndexOptions,
    effective_exclusions,
)
from components.packaging.requirements import parse_requirements
from components.packaging.target import lambda_target
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli

from .conftest import FUNCTION_REQUIREMENTS, make_wheel

MODULE = "components.packaging"
SECRET = "s3cr3t-T0KEN-value"
HANDLER = "def handler(event, context):\n    return event\n"


def write_function(folder: Path, files: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"handler.py": HANDLER, **(files or {})}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def build(source: Path, cache: Path, **options: object) -> packaging.FunctionPackage:
    return build_function_package(
        source, handler="handler.handler", cache_dir=cache, progress=None, bytecode=False,
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


def tree_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }  # fmt: skip


def scratch_left(cache: Path) -> list[str]:
    folder = cache / "tmp"
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


# --- data loss: links in the cache ---------------------------------------------------------


def test_a_linked_output_folder_is_replaced_never_repaired_through(tmp_path):
    """artifacts/<digest> a link to a folder of the user's: before, the build "repaired" that
    folder (deleted every file not in the artifact) and exited 0."""
    source = write_function(tmp_path / "fn")
    cache = tmp_path / "cache"
    first = build(source, cache)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "handler.py").write_text(HANDLER)  # the artifact's member, so it "matches"
    (victim / "keep.txt").write_text("precious")
    (victim / "sub").mkdir()
    (victim / "sub" / "notes.md").write_text("mine")
    before = tree_of(victim)
    final = first.code_dir
    for path in sorted(final.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    final.rmdir()
    final.symlink_to(victim, target_is_directory=True)

    again = build(source, cache)
    assert tree_of(victim) == before
    assert again.code_dir == final and not final.is_symlink() and final.is_dir()
    assert tree_of(final) == {"handler.py": HANDLER.encode()}
    assert again.hash == first.hash


def test_linked_cache_folders_and_entries_are_replaced(tmp_path):
    """The cache's own folders (artifacts/, tmp/, sizes/) and a dependency entry as links:
    each link is removed, never what it points to, and the build is what it would be."""
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "tinydep", "1.0", "py3-none-any")
    index = IndexOptions(find_links=(str(wheels),), no_index=True)
    source = write_function(tmp_path / "fn", {"requirements.txt": "tinydep==1.0\n"})
    cache = tmp_path / "cache"
    first = build(source, cache, index=index, installer="uv")
    [entry] = (cache / "deps").iterdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("artifacts", "tmp", "sizes"):
        target = elsewhere / name
        (cache / name).rename(target) if (cache / name).exists() else target.mkdir(parents=True)
        (target / "mine.txt").write_text("mine")
        (cache / name).symlink_to(target, target_is_directory=True)
    entry_target = elsewhere / "deps-entry"
    entry.rename(entry_target)
    (entry_target / "mine.txt").write_text("mine")
    entry.symlink_to(entry_target, target_is_directory=True)
    before = tree_of(elsewhere)

    again = build(source, cache, index=index, installer="uv")
    assert tree_of(elsewhere) == before
    assert again.hash == first.hash and not again.cache_hit  # the linked entry is not used
    for name in ("artifacts", "tmp", "sizes", f"deps/{entry.name}"):
        assert not (cache / name).is_symlink(), name
    assert again.layer_dir.resolve().is_relative_to(cache.resolve())


def test_source_dot_keeps_the_build_folder_in_the_project(tmp_path):
    """`--source .` from the project: before, .build/ went into the project's parent."""
    project = write_function(tmp_path / "project")
    env = {"ATLAS_LAMBDA_BUILD_DIR": ""}
    for _ in range(2):  # the second build reuses it (a cache inside the source, hidden)
        result = run_cli(MODULE, "--source", ".", "--no-bytecode", "--json", cwd=project,
                         env=env)  # fmt: skip
        assert result.returncode == 0, result.stderr
        package = json.loads(result.stdout)
        assert package["file_count"] == 1  # handler.py only, never .build/
    assert sorted(path.name for path in tmp_path.iterdir()) == ["project"]
    assert Path(package["code"]["path"]).is_relative_to(project / ".build")
    assert "handler defined in project/handler.py" in result.stderr


def test_the_build_folder_stays_in_the_pulumi_project(tmp_path, monkeypatch):
    from components.packaging.cache import BUILD_DIR_ENV, default_cache_dir

    monkeypatch.delenv(BUILD_DIR_ENV, raising=False)
    project = write_function(tmp_path / "project", {"Pulumi.yaml": "name: p\n"})
    nested = write_function(project / "src" / "fn")
    assert default_cache_dir(project) == project / ".build"  # the project is the source
    assert default_cache_dir(nested) == project / ".build"  # not src/.build
    monkeypatch.chdir(nested)
    assert default_cache_dir(Path(".")) == project / ".build"
    assert default_cache_dir(tmp_path / "function") == tmp_path / ".build"  # unchanged


# --- secrets --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        f"tinydep @ https://user:{SECRET}@files.example.org/tinydep-1.0-py3-none-any.whl",
        f"--index-url https://user:{SECRET}@pypi.example.org/simple",
        f"--extra-index-url=https://{SECRET}@pypi.example.org/simple",
    ],
)
def test_requirement_credentials_never_reach_the_exception(tmp_path, line):
    source = write_function(tmp_path / "fn", {"requirements.txt": line + "\n"})
    with pytest.raises(UnpinnedRequirementError) as caught:
        build(source, tmp_path / "cache")
    error = caught.value
    assert SECRET not in str(error) and SECRET not in repr(error.args)
    assert SECRET not in error.line and "[redacted]@" in error.line


def test_mongo_lambda_raises_without_the_token(tmp_path, monkeypatch):
    """The exception MongoLambda raises, as the Pulumi engine gets it (packaging runs before
    anything is registered, so no engine is needed to see it), holds no token."""
    from components import MongoLambda
    from components.errors import ConfigError

    monkeypatch.setenv("ATLAS_LAMBDA_BUILD_DIR", str(tmp_path / "cache"))
    line = f"pymongo @ https://user:{SECRET}@files.example.org/pymongo-4.20.0-py3-none-any.whl"
    source = write_function(tmp_path / "fn", {"requirements.txt": line + "\n"})
    with pytest.raises(ConfigError) as caught:
        MongoLambda("fn", {"function_name": "fn", "vpc_id": "vpc-1", "subnet_ids": ["s"],
                           "database_security_group_id": "sg-1",
                           "mongodb_srv": "mongodb+srv://h", "database_name": "app",
                           "source_dir": str(source)})  # fmt: skip
    assert "fn/requirements.txt:1" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(vars(caught.value))


def test_installer_errors_hold_no_credentials():
    command = ["uv", "pip", "install", "--index-url", f"https://user:{SECRET}@idx.example/simple"]
    output = f"error: Failed to fetch: https://user:{SECRET}@idx.example/simple/x/\n"
    error = IndexUnreachableError(command, output, f"https://user:{SECRET}@idx.example", "dns")
    for text in (str(error), error.output, " ".join(error.command), error.index):
        assert SECRET not in text


def test_a_file_link_out_of_the_source_folder_is_refused(tmp_path, capsys):
    """Before: copied into the package without a word."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    source = write_function(tmp_path / "fn")
    (source / "config.txt").symlink_to(outside / "secret.txt")
    with pytest.raises(SourceLinkError) as caught:
        build(source, tmp_path / "cache")
    assert caught.value.name == "config.txt"
    assert "fn/config.txt is a symbolic link to" in str(caught.value)
    assert "outside fn/" in str(caught.value)
    assert not (tmp_path / "cache" / "artifacts").exists()
    code = packaging.main(["--source", str(source), "--cache-dir", str(tmp_path / "c2")])
    err = capsys.readouterr().err
    assert code == 1
    assert [line for line in err.splitlines() if line.startswith(("error:", "hint:"))] == [
        f"error: fn/config.txt is a symbolic link to {outside / 'secret.txt'}, outside fn/: "
        "the package would carry a file from elsewhere",
        "hint: copy the file into fn/ (or remove the link) and build again",
    ]


@pytest.mark.parametrize(
    ("link", "points_to", "kind"),
    [
        ("gone.py", "missing.py", "which does not exist"),
        ("settings.py", ".env", "which the package leaves out"),
        ("cached.py", "__pycache__/x.py", "which the package leaves out"),
    ],
)
def test_file_links_the_package_cannot_honour_are_refused(tmp_path, link, points_to, kind):
    source = write_function(tmp_path / "fn", {".env": f"TOKEN={SECRET}\n", "__pycache__/x.py": ""})
    (source / link).symlink_to(points_to)
    with pytest.raises(SourceLinkError, match=f"fn/{link} is a symbolic link to .*{kind}"):
        build(source, tmp_path / "cache")


def test_a_file_link_inside_the_folder_is_followed(tmp_path):
    source = write_function(tmp_path / "fn", {"shared/config.py": "X = 1\n"})
    (source / "config.py").symlink_to("shared/config.py")
    package = build(source, tmp_path / "cache")
    assert tree_of(package.code_dir)["config.py"] == b"X = 1\n"
    assert not (package.code_dir / "config.py").is_symlink()


# --- wrong results --------------------------------------------------------------------------


def test_a_linked_folder_is_refused_not_dropped(tmp_path):
    """Before: silently dropped, the handler check passed and the package could not import."""
    library = write_function(tmp_path / "lib", {"helpers.py": "X = 1\n"})
    source = write_function(tmp_path / "fn", {"handler.py": "import helpers\n" + HANDLER})
    (source / "helpers").symlink_to(library, target_is_directory=True)
    with pytest.raises(SourceLinkError) as caught:
        build(source, tmp_path / "cache")
    assert str(caught.value).startswith(f"fn/helpers is a symbolic link to a folder ({library})")
    assert caught.value.hint.startswith("replace the link with the folder itself")


@pytest.mark.parametrize("name", ["env", "my-venv", "lib/tools"])
def test_a_virtualenv_is_left_out_whatever_its_name(tmp_path, name):
    venv = {f"{name}/pyvenv.cfg": "home = /usr/bin\n",
            f"{name}/lib/python3.13/site-packages/big.py": "X = 1\n" * 1000}  # fmt: skip
    source = write_function(tmp_path / "fn", {**venv, "lib/util.py": "Y = 2\n"})
    package = build(source, tmp_path / "cache")
    assert sorted(tree_of(package.code_dir)) == ["handler.py", "lib/util.py"]
    [said] = [line for line in package.steps if line.startswith("source: left out")]
    assert f"fn/{name}/ (a virtualenv: pyvenv.cfg)" in said


def test_a_runtime_pin_whose_marker_is_false_keeps_the_exclusions():
    target = lambda_target("arm64", "python3.13")
    pins = parse_requirements('pymongo[aws]==4.20.0\nboto3==1.40.0; python_version < "3.12"\n')
    assert effective_exclusions(pins, RUNTIME_PROVIDED, target) == tuple(sorted(RUNTIME_PROVIDED))
    applying = parse_requirements('pymongo[aws]==4.20.0\nboto3==1.40.0; python_version >= "3.12"\n')
    assert effective_exclusions(applying, RUNTIME_PROVIDED, target) == ()


def test_a_false_marker_pin_bundles_no_sdk(tmp_path, session_cache):
    """The function's pins plus `boto3==...; python_version < "3.12"` for python3.13: before,
    boto3, botocore and friends were bundled (5 MB -> 29 MB)."""
    requirements = FUNCTION_REQUIREMENTS + 'boto3==1.40.0; python_version < "3.12"\n'
    source = write_function(tmp_path / "fn", {"requirements.txt": requirements})
    package = build(source, session_cache, runtime="python3.13")
    names = {line.split("==")[0] for line in package.distributions}
    assert names == {"dnspython", "pymongo", "pymongo-auth-aws"}
    assert package.excluded == tuple(sorted(RUNTIME_PROVIDED))
    assert not any(line.startswith("exclusions: off") for line in package.steps)
    assert 'not for this target (marker false): boto3==1.40.0; python_version < "3.12"' in (
        "\n".join(package.steps)
    )


@pytest.mark.parametrize("stderr", ["closed", "/dev/full"])
def test_progress_never_lands_in_json_stdout(tmp_path, stderr):
    """With stderr closed (`2>&-`) print() fell back to stdout: progress inside the JSON."""
    source = write_function(tmp_path / "fn")
    redirect = "2>&-" if stderr == "closed" else "2>/dev/full"
    command = (f"exec {sys.executable} -m {MODULE} --source {source} --cache-dir "
               f"{tmp_path / 'cache'} --no-bytecode --json {redirect}")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run(["sh", "-c", command], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0
    assert json.loads(result.stdout)["file_count"] == 1  # nothing but the JSON


# --- hangs, crashes, messages ----------------------------------------------------------------

CONCURRENT_CHILD = r"""
import json, sys, time
from pathlib import Path
import components.packaging.build as build
import components.packaging.cache as cache
from components.packaging.install import IndexOptions

role, flags, source, cache_dir, wheels = sys.argv[1:6]
flags = Path(flags)

def wait_for(name):
    deadline = time.monotonic() + 60
    while not (flags / name).exists():
        if time.monotonic() > deadline:
            sys.exit(f"{role}: {name} never came")
        time.sleep(0.02)

if role == "reader":  # copies the cached install into the layer, slowly
    real_copy = cache.copy_members
    def copy_members(members, dest):
        (flags / "reader-copying").touch()
        wait_for("writer-installing")
        return real_copy(members, dest)
    cache.copy_members = copy_members
else:  # --refresh: installs again while the reader copies
    real_install = build.install
    def install(*args, **kwargs):
        (flags / "writer-installing").touch()
        wait_for("reader-done")
        return real_install(*args, **kwargs)
    build.install = install
try:
    package = build.build_function_package(
        source, handler="handler.handler", cache_dir=cache_dir, progress=None, bytecode=False,
        index=IndexOptions(find_links=(wheels,), no_index=True), installer="uv",
        refresh=role == "writer",
    )
    print(json.dumps({"hash": package.hash}))
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
finally:
    (flags / f"{role}-done").touch()
"""


def test_refresh_never_removes_an_entry_another_build_is_copying(tmp_path):
    """Two builds on one cache, one with --refresh that reinstalls while the other copies
    the cached install: before, the copier failed with "no such file" (or the refresher
    with "cache entry vanished", exit 70). The interleaving is forced, not timed."""
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "tinydep", "1.0", "py3-none-any")
    source = write_function(tmp_path / "fn", {"requirements.txt": "tinydep==1.0\n"})
    cache = tmp_path / "cache"
    warm = build(source, cache, index=IndexOptions(find_links=(str(wheels),), no_index=True),
                 installer="uv")  # fmt: skip
    shutil.rmtree(cache / "artifacts")  # so the reader copies out of the cached install
    flags = tmp_path / "flags"
    flags.mkdir()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}

    def start(role: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", CONCURRENT_CHILD, role, str(flags), str(source), str(cache),
             str(wheels)], cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip

    reader = start("reader")
    try:
        deadline = time.monotonic() + 60
        while not (flags / "reader-copying").exists() and time.monotonic() < deadline:
            assert reader.poll() is None, reader.communicate()
            time.sleep(0.02)
        writer = start("writer")
        results = {}
        for role, process in (("reader", reader), ("writer", writer)):
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, (role, err)
            results[role] = json.loads(out.strip().splitlines()[-1])
    finally:
        for process in (reader, locals().get("writer")):
            if process is not None and process.poll() is None:
                process.kill()
    assert results == {"reader": {"hash": warm.hash}, "writer": {"hash": warm.hash}}
    assert scratch_left(cache) == []


FAKE_UV = """#!{python}
# A uv that writes a few MB into --target and then hangs (a slow index), for SIGTERM tests.
import os, sys, time
if "--help" in sys.argv:
    print("--excludes")
    sys.exit(0)
target = sys.argv[sys.argv.index("--target") + 1]
with open(os.path.join(target, "big.bin"), "wb") as handle:
    handle.write(os.urandom(4 << 20))
with open(os.environ["FAKE_UV_READY"], "w") as ready:
    ready.write(str(os.getpid()))
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def test_sigterm_during_a_build_ends_like_ctrl_c(tmp_path):
    """Before: no error/hint, killed by the signal, 4 MB of scratch left in the cache and the
    installer still running. Now: exit 143, one error: and one hint:, nothing left."""
    fake = tmp_path / "uv"
    fake.write_text(FAKE_UV.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    ready = tmp_path / "ready"
    source = write_function(tmp_path / "fn", {"requirements.txt": "tinydep==1.0\n"})
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), UV_ENV: str(fake),
           "FAKE_UV_READY": str(ready)}  # fmt: skip
    env.pop("ATLAS_LAMBDA_DEBUG", None)
    command = [sys.executable, "-m", MODULE, "--source", str(source), "--cache-dir", str(cache),
               "--installer", "uv", "--no-bytecode"]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    installer = None
    try:
        deadline = time.monotonic() + 60
        while not (ready.exists() and ready.read_text()) and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        installer = int(ready.read_text())
        assert scratch_left(cache)  # the install is under way in tmp/
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        if installer is not None and _alive(installer):
            os.kill(installer, signal.SIGKILL)
            pytest.fail("the installer outlived the build")
    result = subprocess.CompletedProcess(command, process.returncode, out, err)
    assert_clean_failure(result, exit_code=143, names=["terminated (SIGTERM)"])
    assert scratch_left(cache) == []


TRIP = r"""
import importlib.abc, os, runpy, signal, sys
module, number = sys.argv[1], int(sys.argv[2])
class Trip(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == module:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), number)  # the signal lands while `module` is being imported
        return None
sys.meta_path.insert(0, Trip())
sys.argv = [sys.argv[0], *sys.argv[3:]]
runpy.run_module("components.packaging", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("module", ["components.cli", "components.packaging.build",
                                    "packaging.requirements"])  # fmt: skip
@pytest.mark.parametrize(
    ("number", "code", "name"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
)
def test_a_signal_while_the_command_loads_ends_cleanly(tmp_path, module, number, code, name):
    """Ctrl-C in the first 0.1-0.2 s printed a KeyboardInterrupt traceback: the build's
    imports ran before the handler. Here the signal arrives during a chosen import."""
    source = write_function(tmp_path / "fn")
    command = [sys.executable, "-c", TRIP, module, str(int(number)), "--source", str(source),
               "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("ATLAS_LAMBDA_DEBUG", None)
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert_clean_failure(result, exit_code=code, names=[name])
    assert result.stdout == ""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# pip's own configuration on this machine would add indexes; these cases need only theirs.
NO_PIP_CONFIG = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_CERT": "",
                 "PIP_INDEX_URL": "", "PIP_EXTRA_INDEX_URL": "", "PIP_RETRIES": "0",
                 "UV_HTTP_RETRIES": "0", "UV_NO_CACHE": "1"}  # fmt: skip


@pytest.mark.parametrize("installer", ["pip", "uv", "auto"])
def test_an_unreachable_index_is_not_a_missing_wheel(tmp_path, monkeypatch, installer):
    """Before: pip (and auto, after uv) said "no binary wheel of dnspython==2.9.2" with a
    hint to pin another version. Now: the index could not be reached, named without its
    credentials, with a hint at the network, proxy and PIP_INDEX_URL."""
    for name, value in NO_PIP_CONFIG.items():
        monkeypatch.setenv(name, value)
    port = _closed_port()
    index = IndexOptions(index_url=f"http://user:{SECRET}@127.0.0.1:{port}/simple")
    source = write_function(tmp_path / "fn", {"requirements.txt": "dnspython==2.9.2\n"})
    with pytest.raises(IndexUnreachableError) as caught:
        build(source, tmp_path / "cache", index=index, installer=installer)
    failure = packaging.cli_error(caught.value)
    cause = "Connection refused" + (" (os error 111)" if caught.value.installer == "uv" else "")
    assert failure.problem.endswith(
        f"the package index http://127.0.0.1:{port}/simple/ could not be reached ({cause})"
    ), failure.problem
    assert "no binary wheel" not in failure.problem
    assert "PIP_INDEX_URL" in failure.hint and "proxy" in failure.hint
    assert SECRET not in failure.problem + failure.hint + str(caught.value)
    assert scratch_left(tmp_path / "cache") == []


def test_a_wheel_missing_from_a_reachable_index_is_still_named(tmp_path, monkeypatch):
    for name, value in NO_PIP_CONFIG.items():
        monkeypatch.setenv(name, value)
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "tinydep", "1.0", "py3-none-any")
    source = write_function(tmp_path / "fn", {"requirements.txt": "tinydep==2.0\n"})
    index = IndexOptions(find_links=(str(wheels),), no_index=True)
    with pytest.raises(PackagingError) as caught:
        build(source, tmp_path / "cache", index=index, installer="pip")
    assert packaging.cli_error(caught.value).problem.startswith("no binary wheel of tinydep==2.0")


def test_the_handler_module_is_parsed_once_per_build(tmp_path, monkeypatch):
    """The handler check, the helper detection and the client-reuse check each parsed it
    (and bytecode compiles it again): four parses per preview for a 250,000-line module.
    Counted here: parses of the handler's text per build, on a cold and a warm cache."""
    source = write_function(tmp_path / "fn", {"handler.py": textwrap.dedent('''\
        """Mentions atlas_lambda, so the helper detection reads it too."""
        MARKER = "parse-me"


        def handler(event, context):
            return event
        ''')})  # fmt: skip
    parsed: list[str] = []
    real = ast.parse

    def counting(text, *args, **kwargs):
        if isinstance(text, str) and "parse-me" in text:
            parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting)
    for _ in range(2):
        parsed.clear()
        build(source, tmp_path / "cache")
        assert len(parsed) == 1


def test_sigterm_swallowed_by_a_finalizer_still_ends_143():
    """The contract's SIGTERM half (components/cli.py) where the signal lands in a finalizer,
    which would print "Exception ignored ... Terminated" and end 0."""
    body = textwrap.dedent("""\
        import gc, signal, sys
        from components import cli
        class Finalized:
            def __del__(self):
                signal.raise_signal(signal.SIGTERM)
                sum(range(1000))
        def main(argv):
            item = Finalized(); item.cycle = item; del item; gc.collect()
            print("done")
            return 0
        sys.exit(cli.run_command(main))
        """)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True,
                            env=env, timeout=60, check=False)  # fmt: skip
    assert_clean_failure(result, exit_code=143, names=["terminated (SIGTERM)"])
