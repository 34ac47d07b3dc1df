"""Fit the linear baseline: word and character TF-IDF into logistic regression, on the `text` column.

Training uses scikit-learn; the shipped predictor does not. `export_pipeline` copies what the fitted
pipeline learned (analyzer settings, vocabularies, idf, coefficients) into `inference.linear`'s
numpy scorer, which reproduces `predict_proba` without importing scikit-learn (see that module).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inference.cues import FEATURE_VOCABULARY, frame_features
from inference.linear import ANALYZERS, NORMS, Block, LinearModel
from inference.text import normalize
from training.config import LinearConfig


def build_pipeline(cfg: LinearConfig, seed: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    # ColumnTransformer picks the `text` column by name: a bare vectorizer would iterate over a
    # DataFrame's column names instead of its rows.
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
    if cfg.frame_weight > 0:
        # Which cue families occur together ("claimed" with "but", "not" with "confirmed"):
        # interactions a sum of n-gram weights cannot express.
        blocks.append(("frame", CountVectorizer(analyzer=frame_features, binary=True, lowercase=False), "text"))
        weights["frame"] = cfg.frame_weight
    features = ColumnTransformer(blocks, transformer_weights=weights)
    model = LogisticRegression(C=cfg.C, max_iter=cfg.max_iter, random_state=seed,
                               class_weight=None if cfg.class_weight == "none" else cfg.class_weight)
    return Pipeline([("features", features), ("clf", model)])


def fit_pipeline(texts: Sequence[str], labels: Sequence[str], cfg: LinearConfig, seed: int):
    """The fitted scikit-learn pipeline, on texts normalised exactly as at inference."""
    import pandas as pd

    pipeline = build_pipeline(cfg, seed)
    pipeline.fit(pd.DataFrame({"text": [normalize(t) for t in texts]}), list(labels))
    return pipeline


def fit_linear(texts: Sequence[str], labels: Sequence[str], cfg: LinearConfig, seed: int) -> LinearModel:
    """Fit on raw texts and return the shipped predictor (the numpy scorer of the fitted pipeline)."""
    return export_pipeline(fit_pipeline(texts, labels, cfg, seed))


def _unsupported(name: str, what: str, value: Any) -> ValueError:
    return ValueError(f"block {name!r}: {what}={value!r} is not reproduced by inference.linear; "
                      "extend its scorer (and tests/test_linear.py) before training with it")


def export_pipeline(pipeline) -> LinearModel:
    """The numpy scorer equal to `pipeline.predict_proba`, for a pipeline made by `build_pipeline`.

    Refuses any setting the scorer does not reproduce, rather than shipping a model that would
    silently score differently from the one evaluated here.
    """
    features, clf = pipeline.named_steps["features"], pipeline.named_steps["clf"]
    if getattr(clf, "coef_", None) is None or clf.coef_.shape[0] != len(clf.classes_):
        raise ValueError(f"expected a fitted multinomial logistic regression over {len(clf.classes_)} classes")
    weights = features.transformer_weights or {}
    blocks = []
    for name, vectorizer, column in features.transformers_:
        if name == "remainder":
            if vectorizer != "drop":
                raise _unsupported(name, "remainder", vectorizer)
            continue
        if column != "text":
            raise _unsupported(name, "column", column)
        params = vectorizer.get_params()
        for key, ok in (("input", "content"), ("strip_accents", None), ("preprocessor", None),
                        ("tokenizer", None), ("stop_words", None)):
            if params[key] != ok:
                raise _unsupported(name, key, params[key])
        analyzer = "frame" if params["analyzer"] is frame_features else params["analyzer"]
        if analyzer not in ANALYZERS:
            raise _unsupported(name, "analyzer", params["analyzer"])
        tfidf = "use_idf" in params  # a TfidfVectorizer; a CountVectorizer gives raw counts
        norm = params.get("norm")
        if norm not in NORMS:
            raise _unsupported(name, "norm", norm)
        if sorted(vectorizer.vocabulary_.values()) != list(range(len(vectorizer.vocabulary_))):
            raise _unsupported(name, "vocabulary_", "column ids other than 0..n-1")
        blocks.append(Block(name=name, analyzer=analyzer, ngram_range=tuple(params["ngram_range"]),
                            vocabulary={t: int(i) for t, i in vectorizer.vocabulary_.items()},
                            lowercase=bool(params["lowercase"]), token_pattern=params["token_pattern"],
                            binary=bool(params["binary"]), sublinear_tf=bool(params.get("sublinear_tf", False)),
                            norm=norm if tfidf else None, weight=float(weights.get(name, 1.0)),
                            idf=vectorizer.idf_.astype("float64") if tfidf and params.get("use_idf") else None))
    return LinearModel(blocks, clf.coef_, clf.intercept_, [str(c) for c in clf.classes_])
