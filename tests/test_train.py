"""`stance train` into a tmp_path MLflow store: params, inputs, metrics, registry and the champion alias;
the same config and seed train the same model again."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from conftest import small_dataset, write_config
from inference.labels import LABELS
from inference.loader import load_classifier
from training.config import ExperimentConfig, LinearConfig, TransformerConfig, load_config
from training.data import load_splits
from training.metrics import classification_metrics
from training.train import fit, train

pytestmark = pytest.mark.slow


@pytest.fixture
def data(tmp_path):
    return small_dataset(tmp_path / "data")


def test_train_tracks_registers_and_promotes(tmp_path, data):
    result = train(load_config(write_config(tmp_path / "c.toml", data)))
    client = MlflowClient()
    run = client.get_run(result["run_id"])
    assert run.data.params["linear.C"] == str(LinearConfig().C) and run.data.params["data.path"] == str(data)
    for split in ("train", "validation", "test"):
        assert 0 <= run.data.metrics[f"{split}_macro_f1"] <= 1
        assert {f"{split}_f1_{l}" for l in ("asserted", "disputed", "speculative")} <= set(run.data.metrics)
    assert run.data.tags["dataset.version"] == "test" and len(run.data.tags["dataset.hash"]) == 64
    assert {i.dataset.name for i in run.inputs.dataset_inputs} == {"kursk-small@test"}
    artifacts = {a.path for a in client.list_artifacts(result["run_id"], "confusion")}
    assert "confusion/validation.png" in artifacts and "confusion/test.json" in artifacts
    assert result["promoted"] and result["version"] == "1"
    assert str(client.get_model_version_by_alias("claim-stance", "champion").version) == "1"

    model = mlflow.pyfunc.load_model("models:/claim-stance@champion")
    out = model.predict(pd.DataFrame({"text": ["Moscow rejected the report as fake.", "Troops crossed."]}))
    assert list(out.columns) == ["label", "asserted", "disputed", "speculative"] and len(out) == 2
    clf = load_classifier("models:/claim-stance@champion")
    assert list(out["label"]) == clf.predict(["Moscow rejected the report as fake.", "Troops crossed."])
    assert clf.manifest["dataset"]["name"] == "kursk-small"


def test_worse_model_does_not_take_champion_unless_forced(tmp_path, data):
    good = train(load_config(write_config(tmp_path / "good.toml", data)))
    # Almost no regularisation budget: the model predicts one class, so its macro-F1 is far lower.
    worse_cfg = load_config(write_config(tmp_path / "worse.toml", data, C=1e-6, class_weight="none"))
    worse = train(worse_cfg)
    assert worse["metrics"]["validation_macro_f1"] < good["metrics"]["validation_macro_f1"]
    assert not worse["promoted"] and "kept models:/claim-stance/1" in worse["reason"]
    client = MlflowClient()
    assert str(client.get_model_version_by_alias("claim-stance", "champion").version) == good["version"]
    forced = train(worse_cfg, promote=True)
    assert forced["promoted"]
    assert str(client.get_model_version_by_alias("claim-stance", "champion").version) == forced["version"]


def test_runs_uri_and_version_uri_load(tmp_path, data):
    result = train(load_config(write_config(tmp_path / "c.toml", data)))
    assert load_classifier(result["model_uri"]).predict("Kyiv denied it.")[0] in ("asserted", "disputed", "speculative")


def test_seeds_run_nested_and_log_mean_and_std(tmp_path, data):
    result = train(load_config(write_config(tmp_path / "c.toml", data)), seeds=2)
    client = MlflowClient()
    parent = client.get_run(result["run_id"])
    assert parent.data.params["seeds"] == "2"
    assert {"validation_macro_f1_mean", "validation_macro_f1_std", "test_macro_f1_mean"} <= set(parent.data.metrics)
    children = client.search_runs([parent.info.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{result['run_id']}'")
    assert sorted(c.data.params["seed"] for c in children) == ["1", "2"]
    assert set(result["seeds"]) >= {"validation_macro_f1", "test_macro_f1"}


def test_same_config_and_seed_give_identical_linear_predictions(tmp_path, data):
    cfg = load_config(write_config(tmp_path / "c.toml", data))
    texts = [json.loads(line)["text"] for line in (data / "test.jsonl").read_text().splitlines()]
    first, second = (fit(cfg, load_splits(data), "cpu").logits(texts) for _ in range(2))
    assert np.array_equal(first, second)


def test_same_config_and_seed_give_the_same_transformer_f1_on_cpu(tmp_path):
    tiny = small_dataset(tmp_path / "tiny", {"train": 8, "validation": 3, "test": 1})
    cfg = ExperimentConfig(name="d", kind="transformer", seed=7, transformer=TransformerConfig(
        epochs=1, batch_size=8, train_limit=64, max_length=64))
    splits = load_splits(tiny)
    gold = list(splits["validation"]["label"])
    scores = []
    for attempt in range(2):
        model = fit(cfg, splits, "cpu", checkpoint_dir=str(tmp_path / f"ckpt{attempt}"))
        pred = [LABELS[i] for i in model.logits(list(splits["validation"]["text"])).argmax(axis=1)]
        scores.append(classification_metrics(gold, pred)["macro_f1"])
    assert abs(scores[0] - scores[1]) <= 0.002, scores
