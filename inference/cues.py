"""Cue phrases from the label spec's lists, as plain word forms, defined once.

The keyword rule matches them in order (disputed, then hedge); the linear model sees their
presence as extra features beside TF-IDF, so a single hedge in a long sentence is not diluted,
and which families of cues occur together (`frame_features`).
"""

from __future__ import annotations

import re


def _forms(stem: str, *endings: str) -> list[str]:
    return [stem + e for e in endings]


DISPUTED_CUES: tuple[str, ...] = tuple(
    _forms("den", "y", "ies", "ied", "ying", "ial")
    + _forms("reject", "", "s", "ed", "ing") + _forms("dismiss", "", "es", "ed", "ing")
    + _forms("refut", "e", "es", "ed", "ing") + _forms("contradict", "", "s", "ed", "ing", "ion")
    + _forms("disput", "e", "es", "ed", "ing") + _forms("counter", "", "s", "ed", "ing")
    + _forms("rebut", "", "s", "ted", "ting")
    + ["not true", "false", "fake", "propaganda", "without evidence", "without offering evidence",
       "without providing evidence", "baseless", "unfounded", "conflicting accounts", "conflicting figures",
       "conflicting reports"])

HEDGE_CUES: tuple[str, ...] = tuple(
    ["may", "might", "could", "would", "likely", "probably", "possibly", "perhaps", "apparently", "unclear",
     "unknown", "not yet known", "remains to be seen", "reportedly", "allegedly", "purportedly", "rumoured",
     "rumored", "unconfirmed", "could not be verified", "could not be independently verified"]
    + _forms("appear", "", "s", "ed") + _forms("seem", "", "s", "ed") + _forms("suggest", "", "s", "ed")
    + _forms("indicat", "e", "es", "ed") + _forms("speculat", "e", "es", "ed", "ion")
    + _forms("believ", "e", "es", "ed") + ["think", "thinks"] + _forms("expect", "", "s", "ed")
    + _forms("predict", "", "s", "ed") + _forms("estimat", "e", "es", "ed") + _forms("assess", "", "es", "ed")
    + _forms("claim", "", "s", "ed") + _forms("alleg", "e", "es", "ed") + _forms("accus", "e", "es", "ed")
    + _forms("insist", "", "s", "ed"))

# Words the spec's lists leave out but that decide many real sentences either way (contrast
# without dispute, verification, risk, plans). Features only: the rule does not use them.
CONTEXT_CUES: tuple[str, ...] = (
    "but", "however", "despite", "although", "while", "whereas", "yet", "contrary", "initially", "later",
    "lie", "lies", "lying", "absurd", "nonsense", "far-fetched", "wrong", "so-called", "verify", "verified",
    "unverified", "confirm", "confirmed", "not confirmed", "declined", "comment", "refused", "risk", "threat",
    "if", "whether", "purported", "uncertain", "possible", "possibility", "potential", "will", "plan", "plans",
    "hope", "hopes", "fear", "fears", "warn", "warned", "warning", "question", "questions", "according to",
    "said", "says", "told", "announced", "reported")

FEATURE_VOCABULARY: tuple[str, ...] = tuple(sorted(set(DISPUTED_CUES + HEDGE_CUES + CONTEXT_CUES)))


# The spec's distancing verbs (claim, allege, accuse, insist): a family of their own below.
_DISTANCE = frozenset(_forms("claim", "", "s", "ed", "ing") + _forms("alleg", "e", "es", "ed")
                      + _forms("accus", "e", "es", "ed") + _forms("insist", "", "s", "ed"))

# Families of cues for the frame features below: each is one kind of signal in the label spec.
FRAMES: dict[str, frozenset[str]] = {
    "dispute": frozenset(c for c in DISPUTED_CUES if " " not in c) | {"lie", "lies", "lying", "nonsense", "absurd"},
    "distance": _DISTANCE,
    # The spec's single-word hedges less the distancing verbs, plus "whether" and "if".
    "hedge": (frozenset(w for w in HEDGE_CUES if " " not in w) - _DISTANCE) | {"whether", "if"},
    "contrast": frozenset(["but", "however", "despite", "although", "though", "while", "whereas", "yet", "contrary"]),
    "report": frozenset(["said", "says", "say", "told", "announced", "stated", "added", "wrote", "reported",
                         "according"]),
    "negation": frozenset(["not", "no", "never", "nor", "without"]),
    "verify": frozenset(["verify", "verified", "unverified", "confirm", "confirmed", "corroborate", "corroborated"]),
    "future": frozenset(["will", "plan", "plans", "planned", "intend", "intends", "aim", "aims"]),
}
FRAME_TOKENS = re.compile(r"[\w'-]+")


def frame_features(text: str) -> list[str]:
    """Which cue families a sentence holds, and every pair of them that occurs together.

    A linear model adds evidence up; it cannot learn from n-grams alone that "claimed" with "but"
    is a dispute while "claimed" alone is a hedge, or that "not" beside "confirmed" is a hedge. The
    pairs give it those interactions, one weight each (the spec's precedence is such an interaction).

    >>> frame_features('Moscow claimed the bridge was hit, but Kyiv said it was "intact".')
    ['has:contrast', 'has:distance', 'has:quote', 'has:report', 'pair:contrast+distance', \
'pair:contrast+quote', 'pair:contrast+report', 'pair:distance+quote', 'pair:distance+report', \
'pair:quote+report']
    """
    words = FRAME_TOKENS.findall(text.lower())
    present = {name for name, family in FRAMES.items() if not family.isdisjoint(words)}
    if any(w.endswith("n't") for w in words):
        present.add("negation")
    if '"' in text:
        present.add("quote")
    if "?" in text:
        present.add("question")
    names = sorted(present)
    return [f"has:{n}" for n in names] + [f"pair:{a}+{b}" for i, a in enumerate(names) for b in names[i + 1:]]
