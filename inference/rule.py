"""The keyword rule, written straight from the cue lists of the label spec: disputed cues first,
then hedging cues, else asserted. No training; it is the floor that learned models must clear.

>>> RuleModel().decide("Kyiv rejected the claim."), RuleModel().decide("Troops may have left.")
('disputed', 'speculative')
"""

from __future__ import annotations

import re

import numpy as np

from inference.cues import DISPUTED_CUES, HEDGE_CUES
from inference.labels import LABEL2ID, LABELS
from inference.text import normalize

_DISPUTED = re.compile(r"\b(" + "|".join(re.escape(c) for c in DISPUTED_CUES) + r")\b", re.IGNORECASE)
_HEDGE = re.compile(r"\b(" + "|".join(re.escape(c) for c in HEDGE_CUES) + r")\b|\?", re.IGNORECASE)


class RuleModel:
    kind = "rule"

    @classmethod
    def load(cls, folder=None, config=None, device: str = "auto") -> "RuleModel":
        return cls()

    def save(self, folder) -> None:
        """Nothing to save: the rule is code; the manifest records its kind."""

    def decide(self, text: str) -> str:
        text = normalize(text)
        if _DISPUTED.search(text):
            return "disputed"
        if _HEDGE.search(text):
            return "speculative"
        return "asserted"

    def logits(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(LABELS)))
        for i, t in enumerate(texts):
            out[i, LABEL2ID[self.decide(t)]] = 2.0
        return out
