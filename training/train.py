"""`stance train`: config -> validated data -> fit -> metrics -> artifact -> MLflow run -> registry.

Read top to bottom; each step is a call into the module that owns it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from inference.artifact import write_manifest
from inference.artifact import ARTIFACT_KEY
from inference.loader import Classifier, load_classifier
from training import tracking
from training.config import ExperimentConfig, flatten
from training.data import dataset_info, load_splits
from training.metrics import classification_metrics, confusion

SCORED_SPLITS = ("train", "validation", "test", "contrast")


def fit(cfg: ExperimentConfig, texts: list[str], labels: list[str]) -> Classifier:
    if cfg.kind == "linear":
        from training.linear import fit_linear

        return fit_linear(texts, labels, cfg.linear, cfg.seed)
    raise ValueError(f"unknown kind {cfg.kind!r}")  # config validation makes this unreachable


def evaluate_splits(clf: Classifier, data) -> tuple[dict[str, float], dict[str, list[list[int]]]]:
    metrics: dict[str, float] = {}
    matrices: dict[str, list[list[int]]] = {}
    for split in SCORED_SPLITS:
        if split not in data:
            continue
        gold = data[split]["label"]
        pred = clf.predict(data[split]["text"])
        metrics.update({f"{split}_{k}": v for k, v in classification_metrics(gold, pred).items()})
        matrices[split] = confusion(gold, pred)
    return metrics, matrices


def train(cfg: ExperimentConfig, promote: bool = False) -> dict[str, Any]:
    """Train, track and register one model; returns run id, metrics, model URI and the alias decision."""
    data = load_splits(cfg.data.path)
    info = dataset_info(cfg.data.path)
    with tracking.run(cfg.tracking.experiment, cfg.name) as active:
        tracking.log_params(flatten(cfg))
        tracking.log_dataset(info, {split: data[split].to_pandas() for split in data})
        started = time.perf_counter()
        clf = fit(cfg, data["train"]["text"], data["train"]["label"])
        train_seconds = time.perf_counter() - started
        metrics, matrices = evaluate_splits(clf, data)
        metrics["train_seconds"] = train_seconds
        tracking.log_metrics(metrics)
        for split, matrix in matrices.items():
            tracking.log_confusion(split, matrix)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / ARTIFACT_KEY  # the folder's name is its path inside the MLflow model
            folder.mkdir()
            clf.save(folder)
            write_manifest(folder, kind=cfg.kind, config=flatten(cfg),
                           dataset={k: info[k] for k in ("name", "version", "hash")}, metrics=metrics)
            model_uri, version = tracking.log_model(folder, cfg.kind, cfg.tracking.registered_model,
                                                    data["validation"]["text"][:3])
        validation = data["validation"]

        def score_of(uri: str) -> float:
            other = load_classifier(uri)
            return classification_metrics(validation["label"], other.predict(validation["text"]))["macro_f1"]

        promoted, reason = tracking.promote_if_better(
            cfg.tracking.registered_model, cfg.tracking.alias, version, metrics["validation_macro_f1"],
            score_of, force=promote)
    return {"run_id": active.info.run_id, "metrics": metrics, "model_uri": model_uri, "version": version,
            "promoted": promoted, "reason": reason, "alias": cfg.tracking.alias,
            "registered_model": cfg.tracking.registered_model, "dataset": info}
