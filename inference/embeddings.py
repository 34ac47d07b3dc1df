"""The cheap middle model: frozen MiniLM sentence embeddings (mean pooling, unit length) into a
logistic regression whose weights are stored as safetensors (`head.safetensors`: coef, intercept).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from inference.encoder import batched, load_tokenizer, pick_device
from inference.text import normalize

HEAD = "head.safetensors"
ENCODER = "encoder"


def mean_pool(last_hidden, attention_mask):
    mask = attention_mask.unsqueeze(-1).to(last_hidden.dtype)
    pooled = (last_hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return pooled / pooled.norm(dim=1, keepdim=True).clamp(min=1e-9)


class EmbeddingModel:
    kind = "embeddings"

    def __init__(self, encoder, tokenizer, coef: np.ndarray, intercept: np.ndarray, *, max_length: int = 128,
                 batch_size: int = 64, device: str = "cpu"):
        self.encoder = encoder.eval().to(device)
        self.tokenizer = tokenizer
        self.coef = coef          # (3, d), rows in LABELS order
        self.intercept = intercept  # (3,)
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "EmbeddingModel":
        from safetensors.numpy import load_file
        from transformers import AutoModel

        head = load_file(str(Path(folder) / HEAD))
        encoder = AutoModel.from_pretrained(str(Path(folder) / ENCODER), local_files_only=True, use_safetensors=True)
        return cls(encoder, load_tokenizer(Path(folder) / ENCODER), head["coef"], head["intercept"],
                   max_length=int(config.get("transformer.max_length", 128)), device=pick_device(device))

    def save(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        self.encoder.save_pretrained(str(Path(folder) / ENCODER), safe_serialization=True)
        self.tokenizer.save_pretrained(str(Path(folder) / ENCODER))
        save_file({"coef": np.ascontiguousarray(self.coef, dtype=np.float32),
                   "intercept": np.ascontiguousarray(self.intercept, dtype=np.float32)}, str(Path(folder) / HEAD))

    def embed(self, texts: list[str]) -> np.ndarray:
        def forward(enc):
            return mean_pool(self.encoder(**enc).last_hidden_state, enc["attention_mask"])

        return batched([normalize(t) for t in texts], self.tokenizer, forward, batch_size=self.batch_size,
                       max_length=self.max_length, device=self.device)

    def logits(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts) @ self.coef.T + self.intercept
