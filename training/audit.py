"""`stance data audit`: rank likely label errors with cleanlab and merge in the recorded review.

Out-of-fold probabilities come from cross-validating the linear baseline with folds grouped by
document (a document's sentences never help predict each other). `cleanlab` ranks the items whose
given label disagrees with those probabilities. Reviewers record a decision for each flagged id in
`datasets/<name>/audit.jsonl` ({"id", "decision": "changed"|"kept", "from", "to", "reason"}); the
report lists every flagged item with its decision, so nothing flagged goes unread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from inference.labels import LABEL2ID, LABELS
from training.config import LinearConfig
from training.data import SPLITS, load_splits

DECISIONS = "audit.jsonl"


def out_of_fold_probs(texts: list[str], labels: list[str], groups: list[str], folds: int, seed: int) -> np.ndarray:
    from sklearn.model_selection import GroupKFold

    from inference.predictor import Classifier
    from training.linear import fit_linear

    probs = np.zeros((len(texts), len(LABELS)))
    for train_idx, held_idx in GroupKFold(n_splits=folds).split(texts, labels, groups):
        clf = Classifier(fit_linear([texts[i] for i in train_idx], [labels[i] for i in train_idx], LinearConfig(), seed))
        probs[held_idx] = clf.predict_proba([texts[i] for i in held_idx])
    return probs


def audit(path: str | Path, folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """Flagged items (cleanlab, ranked by self-confidence) joined with the recorded decisions."""
    from cleanlab.filter import find_label_issues

    data = load_splits(path)
    rows = [dict(r, split=s) for s in SPLITS for r in data[s]]
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    probs = out_of_fold_probs(texts, labels, [r["doc_id"] for r in rows], folds, seed)
    given = np.array([LABEL2ID[l] for l in labels])
    ranked = find_label_issues(given, probs, return_indices_ranked_by="self_confidence")
    decisions_path = Path(path) / DECISIONS
    decisions = {}
    if decisions_path.is_file():
        for line in decisions_path.read_text().splitlines():
            if line.strip():
                d = json.loads(line)
                decisions[d["id"]] = d
    flagged = []
    for i in ranked:
        r = rows[i]
        flagged.append({"id": r["id"], "split": r["split"], "text": r["text"], "label": r["label"],
                        "suggested": LABELS[int(probs[i].argmax())],
                        "self_confidence": float(probs[i][given[i]]), "decision": decisions.get(r["id"])})
    changed = sum(1 for f in flagged if f["decision"] and f["decision"]["decision"] == "changed")
    kept = sum(1 for f in flagged if f["decision"] and f["decision"]["decision"] == "kept")
    oof_pred = [LABELS[int(p.argmax())] for p in probs]
    from training.metrics import classification_metrics

    return {"sentences": len(rows), "flagged": flagged, "changed": changed, "kept": kept,
            "unreviewed": len(flagged) - changed - kept,
            "oof_macro_f1": classification_metrics(labels, oof_pred)["macro_f1"]}


def to_markdown(result: dict[str, Any]) -> str:
    lines = ["# Label-error audit", "",
             f"{result['sentences']} sentences; out-of-fold macro-F1 of the baseline {result['oof_macro_f1']:.3f}; "
             f"cleanlab flagged {len(result['flagged'])}: {result['changed']} changed, {result['kept']} kept, "
             f"{result['unreviewed']} unreviewed.", "",
             "| id | given | suggested | conf. | decision | reason | text |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for f in result["flagged"]:
        d = f["decision"] or {}
        decision = d.get("decision", "UNREVIEWED") + (f" -> {d['to']}" if d.get("decision") == "changed" else "")
        text = f["text"].replace("|", "\\|")
        lines.append(f"| {f['id']} | {f['label']} | {f['suggested']} | {f['self_confidence']:.2f} | {decision} | "
                     f"{d.get('reason', '')} | {text} |")
    return "\n".join(lines) + "\n"
