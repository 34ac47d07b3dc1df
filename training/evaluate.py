"""Evaluation as pure functions: metrics with bootstrap confidence intervals, calibration, conformal
sets, slices, contrast consistency, the most confident mistakes, and the binary views that the
external benchmarks define. `stance evaluate` renders the result (training/report.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Sequence

import numpy as np

from inference.labels import LABEL2ID, LABELS
from inference.predictor import Classifier
from training.calibrate import expected_calibration_error, set_metrics
from training.metrics import classification_metrics, confusion

ATTRIBUTION = re.compile(r"\b(said|says|say|told|tells|according to|reported|reports|announced|stated|wrote|"
                         r"added|claimed|claims|alleged|insisted|denied|posted|per)\b", re.IGNORECASE)
BINARY = {  # external benchmarks: which label is "positive" and what the README asks for
    "shared:emergent": "disputed",
    "shared:conll2010-wiki": "speculative",
}


def _prf_from_counts(cm: np.ndarray) -> np.ndarray:
    """(..., 3, 3) confusion matrices -> (..., 3 labels, 3 [p, r, f1]) with zero where undefined."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(float)
    pred = cm.sum(axis=-2).astype(float)
    gold = cm.sum(axis=-1).astype(float)
    p = np.divide(tp, pred, out=np.zeros_like(tp), where=pred > 0)
    r = np.divide(tp, gold, out=np.zeros_like(tp), where=gold > 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)
    return np.stack([p, r, f], axis=-1)


def bootstrap_intervals(gold: Sequence[str], pred: Sequence[str], n: int = 1000, seed: int = 0,
                        level: float = 0.95) -> dict[str, tuple[float, float]]:
    """Percentile bootstrap CIs for macro-F1, accuracy and per-label P/R/F1 (resampling sentences)."""
    y = np.array([LABEL2ID[l] for l in gold])
    p = np.array([LABEL2ID[l] for l in pred])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(n, len(y)))
    flat = y[idx] * 3 + p[idx]
    cms = np.stack([np.bincount(row, minlength=9).reshape(3, 3) for row in flat])
    prf = _prf_from_counts(cms)
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out = {"macro_f1": tuple(np.percentile(prf[:, :, 2].mean(axis=1), [lo, hi])),
           "accuracy": tuple(np.percentile((y[idx] == p[idx]).mean(axis=1), [lo, hi]))}
    for i, label in enumerate(LABELS):
        for j, name in enumerate(("precision", "recall", "f1")):
            out[f"{name}_{label}"] = tuple(np.percentile(prf[:, i, j], [lo, hi]))
    return {k: (float(a), float(b)) for k, (a, b) in out.items()}


def binary_metrics(gold: Sequence[str], pred: Sequence[str], positive: str) -> dict[str, float]:
    """F1 of `positive` vs the rest, and accuracy where any other predicted label counts as wrong."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    g = [l == positive for l in gold]
    q = [l == positive for l in pred]
    return {f"binary_f1_{positive}": float(f1_score(g, q, zero_division=0)),
            f"binary_precision_{positive}": float(precision_score(g, q, zero_division=0)),
            f"binary_recall_{positive}": float(recall_score(g, q, zero_division=0)),
            "strict_accuracy": float(np.mean([a == b for a, b in zip(gold, pred)]))}


def slice_keys(row: dict[str, Any]) -> dict[str, str]:
    text = row["text"]
    words = len(text.split())
    headline = row.get("source") == "headlines-captions" or (not text.rstrip().endswith((".", "!", "?", '"', "'"))
                                                           and words <= 20)
    keys = {"length": "short (<15 words)" if words < 15 else "medium (15-30)" if words <= 30 else "long (>30)",
            "attribution": "attributed" if ATTRIBUTION.search(text) else "unattributed",
            "form": "headline/caption" if headline else "body"}
    if "source" in row:
        keys["source"] = str(row["source"])
    return keys


def slices(rows: list[dict[str, Any]], pred: Sequence[str], min_count: int = 10) -> dict[str, list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        for dim, value in slice_keys(row).items():
            groups[(dim, value)].append(i)
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (dim, value), idx in sorted(groups.items()):
        if len(idx) < min_count:
            continue
        m = classification_metrics([rows[i]["label"] for i in idx], [pred[i] for i in idx])
        out[dim].append({"value": value, "count": len(idx), "macro_f1": m["macro_f1"], "accuracy": m["accuracy"]})
    return dict(out)


def contrast_consistency(rows: list[dict[str, Any]], pred: Sequence[str]) -> dict[str, float] | None:
    """Share of contrast groups whose every rewrite is labelled right."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for row, p in zip(rows, pred):
        if "group" in row:
            groups[row["group"]].append(row["label"] == p)
    if not groups:
        return None
    return {"groups": len(groups), "fully_right": float(np.mean([all(v) for v in groups.values()]))}


