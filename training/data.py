"""The dataset on disk: `datasets/<name>/{train,validation,test}.jsonl` (+ `contrast.jsonl`, `dataset.json`).

One JSON object a line with at least `id`, `text`, `label`, `doc_id`, `source`. Splits are
loaded through Hugging Face `datasets`; the version and a content hash identify what a run saw.

>>> info = dataset_info("datasets/kursk")        # doctest: +SKIP
>>> info["name"], info["version"], len(info["hash"])   # doctest: +SKIP
('kursk', '1.0.0', 64)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from inference.errors import StanceError

SPLITS = ("train", "validation", "test")
EXTRA = ("contrast",)
REQUIRED = ("id", "text", "label", "doc_id", "source")
CONTRAST_REQUIRED = ("id", "text", "label", "group")


def split_files(path: str | Path) -> dict[str, Path]:
    """The split files present in a dataset folder, in SPLITS then EXTRA order."""
    folder = Path(path)
    return {s: folder / f"{s}.jsonl" for s in SPLITS + EXTRA if (folder / f"{s}.jsonl").is_file()}


def dataset_info(path: str | Path) -> dict[str, Any]:
    """Name, version (from dataset.json) and SHA-256 over the split files' names and bytes."""
    folder = Path(path)
    meta_path = folder / "dataset.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    digest = hashlib.sha256()
    for split, file in split_files(folder).items():
        digest.update(split.encode() + b"\0" + file.read_bytes() + b"\0")
    return {"name": meta.get("name", folder.name), "version": str(meta.get("version", "unversioned")),
            "hash": digest.hexdigest(), "path": str(folder)}


def load_splits(path: str | Path):
    """A `datasets.DatasetDict` with train/validation/test (and contrast when present).

    Validates first: a model is never trained on data that `stance data validate` rejects.
    """
    from training.validate import validate_path

    folder = Path(path)
    if not folder.is_dir():
        raise StanceError(f"{folder}: no such dataset folder; expected datasets/<name>/ with train/validation/test.jsonl")
    missing = [s for s in SPLITS if not (folder / f"{s}.jsonl").is_file()]
    if missing:
        raise StanceError(f"{folder}: missing {', '.join(s + '.jsonl' for s in missing)}")
    problems = validate_path(folder)
    if problems:
        raise StanceError(f"{folder}: {len(problems)} data problem(s), first: {problems[0]}; "
                          f"run `stance data validate {folder}` for all")
    import datasets

    datasets.disable_progress_bars()
    files = {split: str(file) for split, file in split_files(folder).items()}
    dd = datasets.DatasetDict()
    for split, file in files.items():
        dd[split] = datasets.load_dataset("json", data_files={split: file}, split=split)
    return dd
