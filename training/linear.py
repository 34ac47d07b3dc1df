"""Fit the linear baseline: word and character TF-IDF into logistic regression, on the `text` column."""

from __future__ import annotations

from typing import Sequence

from inference.cues import FEATURE_VOCABULARY
from inference.linear import LinearModel
from inference.text import normalize
from training.config import LinearConfig


def build_pipeline(cfg: LinearConfig, seed: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    # ColumnTransformer picks the `text` column by name: a bare vectorizer would iterate over a
    # DataFrame's column names instead of its rows (which is what MLflow passes).
    blocks = [
        ("word", TfidfVectorizer(ngram_range=(1, cfg.word_ngram_max), min_df=cfg.min_df, sublinear_tf=True,
                                 lowercase=True), "text"),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(cfg.char_ngram_min, cfg.char_ngram_max),
                                 min_df=cfg.min_df, sublinear_tf=True, lowercase=True), "text"),
    ]
    weights = {"word": 1.0, "char": 1.0}
    if cfg.cue_weight > 0:
        # Presence of each spec cue, unnormalised: a hedge keeps its weight in a 50-word sentence.
        blocks.append(("cue", CountVectorizer(vocabulary=list(FEATURE_VOCABULARY), ngram_range=(1, 4), binary=True,
                                              lowercase=True, token_pattern=r"(?u)\b[\w-]+\b"), "text"))
        weights["cue"] = cfg.cue_weight
    features = ColumnTransformer(blocks, transformer_weights=weights)
    model = LogisticRegression(C=cfg.C, max_iter=cfg.max_iter, random_state=seed,
                               class_weight=None if cfg.class_weight == "none" else cfg.class_weight)
    return Pipeline([("features", features), ("clf", model)])


def fit_linear(texts: Sequence[str], labels: Sequence[str], cfg: LinearConfig, seed: int) -> LinearModel:
    """Fit on raw texts (normalised here exactly as at inference) and return the shipped predictor."""
    import pandas as pd

    pipeline = build_pipeline(cfg, seed)
    pipeline.fit(pd.DataFrame({"text": [normalize(t) for t in texts]}), list(labels))
    return LinearModel(pipeline)
