"""The registered model serves through `mlflow models serve --env-manager local` unchanged."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import small_dataset, write_config

pytestmark = pytest.mark.slow


def test_mlflow_models_serve_matches_in_process(tmp_path):
    import httpx

    from inference.loader import load_classifier
    from training.config import load_config
    from training.train import train

    result = train(load_config(write_config(tmp_path / "c.toml", small_dataset(tmp_path / "d"))))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mlflow_bin = shutil.which("mlflow", path=str(Path(sys.executable).parent))
    proc = subprocess.Popen([mlflow_bin, "models", "serve", "-m", result["model_uri"], "--env-manager", "local",
                             "--host", "127.0.0.1", "--port", str(port)],
                            # it execs `uvicorn` by name: the venv's bin must be on PATH
                            env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        text = "Moscow rejected Kyiv's account of the fighting as fake."
        r = httpx.post(f"http://127.0.0.1:{port}/invocations", timeout=60,
                       json={"dataframe_split": {"columns": ["text"], "data": [[text]]}})
        assert r.status_code == 200, r.text
        served = r.json()["predictions"][0]
        local = load_classifier(result["model_uri"])
        assert served["label"] == local.predict(text)[0]
        assert abs(served["disputed"] - float(local.predict_proba(text)[0, 1])) < 1e-6
    finally:
        proc.terminate()
        proc.wait(30)
