"""`stance data agreement`: inter-annotator agreement from the double-annotation record.

`datasets/<name>/annotation/*.jsonl` holds one object a sentence that two annotators labelled
independently: {"id", "first", "second", "final", "outcome", "reason"?}. `first` is the label the
sentence was written with, `second` the blind annotator's, `final` the adjudicated one, which must
be the label the dataset now carries (checked here, so the record and the data cannot drift apart).

>>> kappa_table([("asserted", "asserted"), ("disputed", "asserted"), ("speculative", "speculative")])["n"]
3
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from inference.errors import StanceError
from inference.labels import LABELS
from training.data import SPLITS, load_splits

RECORDS = "annotation"


def kappa_table(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Raw agreement, Cohen's kappa over the three labels, and one-vs-rest kappa per label."""
    from sklearn.metrics import cohen_kappa_score

    first, second = [a for a, _ in pairs], [b for _, b in pairs]
    per_label = {}
    for label in LABELS:
        a, b = [x == label for x in first], [x == label for x in second]
        per_label[label] = float(cohen_kappa_score(a, b)) if len(set(a) | set(b)) > 1 else float("nan")
    return {"n": len(pairs), "agreement": sum(a == b for a, b in pairs) / max(1, len(pairs)),
            "kappa": float(cohen_kappa_score(first, second, labels=list(LABELS))), "per_label": per_label}


def agreement(path: str | Path) -> dict[str, Any]:
    """Agreement over every record in `<path>/annotation/`, the outcomes, and the records that no
    longer match the dataset (unknown id, or a final label the data does not carry)."""
    data = load_splits(path)
    folder = Path(path) / RECORDS
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise StanceError(f"{folder}: no *.jsonl double-annotation records; write one line a sentence: "
                          '{"id": ..., "first": ..., "second": ..., "final": ..., "outcome": ...}')
    label_of, split_of = {}, {}
    for split in SPLITS:
        for r in data[split]:
            label_of[r["id"]], split_of[r["id"]] = r["label"], split
    records, mismatches = [], []
    for file in files:
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{file}:{n}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as exc:
                raise StanceError(f"{where}: not JSON ({exc.msg}); one object a line") from None
            if not isinstance(r, dict) or not isinstance(r.get("id"), str):
                raise StanceError(f"{where}: no string 'id'; each record names the sentence it labels")
            for key in ("first", "second", "final"):
                if r.get(key) not in LABELS:
                    raise StanceError(f"{where}: {key}={r.get(key)!r}, expected one of {list(LABELS)}")
            if r["id"] not in label_of:
                mismatches.append(f"{where}: id {r['id']!r} is not in the dataset")
            elif label_of[r["id"]] != r["final"]:
                mismatches.append(f"{where}: {r['id']} adjudicated {r['final']!r} but the dataset says "
                                  f"{label_of[r['id']]!r}; fix one of them")
            records.append(dict(r, split=split_of.get(r["id"])))
    table = kappa_table([(r["first"], r["second"]) for r in records])
    return {**table, "files": [str(f) for f in files], "splits": dict(Counter(r["split"] for r in records)),
            "outcomes": dict(Counter(r.get("outcome", "?").split(":")[0] for r in records)), "mismatches": mismatches}


def to_text(result: dict[str, Any]) -> str:
    per = ", ".join(f"{label} {k:.3f}" for label, k in result["per_label"].items())
    splits = ", ".join(f"{s} {result['splits'].get(s, 0)}" for s in SPLITS)
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(result["outcomes"].items()))
    return (f"{result['n']} double-annotated sentences ({splits}); raw agreement {result['agreement']:.3f}; "
            f"Cohen's kappa {result['kappa']:.3f}; per label (one vs rest): {per}; outcomes: {outcomes}")
