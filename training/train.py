"""`stance train`: config -> validated data -> fit -> calibrate -> metrics -> artifact -> MLflow -> registry.

Read top to bottom; each step is a call into the module that owns it. Every model kind goes
through the same path; only `fit` knows the kinds apart.
"""

from __future__ import annotations

import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from inference.artifact import ARTIFACT_KEY, write_manifest
from inference.loader import load_classifier
from inference.predictor import Classifier
from training import tracking
from training.calibrate import conformal_scores, expected_calibration_error, fit_temperature, set_metrics
from training.config import ExperimentConfig, flatten
from training.data import dataset_info, load_splits
from training.metrics import classification_metrics, confusion

SCORED_SPLITS = ("train", "validation", "test", "contrast")
COVERAGE = 0.9


def fit(cfg: ExperimentConfig, data, device: str, on_epoch=None, checkpoint_dir=None, resume=False):
    """Train the model of cfg.kind; returns a model with `logits(texts)` and `save(folder)`."""
    train, val = data["train"], data["validation"]
    if cfg.kind == "linear":
        from training.linear import fit_linear

        return fit_linear(train["text"], train["label"], cfg.linear, cfg.seed)
    if cfg.kind == "transformer":
        from training.transformer import fit_transformer

        return fit_transformer(train["text"], train["label"], val["text"], val["label"], cfg.transformer, cfg.seed,
                               device, on_epoch=on_epoch, checkpoint_dir=checkpoint_dir, resume=resume,
                               on_resume=lambda path: tracking.set_tags({"resumed_from": path}))
    if cfg.kind == "embeddings":
        from training.embeddings import fit_embeddings

        return fit_embeddings(train["text"], train["label"], cfg.embeddings, cfg.transformer, cfg.seed, device)
    from inference.rule import RuleModel

    return RuleModel()


def calibrate(model, validation) -> dict[str, Any]:
    """Temperature and conformal scores from the validation split; ECE before and after."""
    logits = model.logits(list(validation["text"]))
    labels = list(validation["label"])
    raw = Classifier(model)
    before = expected_calibration_error(raw.predict_proba(list(validation["text"])), labels)
    temperature = fit_temperature(logits, labels)
    from inference.predictor import softmax

    probs = softmax(logits, temperature)
    return {"temperature": temperature, "conformal_scores": conformal_scores(probs, labels),
            "ece_before": before, "ece_after": expected_calibration_error(probs, labels)}


def evaluate_splits(clf: Classifier, data) -> tuple[dict[str, float], dict[str, list[list[int]]]]:
    metrics: dict[str, float] = {}
    matrices: dict[str, list[list[int]]] = {}
    for split in SCORED_SPLITS:
        if split not in data:
            continue
        gold = list(data[split]["label"])
        probs = clf.predict_proba(list(data[split]["text"]))
        pred = [clf.labels[i] for i in probs.argmax(axis=1)]
        m = classification_metrics(gold, pred)
        m["ece"] = expected_calibration_error(probs, gold)
        if clf.conformal_scores:
            s = set_metrics(clf.predict_set([], COVERAGE, probs=probs), gold)
            m["coverage_90"], m["set_size_90"] = s["coverage"], s["set_size"]
        metrics.update({f"{split}_{k}": v for k, v in m.items()})
        matrices[split] = confusion(gold, pred)
    return metrics, matrices


def fit_and_log(cfg: ExperimentConfig, data, info: dict[str, Any], device: str, resume: bool = False) -> dict[str, Any]:
    """Inside an active run: fit, calibrate, evaluate, log, and log the model (not yet registered)."""
    tracking.log_params({**flatten(cfg), "device": device})
    tracking.log_dataset(info, {split: data[split].to_pandas() for split in data})
    started = time.perf_counter()
    model = fit(cfg, data, device, on_epoch=tracking.log_epoch, resume=resume,
                checkpoint_dir=str(Path(".stance") / "checkpoints" / f"{cfg.name}-seed{cfg.seed}"))
    train_seconds = time.perf_counter() - started
    calibration = calibrate(model, data["validation"])
    clf = Classifier(model, {"calibration": calibration})
    metrics, matrices = evaluate_splits(clf, data)
    metrics.update(train_seconds=train_seconds, temperature=calibration["temperature"],
                   validation_ece_before=calibration["ece_before"], validation_ece_after=calibration["ece_after"])
    tracking.log_metrics(metrics)
    for split, matrix in matrices.items():
        tracking.log_confusion(split, matrix)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ARTIFACT_KEY  # the folder's name is its path inside the MLflow model
        folder.mkdir()
        model.save(folder)
        write_manifest(folder, kind=cfg.kind, config=flatten(cfg),
                       dataset={k: info[k] for k in ("name", "version", "hash")}, metrics=metrics,
                       extra={"calibration": calibration})
        logged_uri = tracking.log_model(folder, cfg.kind, data["validation"]["text"][:3])
    return {"metrics": metrics, "logged_uri": logged_uri}


def train(cfg: ExperimentConfig, promote: bool = False, device: str = "auto", seeds: int = 1,
          resume: bool = False) -> dict[str, Any]:
    """Train (over `seeds` seeds as nested runs), register the best, and move the alias if it wins."""
    from inference.encoder import pick_device

    device = pick_device(device) if cfg.kind in ("transformer", "embeddings") else "cpu"
    data = load_splits(cfg.data.path)
    info = dataset_info(cfg.data.path)
    with tracking.run(cfg.tracking.experiment, cfg.name) as active:
        if seeds == 1:
            best = fit_and_log(cfg, data, info, device, resume)
            runs = [best]
        else:
            runs = []
            for i in range(seeds):
                child_cfg = dataclasses.replace(cfg, seed=cfg.seed + i)
                with tracking.child_run(f"{cfg.name}-seed{child_cfg.seed}"):
                    runs.append(fit_and_log(child_cfg, data, info, device, resume))
            tracking.log_seed_summary([r["metrics"] for r in runs], seeds)
            best = max(runs, key=lambda r: r["metrics"]["validation_macro_f1"])
        validation = data["validation"]

        def score_of(uri: str) -> float:
            other = load_classifier(uri)
            return classification_metrics(validation["label"], other.predict(validation["text"]))["macro_f1"]

        registered = tracking.register_and_promote(best["logged_uri"], cfg.tracking.registered_model,
                                                   cfg.tracking.alias, best["metrics"]["validation_macro_f1"],
                                                   score_of, force=promote)
    summary = {}
    if seeds > 1:
        for key in ("validation_macro_f1", "test_macro_f1", "contrast_macro_f1"):
            values = [r["metrics"][key] for r in runs if key in r["metrics"]]
            if len(values) > 1:  # a dataset without contrast.jsonl has no contrast metrics
                summary[key] = (statistics.mean(values), statistics.stdev(values))
    return {"run_id": active.info.run_id, "metrics": best["metrics"], **registered, "alias": cfg.tracking.alias,
            "device": device,
            "registered_model": cfg.tracking.registered_model, "dataset": info, "seeds": summary}
