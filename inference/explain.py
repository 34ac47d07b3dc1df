"""Which words drove a label: occlusion, the same method for every model kind.

Each word is dropped in turn and the sentence re-scored; the words whose removal lowers the
predicted label's probability most are its drivers. All variants of all sentences go through the
model in one batch.

>>> top_words(clf, ["Kyiv denied the report."])          # doctest: +SKIP
[['denied']]
"""

from __future__ import annotations

import re

import numpy as np

from inference.labels import LABEL2ID

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


def top_words(clf, sentences: list[str], labels: list[str] | None = None, k: int = 3,
              max_words: int = 60) -> list[list[str]]:
    """Up to k words per sentence whose removal most lowers the probability of its label."""
    if labels is None:
        labels = clf.predict(sentences)
    variants: list[str] = []
    spans: list[list[tuple[str, int]]] = []
    for s in sentences:
        matches = list(_WORD.finditer(s))[:max_words]
        spans.append([(m.group(), len(variants) + i) for i, m in enumerate(matches)])
        variants.extend(s[:m.start()] + s[m.end():] for m in matches)
    base = clf.predict_proba(sentences)
    occluded = clf.predict_proba(variants) if variants else np.zeros((0, 3))
    out = []
    for i, (words, label) in enumerate(zip(spans, labels)):
        j = LABEL2ID[label]
        drops = [(base[i, j] - occluded[v, j], w) for w, v in words]
        ranked = [w for d, w in sorted(drops, key=lambda x: -x[0]) if d > 0.01]
        seen: list[str] = []
        for w in ranked:
            if w.lower() not in (x.lower() for x in seen):
                seen.append(w)
            if len(seen) == k:
                break
        out.append(seen)
    return out
