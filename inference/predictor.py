"""One predictor interface over every model kind, with calibration and conformal sets.

Each kind (linear, transformer, embeddings, rule) only turns texts into raw scores (logits, or
log-probabilities), shape (n, 3) in LABELS order. `Classifier` adds what all kinds share:
temperature-scaled probabilities, labels, and split-conformal prediction sets, all from the
manifest's `calibration` block (fitted on validation data at training time).

>>> clf = Classifier(model, manifest)                   # doctest: +SKIP
>>> clf.predict_set(["Kyiv may have pulled back."], coverage=0.9)   # doctest: +SKIP
[['speculative']]
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from inference.errors import StanceError
from inference.labels import LABELS


class Model(Protocol):
    kind: str

    def logits(self, texts: list[str]) -> np.ndarray: ...


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of scores / temperature, numerically stable."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def conformal_threshold(scores: list[float] | np.ndarray, coverage: float) -> float:
    """Split-conformal quantile of nonconformity scores (1 - p_true) for the given coverage.

    >>> conformal_threshold([0.1, 0.2, 0.3, 0.4], 0.5)
    0.3
    """
    s = np.sort(np.asarray(scores, dtype=np.float64))
    n = len(s)
    k = math.ceil((n + 1) * coverage)
    return float("inf") if k > n else float(s[k - 1])


class Classifier:
    """predict / predict_proba / predict_set for any model kind; columns follow LABELS."""

    labels = LABELS

    def __init__(self, model: Model, manifest: dict[str, Any] | None = None):
        self.model = model
        self.manifest = manifest or {}
        calibration = self.manifest.get("calibration") or {}
        self.temperature = float(calibration.get("temperature", 1.0))
        self.conformal_scores = calibration.get("conformal_scores")

    @property
    def kind(self) -> str:
        return self.model.kind

    def predict_proba(self, texts: str | list[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n, 3), columns in LABELS order."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return np.zeros((0, len(LABELS)))
        return softmax(self.model.logits(texts), self.temperature)

    def predict(self, texts: str | list[str]) -> list[str]:
        return [LABELS[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def predict_set(self, texts: str | list[str], coverage: float = 0.9, probs: np.ndarray | None = None) -> list[list[str]]:
        """Labels whose probability clears the conformal threshold: the true label is inside
        with probability >= coverage (on data like the validation set)."""
        if not self.conformal_scores:
            raise StanceError(f"this {self.kind} model has no conformal calibration; retrain it with `stance train`")
        if not 0 < coverage < 1:
            raise StanceError(f"coverage {coverage!r} must be between 0 and 1 (e.g. 0.9)")
        q = conformal_threshold(self.conformal_scores, coverage)
        probs = self.predict_proba(texts) if probs is None else probs
        # The tolerance keeps ties (models with few distinct scores) inside the set, as the
        # conformal guarantee assumes; float noise would otherwise drop them.
        return [[l for l, p in zip(LABELS, row) if 1 - p <= q + 1e-9] for row in probs]
