"""Score a whole article: split into sentences, set aside no-claim lines, label the rest.

>>> result = score_article("Troops crossed the border on Tuesday.\\nRead more", clf)   # doctest: +SKIP
>>> [s["label"] for s in result["sentences"]]                                         # doctest: +SKIP
['asserted', 'no-claim']
"""

from __future__ import annotations

from typing import Any

from inference.labels import LABELS, NO_CLAIM
from inference.loader import Classifier
from inference.text import is_no_claim, split_sentences


def score_article(text: str, classifier: Classifier) -> dict[str, Any]:
    """Per-sentence labels and probabilities, plus the share of each label among claim sentences."""
    sentences = split_sentences(text)
    claims = [i for i, s in enumerate(sentences) if not is_no_claim(s)]
    probs = classifier.predict_proba([sentences[i] for i in claims]) if claims else []
    rows: list[dict[str, Any]] = [{"index": i, "text": s, "label": NO_CLAIM, "probs": None}
                                  for i, s in enumerate(sentences)]
    for i, p in zip(claims, probs):
        rows[i]["label"] = LABELS[int(p.argmax())]
        rows[i]["probs"] = {label: round(float(v), 6) for label, v in zip(LABELS, p)}
    counts = {label: sum(r["label"] == label for r in rows) for label in LABELS}
    n = len(claims)
    return {
        "sentences": rows,
        "summary": {
            "sentences": len(rows),
            "claims": n,
            "no_claim": len(rows) - n,
            "counts": counts,
            "shares": {label: (counts[label] / n if n else 0.0) for label in LABELS},
        },
    }
