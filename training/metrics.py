"""Classification metrics as pure functions over label lists (scikit-learn underneath).

>>> m = classification_metrics(["asserted", "disputed"], ["asserted", "asserted"])
>>> m["accuracy"], m["f1_disputed"]
(0.5, 0.0)
"""

from __future__ import annotations

from typing import Sequence

from inference.labels import LABELS


def classification_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, float]:
    """accuracy, macro_f1, and precision/recall/f1 per label (zero where a label is never predicted)."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS), zero_division=0)
    out = {"accuracy": float(accuracy_score(y_true, y_pred)),
           "macro_f1": float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro", zero_division=0))}
    for i, label in enumerate(LABELS):
        out[f"precision_{label}"] = float(p[i])
        out[f"recall_{label}"] = float(r[i])
        out[f"f1_{label}"] = float(f[i])
    return out


def confusion(y_true: Sequence[str], y_pred: Sequence[str]) -> list[list[int]]:
    """Rows are true labels, columns predicted, both in LABELS order."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()
