"""`stance serve`: the real console script on a loopback port, and its options in process (the app
it builds, the address it binds, the key it requires) with `uvicorn.run` stubbed out."""

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import stance
from inference.cli import main
from inference.labels import LABELS
from test_server import wait_ready


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def stance_serve(model_dir: Path, log_path: Path, *args: str, env: dict | None = None):
    """`stance serve --model <model_dir> --port <free port> *args` as a process, once /readyz says
    so; yields (base URL, port, process) and terminates it afterwards."""
    port, exe = free_port(), shutil.which("stance", path=str(Path(sys.executable).parent)) or "stance"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([exe, "serve", "--model", str(model_dir), "--port", str(port), *args], stdout=log,
                                stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, port, proc
    finally:
        proc.terminate()
        proc.wait(10)


def listening_on(port: int) -> set[str]:
    """The local addresses with a socket listening on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # The kernel prints each 32-bit word of the address in host (little-endian) order.
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads the listening sockets from Linux /proc")
def test_stance_serve_listens_on_loopback_only_and_wants_the_key(model_dir, tmp_path):
    with stance_serve(model_dir, tmp_path / "serve.log", env={"STANCE_API_KEY": "k3y"}) as (base, port, _):
        assert listening_on(port) == {"127.0.0.1"}
        body = {"sentences": ["Moscow denied the report."]}
        r = httpx.post(f"{base}/v1/classify", json=body, headers={"Authorization": "Bearer k3y"}, timeout=10)
        assert r.status_code == 200 and r.json()["results"][0]["label"] in LABELS
        for headers in ({}, {"Authorization": "Bearer k3y-not"}, {"Authorization": "Bearer"}):
            assert httpx.post(f"{base}/v1/classify", json=body, headers=headers, timeout=10).status_code == 401
            assert httpx.get(f"{base}/v1/model", headers=headers, timeout=10).status_code == 401
        assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200


def test_stance_serve_with_a_missing_model_is_a_one_line_error(tmp_path):
    result = stance("serve", "--model", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no such file or folder" in result.stderr


# ---- the options, in process ----

@pytest.fixture
def served(monkeypatch):
    """`uvicorn.run` replaced by a recorder of the app, host and port `stance serve` would serve."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append({"app": app, **kwargs}))
    monkeypatch.delenv("STANCE_API_KEY", raising=False)
    return calls


def status_with(app, authorization: str | None) -> int:
    headers = {} if authorization is None else {"Authorization": authorization}
    with TestClient(app) as c:
        wait_ready(c)
        return c.post("/v1/classify", json={"sentences": ["Kyiv denied it."]}, headers=headers).status_code


def test_serve_binds_127_0_0_1_port_8000_without_a_key_by_default(model_dir, served, capsys):
    assert main(["serve", "--model", str(model_dir)]) == 0
    (call,) = served
    assert (call["host"], call["port"]) == ("127.0.0.1", 8000)
    assert status_with(call["app"], None) == 200
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("flag, env, accepted, refused", [
    ("flag-key", None, "Bearer flag-key", [None, "Bearer wrong", "flag-key", "Bearer env-key"]),
    (None, "env-key", "Bearer env-key", [None, "Bearer wrong", "Basic env-key"]),
    ("flag-key", "env-key", "Bearer flag-key", [None, "Bearer env-key"]),  # the flag wins
])
def test_a_key_from_the_flag_or_the_environment_is_required(model_dir, served, monkeypatch, flag, env, accepted,
                                                            refused):
    if env is not None:
        monkeypatch.setenv("STANCE_API_KEY", env)
    assert main(["serve", "--model", str(model_dir), *(["--api-key", flag] if flag else [])]) == 0
    (call,) = served
    assert status_with(call["app"], accepted) == 200
    assert [status_with(call["app"], header) for header in refused] == [401] * len(refused)


def test_another_host_without_a_key_is_served_with_a_warning(model_dir, served, capsys):
    assert main(["serve", "--model", str(model_dir), "--host", "0.0.0.0", "--port", "8123"]) == 0
    assert (served[0]["host"], served[0]["port"]) == ("0.0.0.0", 8123)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning: serving on 0.0.0.0 without an API key" in err
    assert main(["serve", "--model", str(model_dir), "--host", "0.0.0.0", "--api-key", "k"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("args, message", [
    (["--api-key", "has space"], "the API key must be non-empty printable ASCII"),
    (["--port", "70000"], "--port 70000 is not a TCP port"),
])
def test_bad_options_are_one_line_errors_before_anything_is_loaded(served, capsys, tmp_path, args, message):
    # The model does not exist: the option is refused before any load is tried.
    assert main(["serve", "--model", str(tmp_path / "nope"), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not served
