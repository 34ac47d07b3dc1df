"""Text preprocessing shared by training and serving: one normalisation, one sentence splitter.

>>> normalize("  Kyiv\u2019s   troops ")
"Kyiv's troops"
>>> split_sentences("Troops crossed on Tuesday. The governor said 12 died.")
['Troops crossed on Tuesday.', 'The governor said 12 died.']
"""

from __future__ import annotations

import functools
import re
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"',
                         "\u00bb": '"', "\u2013": "-", "\u2014": " - ", "\u00a0": " "})
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, straight quotes and dashes, single spaces; what every model sees, in training and serving."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_QUOTES)).strip()


@functools.lru_cache(maxsize=1)
def _segmenter():
    import pysbd  # imported here: only article scoring needs it

    return pysbd.Segmenter(language="en", clean=False)


_LONG = 1000  # pysbd slows down sharply on very long lines; cut them at a likely boundary first


def _pieces(line: str) -> list[str]:
    """A line cut into pieces of at most ~_LONG characters, at '. ' (or a space) where possible."""
    out = []
    while len(line) > _LONG:
        cut = line.rfind(". ", 0, _LONG)
        cut = cut + 1 if cut > _LONG // 4 else (line.rfind(" ", 0, _LONG) if line.rfind(" ", 0, _LONG) > 0 else _LONG)
        out.append(line[:cut])
        line = line[cut:].lstrip()
    return out + [line]


def _segment(piece: str) -> list[str]:
    """pysbd's sentences of one piece, cut from the piece itself so that no character is lost.

    pysbd drops some text (a trailing "??" or "!!"; any sentence holding one of its own marker
    characters such as "♬") and rewrites some, so each sentence it finds is only used to say
    where a sentence starts: text it lost stays with the sentence before.

    >>> _segment("Troops left. Kyiv denied the report. ??")
    ['Troops left. ', 'Kyiv denied the report. ??']
    """
    starts, at = [], 0
    for sentence in _segmenter().segment(piece):
        found = piece.find(sentence.strip(), at) if sentence.strip() else -1
        if found >= 0:
            starts.append(found)
            at = found + len(sentence.strip())
    cuts = [0, *starts[1:]]  # the first sentence also takes whatever pysbd skipped before it
    return [piece[a:b] for a, b in zip(cuts, cuts[1:] + [len(piece)])]


def split_sentences(text: str) -> list[str]:
    """Split an article into sentences. Lines are split first: headlines and captions stand alone."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        for piece in _pieces(line) if line else []:
            out.extend(s.strip() for s in _segment(piece) if s.strip())
    return out


# Lines with no claim: bylines, credits, calls to action, navigation. Anchored, so a sentence that
# merely mentions "Getty Images" in the middle of reporting is still labelled.
_NO_CLAIM = re.compile(
    r"""^(
        by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}(\s+and\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3})?,?\s*$
      | (reporting|writing|editing|additional\ reporting)\ by\b.*
      | (read|see)\ (more|also|the\ original\ article)\b.*
      | (subscribe|sign\ up|follow\ us|share\ this|advertisement|related|watch|listen)\b.{0,40}$
      | (photo|image|video|picture|credit)s?\s*(:|by)\s*.*
      | [^.!?]{0,80}\b(getty\ images|reuters|afp|ap\ photo|shutterstock|handout|pool|tass|ria\ novosti)\s*$
      | (home|news|world|europe|menu|search|log\ in|sign\ in)(\s*[|>/»]\s*\w+)*\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_no_claim(sentence: str) -> bool:
    """True for lines that carry no claim and must not be forced into a label.

    >>> is_no_claim("Read more: Ukraine's push into Kursk"), is_no_claim("Troops crossed the border.")
    (True, False)
    """
    s = normalize(sentence)
    if len(re.findall(r"[A-Za-z]{2,}", s)) < 2:
        return True
    return bool(_NO_CLAIM.match(s))
