"""Shared fixtures: every test gets its own MLflow store, model cache and working directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

ROOT = Path(__file__).resolve().parent.parent
DATASET = ROOT / "datasets" / "kursk"
SHARED = ROOT.parent / "shared"

# Hypothesis keeps its caches and failing examples in a folder; keep it with pytest's cache rather
# than writing .hypothesis/ into the repo root.
set_hypothesis_home_dir(ROOT / ".pytest_cache" / "hypothesis")


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """MLflow, the model cache and the cwd all point into tmp_path; nothing leaks between tests."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("STANCE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf"))
    yield tmp_path


def small_dataset(target: Path, docs_per_split: dict[str, int] | None = None) -> Path:
    """A subset of the shipped dataset (whole documents), quick to train on."""
    docs_per_split = docs_per_split or {"train": 30, "validation": 6, "test": 6}
    target.mkdir(parents=True, exist_ok=True)
    for split, n in docs_per_split.items():
        rows = [json.loads(l) for l in (DATASET / f"{split}.jsonl").read_text().splitlines() if l.strip()]
        keep = list(dict.fromkeys(r["doc_id"] for r in rows))[:n]
        (target / f"{split}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["doc_id"] in keep))
    (target / "dataset.json").write_text(json.dumps({"name": "kursk-small", "version": "test"}))
    return target


def write_config(path: Path, data: Path, **linear) -> Path:
    lines = ['name = "test"', 'kind = "linear"', "seed = 1", "[data]", f'path = "{data}"', "[linear]"]
    lines += [f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in linear.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """A linear model folder (manifest + linear.json + linear.npz), trained once per session without MLflow."""
    from inference.artifact import write_manifest
    from training.config import LinearConfig
    from training.linear import fit_linear

    data = small_dataset(tmp_path_factory.mktemp("data"))
    rows = [json.loads(l) for l in (data / "train.jsonl").read_text().splitlines()]
    clf = fit_linear([r["text"] for r in rows], [r["label"] for r in rows], LinearConfig(), seed=1)
    folder = tmp_path_factory.mktemp("model")
    clf.save(folder)
    write_manifest(folder, kind="linear", config={}, dataset={"name": "kursk-small"}, metrics={})
    return folder


def stance(*args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `stance` console script."""
    exe = shutil.which("stance", path=str(Path(sys.executable).parent)) or "stance"
    return subprocess.run([exe, *args], input=input, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
