"""Evaluation data by name: `<dataset>:<split>` of our datasets, a JSONL file, or a set in ../shared/data.

>>> load_eval_set("kursk:test")["name"]                       # doctest: +SKIP
'kursk:test'
>>> load_eval_set("shared:kursk-news-dev")["texts"][:1]        # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from inference.errors import StanceError
from inference.labels import LABELS

SHARED = Path(os.environ.get("STANCE_SHARED", Path(__file__).resolve().parent.parent.parent / "shared"))
SHARED_SETS = {
    "kursk-news-dev": "data/kursk-news-dev/sentences.jsonl",
    "emergent": "data/external/emergent_for_against.jsonl",
    "conll2010-wiki": "data/external/conll2010_wikipedia_hedge.jsonl",
}


def resolve(spec: str) -> Path:
    if spec.startswith("shared:"):
        name = spec.removeprefix("shared:")
        if name not in SHARED_SETS:
            raise StanceError(f"{spec}: unknown shared set; choose one of {', '.join('shared:' + n for n in SHARED_SETS)}")
        path = SHARED / SHARED_SETS[name]
        if not path.is_file():
            raise StanceError(f"{spec}: {path} not found; the shared data folder must sit beside the project "
                              "(or set STANCE_SHARED)")
        return path
    if ":" in spec and not Path(spec).exists():
        name, split = spec.split(":", 1)
        path = Path("datasets") / name / f"{split}.jsonl"
        if not path.is_file():
            raise StanceError(f"{spec}: {path} not found; use <dataset>:<split> with a folder under datasets/")
        return path
    path = Path(spec)
    if not path.is_file():
        raise StanceError(f"{spec}: no such file; give <dataset>:<split>, shared:<name> or a JSONL path")
    return path


def load_eval_set(spec: str) -> dict[str, Any]:
    """{'name', 'path', 'rows', 'texts', 'labels'} for rows whose label is one of LABELS."""
    path = resolve(spec)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise StanceError(f"{path}:{n}: not valid JSON") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or row.get("label") not in LABELS:
            raise StanceError(f"{path}:{n}: need a string 'text' and a 'label' in {', '.join(LABELS)}")
        rows.append(row)
    return {"name": spec, "path": str(path), "rows": rows, "texts": [r["text"] for r in rows],
            "labels": [r["label"] for r in rows]}
