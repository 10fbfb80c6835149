"""Failure catalog, packaging (`python -m components.packaging`): issue 10, classes 1, 3, 4.

Each case runs the command as a user does (a fresh process, tests/cli_contract.py) and
asserts the contract of components/cli.py: the exit code, one `error:` line naming the
problem, a `hint:`, no traceback, no secret. Nothing leaves this machine: the "network" is
a closed or silent port on 127.0.0.1, a TLS server with a self-signed certificate on
127.0.0.1, or a local folder of wheels. What is simulated says so in its docstring.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.packaging import build as packaging
from components.packaging.errors import InstallerError, NoWheelError
from components.packaging.install import UV_ENV
from components.packaging.installer_run import INSTALL_TIMEOUT_ENV, should_retry_with_pip
from components.packaging.limits import LambdaLimits
from tests.cli_contract import PROJECT_DIR, assert_clean_failure, run_cli
from tests.packaging.conftest import make_wheel

MODULE = "components.packaging"
SECRET = "s3cr3t-T0KEN-value"
HANDLER = "def handler(event, context):\n    return event\n"
# pip's own configuration on this machine (PIP_FIND_LINKS, PIP_CERT, /etc/pip.conf) would
# make every uv failure worth a pip retry; these cases need pip to look unconfigured.
# PIP_CONFIG_FILE=os.devnull is pip's documented "load no configuration file".
NO_PIP_CONFIG = {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_CERT": "",
                 "PIP_INDEX_URL": "", "PIP_EXTRA_INDEX_URL": ""}  # fmt: skip
# uv retries a failed request 3 times by default (UV_HTTP_RETRIES): not needed on loopback.
FAST_UV = {"UV_HTTP_RETRIES": "0", "UV_NO_CACHE": "1"}


def source(tmp_path: Path, requirements: str) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "handler.py").write_text(HANDLER)
    (folder / "requirements.txt").write_text(requirements)
    return folder


def build_args(folder: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["--source", str(folder), "--cache-dir", str(tmp_path / "cache"), *extra]


def scratch_left(tmp_path: Path) -> list[Path]:
    """Work in progress the build left behind (BuildCache keeps it under tmp/)."""
    folder = tmp_path / "cache" / "tmp"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_index() -> Iterator[tuple[str, list[socket.socket]]]:
    """An index that accepts connections and never answers (a stuck proxy)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://user:{SECRET}@127.0.0.1:{server.getsockname()[1]}/simple", accepted
    server.close()
    for conn in accepted:
        conn.close()


@pytest.fixture
def untrusted_tls_index(tmp_path: Path) -> Iterator[str]:
    """An HTTPS index on 127.0.0.1 whose certificate no trust store knows (self-signed)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True, check=False,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr[-200:]!r}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def serve() -> None:
        while True:
            try:
                conn = server.accept()[0]
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{server.getsockname()[1]}/simple"
    server.close()


def closed(conn: socket.socket, within: float = 5.0) -> bool:
    """True once the peer (the installer) has closed `conn`: it was not left running."""
    conn.settimeout(within)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


def fake_uv(tmp_path: Path, stderr: str, code: int = 2) -> Path:
    """A `uv` that prints `stderr` and exits `code`: for failures loopback cannot produce."""
    path = tmp_path / "fake-uv"
    path.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "if '--help' in sys.argv:\n    sys.exit(0)\n"
        f"sys.stderr.write({stderr!r})\nsys.exit({code})\n"
    )
    path.chmod(0o755)
    return path


# --- 1: credentials in URLs are never printed ----------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        f"--extra-index-url https://user:{SECRET}@pypi.example.org/simple",
        f"pymongo @ https://user:{SECRET}@files.example.org/pymongo-4.20.0-py3-none-any.whl",
        f"pymongo @ https://{SECRET}@files.example.org/pymongo.whl",
    ],
)
def test_credentials_in_requirement_urls_are_redacted(tmp_path, line):
    result = run_cli(MODULE, *build_args(source(tmp_path, line + "\n"), tmp_path))
    error = assert_clean_failure(
        result, exit_code=1, names=["fn/requirements.txt:1"], secrets=[SECRET]
    )
    assert "[redacted]@" in error


def test_debug_shows_the_traceback_still_redacted(tmp_path):
    line = f"--extra-index-url https://user:{SECRET}@pypi.example.org/simple\n"
    result = run_cli(MODULE, *build_args(source(tmp_path, line), tmp_path), "--debug")
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert SECRET not in result.stdout + result.stderr


# --- 3: installer and environment failures -------------------------------------------------


def test_index_unreachable(tmp_path):
    """A closed port on 127.0.0.1: uv's real "Connection refused"; --installer uv, no retry."""
    index = f"http://user:{SECRET}@127.0.0.1:{free_port()}/simple"
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path, "--installer", "uv"),
        env={**FAST_UV, "UV_INDEX_URL": index},
    )  # fmt: skip
    error = assert_clean_failure(result, exit_code=1, names=["uv", "Connection refused"],
                                 secrets=[SECRET])  # fmt: skip
    assert "retrying with pip" not in result.stderr, error
    assert scratch_left(tmp_path) == []


