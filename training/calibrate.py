"""Calibration on validation data: temperature scaling, expected calibration error, conformal scores.

>>> round(expected_calibration_error(np.array([[0.9, 0.1, 0.0]]), ["asserted"]), 3)
0.1
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from inference.labels import LABEL2ID
from inference.predictor import softmax


def fit_temperature(logits: np.ndarray, labels: Sequence[str]) -> float:
    """The temperature T > 0 that minimises validation negative log-likelihood of softmax(logits / T)."""
    from scipy.optimize import minimize_scalar

    y = np.array([LABEL2ID[l] for l in labels])

    def nll(log_t: float) -> float:
        p = softmax(logits, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())

    return float(np.exp(minimize_scalar(nll, bounds=(-4.0, 4.0), method="bounded").x))


def expected_calibration_error(probs: np.ndarray, labels: Sequence[str], bins: int = 15) -> float:
    """Top-label ECE with equal-width confidence bins."""
    y = np.array([LABEL2ID[l] for l in labels])
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def conformal_scores(probs: np.ndarray, labels: Sequence[str]) -> list[float]:
    """Nonconformity 1 - p(true label) on calibration data, sorted (the manifest stores these)."""
    y = np.array([LABEL2ID[l] for l in labels])
    return sorted(float(s) for s in 1.0 - probs[np.arange(len(y)), y])


def set_metrics(sets: list[list[str]], labels: Sequence[str]) -> dict[str, float]:
    """Empirical coverage and mean size of prediction sets."""
    return {"coverage": float(np.mean([l in s for s, l in zip(sets, labels)])),
            "set_size": float(np.mean([len(s) for s in sets]))}