def evaluate(clf: Classifier, dataset: dict[str, Any], coverage: float = 0.9, top_mistakes: int = 15) -> dict[str, Any]:
    """Everything a report shows, as plain data (JSON-serialisable)."""
    rows, gold = dataset["rows"], dataset["labels"]
    probs = clf.predict_proba(dataset["texts"])
    pred = [LABELS[i] for i in probs.argmax(axis=1)]
    result: dict[str, Any] = {
        "data": {"name": dataset["name"], "path": dataset["path"], "sentences": len(rows),
                 "label_counts": {l: gold.count(l) for l in LABELS}},
        "model": {"kind": clf.kind, "dataset": clf.manifest.get("dataset"), "config": clf.manifest.get("config"),
                  "manifest_metrics": {k: v for k, v in (clf.manifest.get("metrics") or {}).items()
                                       if k.startswith(("validation_", "test_"))}},
        "metrics": classification_metrics(gold, pred),
        "intervals": bootstrap_intervals(gold, pred),
        "confusion": confusion(gold, pred),
        "ece": expected_calibration_error(probs, gold),
        "reliability": reliability(probs, gold),
        "slices": slices(rows, pred),
        "contrast": contrast_consistency(rows, pred),
    }
    if dataset["name"] in BINARY:
        result["binary"] = binary_metrics(gold, pred, BINARY[dataset["name"]])
    if clf.conformal_scores:
        result["conformal"] = {"coverage_target": coverage,
                               **set_metrics(clf.predict_set([], coverage, probs=probs), gold)}
    conf = probs.max(axis=1)
    wrong = [i for i in np.argsort(-conf) if pred[i] != gold[i]][:top_mistakes]
    result["mistakes"] = [{"text": rows[i]["text"], "gold": gold[i], "pred": pred[i], "confidence": float(conf[i])}
                          for i in wrong]
    result["predictions"] = pred
    return result


def reliability(probs: np.ndarray, gold: Sequence[str], bins: int = 15) -> list[dict[str, float]]:
    """Per confidence bin: count, mean confidence, accuracy (the reliability diagram's points)."""
    y = np.array([LABEL2ID[l] for l in gold])
    conf, hit = probs.max(axis=1), (probs.argmax(axis=1) == y)
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            out.append({"lo": float(lo), "hi": float(hi), "count": int(mask.sum()),
                        "confidence": float(conf[mask].mean()), "accuracy": float(hit[mask].mean())})
    return out


def compare(gold: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str], n: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Paired bootstrap CI of macro-F1(B) - macro-F1(A), McNemar's exact test, per-label F1 deltas."""
    from statsmodels.stats.contingency_tables import mcnemar

    y = np.array([LABEL2ID[l] for l in gold])
    a = np.array([LABEL2ID[l] for l in pred_a])
    b = np.array([LABEL2ID[l] for l in pred_b])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(n, len(y)))

    def macro(p):
        cms = np.stack([np.bincount(row, minlength=9).reshape(3, 3) for row in y[idx] * 3 + p[idx]])
        return _prf_from_counts(cms)[:, :, 2].mean(axis=1)

    diffs = macro(b) - macro(a)
    ma, mb = classification_metrics(gold, pred_a), classification_metrics(gold, pred_b)
    ra, rb = a == y, b == y
    table = [[int((ra & rb).sum()), int((ra & ~rb).sum())], [int((~ra & rb).sum()), int((~ra & ~rb).sum())]]
    test = mcnemar(table, exact=True)
    lo, hi = (float(v) for v in np.percentile(diffs, [2.5, 97.5]))
    delta = mb["macro_f1"] - ma["macro_f1"]
    if lo > 0:
        verdict = f"B is better: macro-F1 +{delta:.3f} (95% CI {lo:+.3f} to {hi:+.3f}), McNemar p={test.pvalue:.3g}"
    elif hi < 0:
        verdict = f"A is better: macro-F1 {delta:+.3f} (95% CI {lo:+.3f} to {hi:+.3f}), McNemar p={test.pvalue:.3g}"
    else:
        verdict = f"no clear difference: macro-F1 {delta:+.3f} (95% CI {lo:+.3f} to {hi:+.3f}), McNemar p={test.pvalue:.3g}"
    return {"macro_f1_a": ma["macro_f1"], "macro_f1_b": mb["macro_f1"], "delta": delta, "ci": (lo, hi),
            "mcnemar": {"table": table, "statistic": float(test.statistic), "pvalue": float(test.pvalue)},
            "per_label_f1_delta": {l: mb[f"f1_{l}"] - ma[f"f1_{l}"] for l in LABELS}, "verdict": verdict}