def test_untrusted_certificate_is_named(tmp_path, untrusted_tls_index):
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path, "--installer", "uv"),
        env={**FAST_UV, "UV_INDEX_URL": untrusted_tls_index},
    )  # fmt: skip
    error = assert_clean_failure(result, exit_code=1, names=["uv could not install"])
    assert "certificate" in error.lower() or "tls" in error.lower(), error


def test_no_wheel_for_the_target_is_not_retried_with_pip(tmp_path):
    """uv resolves against a local folder that only has a Windows wheel (UV_FIND_LINKS)."""
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "onlywin", "1.0", "cp313-cp313-win_amd64")
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "onlywin==1.0\n"), tmp_path),
        env={**FAST_UV, **NO_PIP_CONFIG, "UV_OFFLINE": "1", "UV_FIND_LINKS": str(wheels)},
    )  # fmt: skip
    assert_clean_failure(
        result, exit_code=1, names=["no binary wheel of onlywin==1.0", "manylinux_2_34_aarch64"]
    )
    assert "retrying with pip" not in result.stderr
    assert scratch_left(tmp_path) == []


def test_artifact_too_large(tmp_path, monkeypatch, capsys):
    """In-process, the limit lowered (a 50 MB test file would be slow); same `main`."""
    monkeypatch.setattr(packaging, "LAMBDA_LIMITS", LambdaLimits(zipped_bytes=10))
    folder = source(tmp_path, "")
    assert packaging.main(build_args(folder, tmp_path)) == 1
    err = capsys.readouterr().err
    assert "error: the function code zip is " in err and "over Lambda's limit of 10 bytes" in err
    assert "hint: drop dependencies" in err and "Traceback" not in err


def test_disk_full_during_install(tmp_path):
    """Simulated: a fake uv prints uv's ENOSPC message (os error 28); no tmpfs without root."""
    uv = fake_uv(tmp_path, "error: Failed to write to `six.py`\n"
                 "  Caused by: No space left on device (os error 28)\n")  # fmt: skip
    result = run_cli(MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path),
                     env={UV_ENV: str(uv)})  # fmt: skip
    assert_clean_failure(result, exit_code=1, names=["no space left on device", "uv"])
    assert "retrying with pip" not in result.stderr  # pip would fill the same disk
    assert scratch_left(tmp_path) == []


def test_disk_full_while_writing_the_artifact(tmp_path, monkeypatch, capsys):
    """Simulated in-process: the copy into the build folder raises ENOSPC."""
    from components.packaging import cache as packaging_cache

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "cache"))

    monkeypatch.setattr(packaging_cache, "copy_members", full)
    assert packaging.main(build_args(source(tmp_path, ""), tmp_path)) == 1
    err = capsys.readouterr().err
    assert "no space left on device" in err.splitlines()[-2] and "Traceback" not in err
    assert scratch_left(tmp_path) == []


def test_unwritable_cache_dir(tmp_path):
    """A cache path below a regular file: refused by the OS even for root."""
    (tmp_path / "file").write_text("")
    result = run_cli(MODULE, "--source", str(source(tmp_path, "")),
                     "--cache-dir", str(tmp_path / "file" / "cache"))  # fmt: skip
    assert_clean_failure(result, exit_code=1, names=["cache_dir", "is not writable"])


