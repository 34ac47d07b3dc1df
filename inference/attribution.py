"""Who is speaking, where a sentence names its source explicitly ("said", "according to", ...).

A small set of patterns, precise rather than exhaustive: a sentence with no explicit
attribution gets None rather than a guess.

>>> speaker("The governor said 12 people had died.")
'The governor'
>>> speaker("Troops advanced, according to the General Staff of Ukraine.")
'the General Staff of Ukraine'
>>> speaker("Troops crossed the border.") is None
True
"""

from __future__ import annotations

import re

VERBS = r"(?:said|says|told|tells|announced|stated|wrote|writes|added|claimed|claims|alleged|insisted|denied|reported|posted|warned|confirmed|acknowledged)"
NAME = r"(?:[A-Z][\w.'’-]*|of|the|for|and|de|al)"
_PATTERNS = [
    re.compile(r"according to ((?:the |a |an )?" + NAME + r"(?:\s+" + NAME + r"){0,7})"),
    re.compile(r"(?:^|[,;:]\s*|\"\s*)(?:" + VERBS + r")\s+((?:the |a )?[A-Z][\w.'’-]*(?:\s+" + NAME + r"){0,6})"),
    re.compile(r"((?:[Tt]he |[Aa] )?(?:[A-Z][\w.'’-]*\s+){0,5}(?:[A-Z][\w.'’-]*|spokesman|spokeswoman|governor|ministry|"
               r"minister|official|officials|commander|army|military|channel|agency|Kremlin|blogger|analysts?|"
               r"president|mayor|head))(?:,[^,]{1,80},)?\s+(?:has |had |have )?" + VERBS + r"\b"),
]
_STOP = {"The", "A", "It", "He", "She", "They", "We", "I", "This", "That", "But", "And", "In", "On", "At"}


def speaker(sentence: str) -> str | None:
    for pattern in _PATTERNS:
        m = pattern.search(sentence)
        if m:
            who = m.group(1).strip(" ,.")
            who = re.sub(r"\s+(of|the|for|and)$", "", who)
            if who and who not in _STOP and len(who) > 2:
                return who
    return None
