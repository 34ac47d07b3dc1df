"""The linear baseline at inference time: a scikit-learn pipeline stored with skops (no pickle).

The pipeline reads the `text` column of a DataFrame, so the same object serves `predict` here
and MLflow's DataFrame input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from inference.errors import ArtifactError
from inference.labels import LABELS
from inference.text import normalize

WEIGHTS = "model.skops"

# Every type a linear artifact may contain. skops refuses anything else, so a crafted file
# cannot make us construct arbitrary objects.
TRUSTED_TYPES = [
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "builtins.slice",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "collections.OrderedDict",
]


class LinearModel:
    """Word + character TF-IDF and logistic regression; `logits` columns follow LABELS."""

    kind = "linear"

    def __init__(self, pipeline: Any):
        self.pipeline = pipeline
        classes = list(pipeline.classes_)
        if sorted(classes) != sorted(LABELS):
            raise ArtifactError(f"pipeline classes {classes}, expected {list(LABELS)}")
        # sklearn orders classes_ itself; map them onto our label order explicitly.
        self._order = [classes.index(label) for label in LABELS]

    @classmethod
    def load(cls, folder: Path) -> "LinearModel":
        import skops.io as sio

        path = Path(folder) / WEIGHTS
        untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
        if untrusted:
            raise ArtifactError(f"{path}: contains types outside the linear model's allow-list: "
                                f"{', '.join(untrusted)}; refusing to load it")
        return cls(sio.load(path, trusted=TRUSTED_TYPES))

    def save(self, folder: Path) -> None:
        import skops.io as sio

        sio.dump(self.pipeline, Path(folder) / WEIGHTS)

    def logits(self, texts: list[str]) -> np.ndarray:
        """Log-probabilities, shape (n, 3), columns in LABELS order."""
        import pandas as pd

        frame = pd.DataFrame({"text": [normalize(t) for t in texts]})
        probs = self.pipeline.predict_proba(frame)[:, self._order]
        return np.log(np.clip(probs, 1e-12, 1.0))
