"""The same interface tests over every model kind: shapes, label order, save/load round trip.

Transformer kinds fine-tune or embed on a tiny slice on CPU (2 optimiser steps): slow, run in CI.
"""

import json

import numpy as np
import pytest

from conftest import small_dataset
from inference.artifact import write_manifest
from inference.labels import LABELS
from inference.loader import load_classifier
from training.config import EmbeddingsConfig, ExperimentConfig, LinearConfig, TransformerConfig
from training.train import calibrate, fit

TEXTS = ["Kyiv rejected Moscow's account.", "The governor said 12 civilians had died.",
         "Russian forces may have regained the village.", ""]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    import datasets

    folder = small_dataset(tmp_path_factory.mktemp("tiny"), {"train": 8, "validation": 3, "test": 1})
    return {s: datasets.load_dataset("json", data_files=str(folder / f"{s}.jsonl"), split="train")
            for s in ("train", "validation")}


KIND_PARAMS = [pytest.param("linear"), pytest.param("rule"),
               pytest.param("embeddings", marks=pytest.mark.slow), pytest.param("transformer", marks=pytest.mark.slow)]


@pytest.fixture(scope="module", params=KIND_PARAMS)
def saved(request, tiny, tmp_path_factory):
    cfg = ExperimentConfig(name="t", kind=request.param, seed=3, linear=LinearConfig(),
                           transformer=TransformerConfig(max_steps=2, batch_size=8, epochs=1, train_limit=32),
                           embeddings=EmbeddingsConfig())
    model = fit(cfg, tiny, "cpu", checkpoint_dir=str(tmp_path_factory.mktemp("ckpt")))
    calibration = calibrate(model, tiny["validation"])
    folder = tmp_path_factory.mktemp(request.param)
    model.save(folder)
    write_manifest(folder, kind=request.param, config={}, dataset={}, metrics={}, extra={"calibration": calibration})
    return request.param, model, folder


def test_probabilities_have_label_columns_and_sum_to_one(saved):
    kind, _, folder = saved
    clf = load_classifier(folder)
    assert clf.kind == kind and clf.labels == LABELS
    probs = clf.predict_proba(TEXTS)
    assert probs.shape == (4, 3) and np.allclose(probs.sum(axis=1), 1)
    assert clf.predict(TEXTS) == [LABELS[i] for i in probs.argmax(axis=1)]
    assert clf.predict("One sentence.") == clf.predict(["One sentence."])
    assert clf.predict_proba([]).shape == (0, 3)


def test_round_trip_gives_the_same_logits(saved):
    _, model, folder = saved
    assert np.allclose(load_classifier(folder).model.logits(TEXTS), model.logits(TEXTS), atol=1e-5)


def test_conformal_sets_contain_the_top_label(saved):
    clf = load_classifier(saved[2])
    for top, members in zip(clf.predict(TEXTS), clf.predict_set(TEXTS, 0.9)):
        assert set(members) <= set(LABELS)
        assert not members or top in members  # the top label enters first whenever anything does


def test_manifest_lists_every_weight_file(saved):
    kind, _, folder = saved
    files = json.loads((folder / "manifest.json").read_text())["files"]
    expected = {"linear": "linear.npz", "transformer": "model.safetensors", "embeddings": "head.safetensors"}.get(kind)
    assert expected is None or expected in files
    assert not any(name.endswith((".bin", ".pkl", ".pt", ".skops")) for name in files)
