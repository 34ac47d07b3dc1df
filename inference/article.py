"""Score a whole article: split into sentences, set aside no-claim lines, label the rest, and say
why (occlusion) and who speaks (explicit attribution).

>>> result = score_article("Troops crossed the border on Tuesday.\\nRead more", clf)   # doctest: +SKIP
>>> [s["label"] for s in result["sentences"]]                                         # doctest: +SKIP
['asserted', 'no-claim']
"""

from __future__ import annotations

from typing import Any

from inference.attribution import speaker
from inference.labels import LABELS, NO_CLAIM
from inference.text import is_no_claim, split_sentences


def score_article(text: str, classifier, coverage: float | None = 0.9, explain: bool = True) -> dict[str, Any]:
    """Per-sentence label, probabilities, conformal set (when the model has one), top words and
    speaker; plus a summary: label shares, the disputed and speculative sentences, the speakers."""
    sentences = split_sentences(text)
    claims = [i for i, s in enumerate(sentences) if not is_no_claim(s)]
    claim_texts = [sentences[i] for i in claims]
    rows: list[dict[str, Any]] = [{"index": i, "text": s, "label": NO_CLAIM, "probs": None}
                                  for i, s in enumerate(sentences)]
    if claims:
        probs = classifier.predict_proba(claim_texts)
        labels = [LABELS[int(p.argmax())] for p in probs]
        sets = classifier.predict_set([], coverage, probs=probs) if coverage and getattr(classifier, "conformal_scores", None) else None
        if explain:
            from inference.explain import top_words

            words = top_words(classifier, claim_texts, labels)
        for n, i in enumerate(claims):
            rows[i].update(label=labels[n], probs={l: round(float(v), 6) for l, v in zip(LABELS, probs[n])})
            if sets is not None:
                rows[i]["set"] = sets[n]
            if explain:
                rows[i]["top_words"] = words[n]
            rows[i]["speaker"] = speaker(sentences[i])
    counts = {label: sum(r["label"] == label for r in rows) for label in LABELS}
    n = len(claims)
    speakers: dict[str, int] = {}
    for r in rows:
        if r.get("speaker"):
            speakers[r["speaker"]] = speakers.get(r["speaker"], 0) + 1
    return {
        "sentences": rows,
        "summary": {
            "sentences": len(rows),
            "claims": n,
            "no_claim": len(rows) - n,
            "counts": counts,
            "shares": {label: (counts[label] / n if n else 0.0) for label in LABELS},
            "disputed": [r["index"] for r in rows if r["label"] == "disputed"],
            "speculative": [r["index"] for r in rows if r["label"] == "speculative"],
            "speakers": dict(sorted(speakers.items(), key=lambda kv: -kv[1])),
        },
    }
