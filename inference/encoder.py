"""Batched transformer forward passes for inference: length-sorted batches, dynamic padding,
`torch.inference_mode`, results returned in input order. Shared by the fine-tuned classifier
and the frozen-embedding model. torch and transformers are imported here only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pick_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        from inference.errors import StanceError

        raise StanceError("--device cuda was asked for but no CUDA device is visible; use --device cpu or auto")
    return device


def load_tokenizer(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def batched(texts: list[str], tokenizer, forward: Callable, *, batch_size: int = 64, max_length: int = 128,
            device: str = "cpu") -> np.ndarray:
    """Run `forward(encoded_batch) -> tensor (b, k)` over texts sorted by length; rows back in input order."""
    import torch

    order = np.argsort([len(t) for t in texts], kind="stable")
    out: list[np.ndarray] = [None] * len(texts)  # type: ignore[list-item]
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt").to(device)
            rows = forward(enc).float().cpu().numpy()
            for i, row in zip(idx, rows):
                out[i] = row
    return np.stack(out)
