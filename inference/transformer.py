"""The fine-tuned transformer (MiniLM-L6 by default) at inference time.

The folder holds `model.safetensors`, `config.json` and the tokenizer files beside the manifest;
loading never runs remote code and never touches the network.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from inference.encoder import batched, load_tokenizer, pick_device
from inference.text import normalize


def quantize_int8(model):
    """Dynamic int8 quantisation of every Linear layer (CPU inference; weights stay fp32 on disk)."""
    import torch

    return torch.ao.quantization.quantize_dynamic(model.eval(), {torch.nn.Linear}, dtype=torch.qint8)


class TransformerModel:
    kind = "transformer"

    def __init__(self, model, tokenizer, *, max_length: int = 128, batch_size: int = 64, device: str = "cpu"):
        self.model = model.eval().to(device)
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device

    @classmethod
    def load(cls, folder: Path, config: dict, device: str = "auto") -> "TransformerModel":
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True,
                                                                   use_safetensors=True)
        device = pick_device(device)
        if device == "cpu" and os.environ.get("STANCE_QUANTIZE", "").lower() == "int8":
            model = quantize_int8(model)
        return cls(model, load_tokenizer(folder), max_length=int(config.get("transformer.max_length", 128)),
                   device=device)

    def save(self, folder: Path) -> None:
        self.model.save_pretrained(str(folder), safe_serialization=True)
        self.tokenizer.save_pretrained(str(folder))

    def logits(self, texts: list[str]) -> np.ndarray:
        return batched([normalize(t) for t in texts], self.tokenizer, lambda enc: self.model(**enc).logits,
                       batch_size=self.batch_size, max_length=self.max_length, device=self.device)
