"""The cheap middle model: frozen MiniLM embeddings + logistic regression (scikit-learn)."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from inference.embeddings import EmbeddingModel
from inference.labels import LABELS
from training.config import EmbeddingsConfig, TransformerConfig
from training.transformer import base_model_path


def fit_embeddings(texts: Sequence[str], labels: Sequence[str], cfg: EmbeddingsConfig, tcfg: TransformerConfig,
                   seed: int, device: str) -> EmbeddingModel:
    from sklearn.linear_model import LogisticRegression
    from transformers import AutoModel, AutoTokenizer

    base = base_model_path(tcfg.base_model)
    encoder = AutoModel.from_pretrained(base, local_files_only=True)
    model = EmbeddingModel(encoder, AutoTokenizer.from_pretrained(base, local_files_only=True),
                           np.zeros((len(LABELS), 1)), np.zeros(len(LABELS)), max_length=tcfg.max_length, device=device)
    X = model.embed(list(texts))
    lr = LogisticRegression(C=cfg.C, max_iter=3000, class_weight="balanced", random_state=seed).fit(X, list(labels))
    order = [list(lr.classes_).index(l) for l in LABELS]  # sklearn's class order -> ours
    model.coef, model.intercept = lr.coef_[order], lr.intercept_[order]
    return model