def test_read_only_cache_dir(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        if os.access(cache, os.W_OK):
            pytest.skip("permissions are not enforced for this user (root)")
        result = run_cli(MODULE, *build_args(source(tmp_path, ""), tmp_path))
        assert_clean_failure(result, exit_code=1, names=["cache_dir", "is not writable"])
    finally:
        cache.chmod(0o755)


def test_interrupt_stops_the_installer_and_cleans_up(tmp_path, silent_index):
    """Ctrl-C (SIGINT) during a stuck install: exit 130, installer killed, no scratch."""
    index, accepted = silent_index
    command = [sys.executable, "-m", MODULE, *build_args(source(tmp_path, "six==1.17.0\n"),
               tmp_path, "--installer", "uv")]  # fmt: skip
    env = {**os.environ, **FAST_UV, "PYTHONPATH": str(PROJECT_DIR), "UV_INDEX_URL": index}
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert accepted, "uv never connected to the index"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    result = subprocess.CompletedProcess(command, process.returncode, out, err)
    assert_clean_failure(result, exit_code=130, names=["interrupted"], secrets=[SECRET])
    assert closed(accepted[0])
    assert scratch_left(tmp_path) == []


# --- 4: the installer survives real networks -------------------------------------------------


def test_silent_index_hits_the_time_limit(tmp_path, silent_index):
    index, accepted = silent_index
    started = time.monotonic()
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path, "--installer", "uv"),
        env={**FAST_UV, "UV_INDEX_URL": index, INSTALL_TIMEOUT_ENV: "2"},
    )  # fmt: skip
    assert time.monotonic() - started < 25  # uv alone would wait UV_HTTP_TIMEOUT (30 s)
    error = assert_clean_failure(result, exit_code=1, names=[f"{INSTALL_TIMEOUT_ENV}=2 s"],
                                 secrets=[SECRET])  # fmt: skip
    assert "did not finish" in error
    assert f"uv started (limit 2 s, {INSTALL_TIMEOUT_ENV}" in result.stderr  # progress line
    assert accepted and closed(accepted[0])  # uv (its whole group) was killed
    assert scratch_left(tmp_path) == []


def test_bad_time_limit_names_the_variable(tmp_path):
    result = run_cli(MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path),
                     env={INSTALL_TIMEOUT_ENV: "soon"})  # fmt: skip
    assert_clean_failure(result, exit_code=1, names=[INSTALL_TIMEOUT_ENV, "'soon'"])


def test_tls_failure_falls_back_to_pip(tmp_path, untrusted_tls_index):
    """uv meets a certificate it does not trust; pip, configured (as pip.conf would) with a
    local wheel folder, installs. `auto` means: uv first, pip when pip may do better."""
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "tinypkg", "1.0", "py3-none-any")
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "tinypkg==1.0\n"), tmp_path, "--json"),
        env={**FAST_UV, "UV_INDEX_URL": untrusted_tls_index, "PIP_NO_INDEX": "1",
             "PIP_FIND_LINKS": str(wheels)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "uv failed (network or TLS" in result.stderr
    assert "retrying with pip" in result.stderr
    assert '"installer": "pip"' in result.stdout
    assert '"tinypkg==1.0"' in result.stdout


def test_explicit_uv_is_not_retried(tmp_path, untrusted_tls_index):
    result = run_cli(
        MODULE, *build_args(source(tmp_path, "six==1.17.0\n"), tmp_path, "--installer", "uv"),
        env={**FAST_UV, "UV_INDEX_URL": untrusted_tls_index},
    )  # fmt: skip
    assert result.returncode == 1
    assert "retrying with pip" not in result.stderr


@pytest.mark.parametrize(
    ("output", "env", "retried"),
    [
        ("error: Failed to fetch\n  cause: Connection refused (os error 111)", {}, True),
        ("error: invalid peer certificate: UnknownIssuer", {}, True),
        ("error: No solution found: six==9.9 does not exist", {}, False),
        (
            "error: No solution found: six==9.9 does not exist",
            {"PIP_INDEX_URL": "https://mirror.example/simple"},
            True,
        ),
        ("error: No space left on device (os error 28)", {"PIP_CERT": "/ca.pem"}, False),
    ],
)
def test_which_uv_failures_pip_may_survive(output, env, retried, tmp_path):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path),
           "PIP_CONFIG_FILE": os.devnull, **env}  # fmt: skip
    error = InstallerError(["uv", "pip", "install"], output)
    assert (should_retry_with_pip(error, env) is not None) is retried


def test_no_wheel_is_retried_only_when_pip_is_configured(tmp_path):
    error = NoWheelError("onlywin==1.0", "manylinux_2_34_aarch64 / CPython 3.13 (cp313)")
    bare = {"HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull}
    assert should_retry_with_pip(error, bare) is None
    conf = tmp_path / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("[global]\nindex-url = https://mirror.example/simple\n")
    assert str(conf) in (should_retry_with_pip(error, {"HOME": str(tmp_path)}) or "")


def test_build_cache_inside_the_source_is_refused(tmp_path):
    folder = source(tmp_path, "")
    result = run_cli(MODULE, "--source", str(folder), "--cache-dir", str(folder / "build"))
    assert_clean_failure(result, exit_code=1, names=["cache_dir", "inside the source folder"])
    assert not (folder / "build").exists()
