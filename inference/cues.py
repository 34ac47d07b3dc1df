"""Cue phrases from the label spec's lists, as plain word forms, defined once.

The keyword rule matches them in order (disputed, then hedge); the linear model sees their
presence as extra features beside TF-IDF, so a single hedge in a long sentence is not diluted.
"""

from __future__ import annotations


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
