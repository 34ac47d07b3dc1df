"""The linear baseline at inference time: TF-IDF features and logistic regression in plain numpy.

Training fits a scikit-learn pipeline (`training/linear.py`) and exports what it learned: per
feature block the analyzer settings, the vocabulary and the idf vector, then the coefficients.
This module recomputes `pipeline.predict_proba` from those, the same analyzers (sklearn's
`_word_ngrams` and `_char_wb_ngrams`, and `inference.cues.frame_features`), sublinear tf, idf,
l2 norm per block, block weights, then the linear layer and softmax; `tests/test_linear.py` holds
it to sklearn's output.

Why hand-written rather than loading the pipeline: importing scikit-learn and skops takes about
7 s, and `stance classify` with this model must start in under a second. numpy is the only
dependency, and nothing is unpickled:

    model/
      linear.json   classes, and per block: analyzer, ngram_range, lowercase, token_pattern,
                    binary, sublinear_tf, norm, weight, vocabulary (terms in column order)
      linear.npz    coef (3, n_features), intercept (3,), idf_<block>; read with allow_pickle=False

>>> model = LinearModel.load("path/to/model")             # doctest: +SKIP
>>> model.probabilities(["Kyiv denied the report."])       # doctest: +SKIP
array([[0.03, 0.95, 0.02]])
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference.cues import frame_features
from inference.errors import ArtifactError
from inference.labels import LABELS
from inference.text import normalize

SETTINGS = "linear.json"
ARRAYS = "linear.npz"
# "frame" is `inference.cues.frame_features`: the cue families a sentence holds, and their pairs.
ANALYZERS = ("word", "char_wb", "frame")
NORMS = ("l2", None)
CHUNK = 1024  # sentences scored together: big enough for numpy, small enough for the cache

# sklearn's char_wb analyzer collapses runs of whitespace before splitting into words.
_WHITE_SPACES = re.compile(r"\s\s+")


def char_wb_ngrams(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of one word padded with a space each side, as sklearn's `char_wb`
    (a word shorter than n yields itself, padded, once).

    >>> char_wb_ngrams("it", (2, 5))
    [' i', 'it', 't ', ' it', 'it ', ' it ']
    """
    w = " " + word + " "
    out = []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        out.extend(w[i:i + n] for i in range(max(1, len(w) - n + 1)))
        if len(w) <= n:
            break
    return out


def count_pairs(rows: np.ndarray, cols: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (row, col) pairs, sorted, and how often each occurs; rows < height, cols < width.

    One sort of row * width + col: faster than a Counter per sentence, and no scipy.

    >>> [a.tolist() for a in count_pairs(np.array([0, 0, 1, 0]), np.array([5, 2, 5, 5]), 10, 2)]
    [[0, 0, 1], [2, 5, 5], [1, 2, 1]]
    """
    if not len(rows):
        return rows, cols, rows
    dtype = np.int32 if height * width < 2**31 else np.int64  # int32 sorts about twice as fast
    keys = rows.astype(dtype) * dtype(width) + cols.astype(dtype)
    keys.sort()
    first = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(first, len(keys)))
    distinct = keys[first].astype(np.intp)
    return distinct // width, distinct % width, counts


@dataclass
class Block:
    """One vectorizer of the pipeline: which text features it counts and how it weighs them."""

    name: str
    analyzer: str
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    lowercase: bool = True
    token_pattern: str = r"(?u)\b\w\w+\b"
    binary: bool = False
    sublinear_tf: bool = False
    norm: str | None = None
    weight: float = 1.0
    idf: np.ndarray | None = None
    _tokenize: Any = field(init=False, repr=False)
    _prefixes: set[str] = field(init=False, repr=False)
    _word_ids: Any = field(init=False, repr=False)

    def __post_init__(self):
        self.ngram_range = tuple(self.ngram_range)
        self._tokenize = re.compile(self.token_pattern).findall
        # Every n-gram in the vocabulary is reached by extending one of these by " " + a token, so
        # n-grams that cannot end in the vocabulary are never built (the cue block has 14 prefixes).
        self._prefixes = set()
        for term in self.vocabulary if self.analyzer == "word" and self.ngram_range[1] > 1 else ():
            while " " in term:
                term = term[:term.rindex(" ")]
                self._prefixes.add(term)
        # Character n-grams never cross words, so a word's feature ids are computed once. The
        # cache is bounded; news words repeat, so after a few hundred sentences most words hit it.
        self._word_ids = functools.lru_cache(maxsize=1 << 17)(self._ids_of_word)

    def _ids_of_word(self, word: str) -> np.ndarray:
        get = self.vocabulary.get
        ids = np.array([i for i in map(get, char_wb_ngrams(word, self.ngram_range)) if i is not None], dtype=np.intp)
        ids.flags.writeable = False  # shared by every sentence holding the word
        return ids

    def _ngram_ids(self, tokens: list[str]) -> list[int]:
        """Vocabulary ids of the token n-grams: the same multiset as sklearn's `_word_ngrams` then lookup."""
        get, prefixes = self.vocabulary.get, self._prefixes
        lo, hi = self.ngram_range
        out = [i for i in map(get, tokens) if i is not None] if lo == 1 else []
        count = len(tokens)
        for start in [s for s, token in enumerate(tokens) if token in prefixes]:
            gram, n = tokens[start], 1
            while n < hi and start + n < count and gram in prefixes:
                gram = gram + " " + tokens[start + n]
                n += 1
                if n >= lo and (i := get(gram)) is not None:
                    out.append(i)
        return out

    def occurrences(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every feature occurrence in `texts`, repeats kept; columns within this block.

        >>> block = Block("w", "word", (1, 2), {"kyiv": 0, "denied": 1, "kyiv denied": 2})
        >>> [a.tolist() for a in block.occurrences(["Kyiv denied it.", "", "kyiv, Kyiv"])]
        [[0, 0, 0, 2, 2], [0, 1, 2, 0, 0]]
        """
        if self.lowercase:
            texts = [t.lower() for t in texts]
        rows = np.arange(len(texts))
        if self.analyzer == "char_wb":
            pieces, words_per_text = [], []
            for text in texts:
                words = _WHITE_SPACES.sub(" ", text).split()
                pieces.extend(map(self._word_ids, words))
                words_per_text.append(len(words))
            if not pieces:
                return rows[:0], rows[:0]
            sizes = np.fromiter(map(len, pieces), dtype=np.intp, count=len(pieces))
            return np.repeat(np.repeat(rows, words_per_text), sizes), np.concatenate(pieces)
        ids: list[int] = []
        per_text = []
        get = self.vocabulary.get
        for text in texts:
            if self.analyzer == "frame":
                found = [i for i in map(get, frame_features(text)) if i is not None]
            else:
                found = self._ngram_ids(self._tokenize(text))
            ids.extend(found)
            per_text.append(len(found))
        return np.repeat(rows, per_text), np.asarray(ids, dtype=np.intp)

    def settings(self) -> dict[str, Any]:
        terms = [""] * len(self.vocabulary)
        for term, i in self.vocabulary.items():
            terms[i] = term
        return {"name": self.name, "analyzer": self.analyzer, "ngram_range": list(self.ngram_range),
                "lowercase": self.lowercase, "token_pattern": self.token_pattern, "binary": self.binary,
                "sublinear_tf": self.sublinear_tf, "norm": self.norm, "weight": self.weight,
                "idf": self.idf is not None, "vocabulary": terms}


class LinearModel:
    """TF-IDF feature blocks into multinomial logistic regression; `logits` columns follow LABELS.

    `coef` (n_classes, n_features) and `intercept` follow `classes` (sklearn's `classes_`); the
    features are the blocks' columns side by side, in block order.
    """

    kind = "linear"
    FILES = (SETTINGS, ARRAYS)

    def __init__(self, blocks: list[Block], coef: np.ndarray, intercept: np.ndarray, classes: list[str]):
        classes = list(classes)
        if sorted(classes) != sorted(LABELS):
            raise ArtifactError(f"linear model classes {classes}, expected {list(LABELS)}")
        width = sum(len(b.vocabulary) for b in blocks)
        if coef.shape != (len(classes), width) or intercept.shape != (len(classes),):
            raise ArtifactError(f"linear model coef {coef.shape} and intercept {intercept.shape}, expected "
                                f"({len(classes)}, {width}) and ({len(classes)},) for {width} features")
        self.blocks, self.classes = blocks, classes
        # sklearn orders classes_ itself; map them onto our label order explicitly.
        order = [classes.index(label) for label in LABELS]
        self.coef = np.ascontiguousarray(coef[order], dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)[order]
        self._offsets = np.cumsum([0] + [len(b.vocabulary) for b in blocks])[:-1].tolist()

    def _scores(self, texts: list[str]) -> np.ndarray:
        """The decision function, shape (n, 3) in LABELS order: intercept + features @ coef.T."""
        scores = np.tile(self.intercept, (len(texts), 1))
        for start in range(0, len(texts), CHUNK):
            part = texts[start:start + CHUNK]
            view = scores[start:start + len(part)]
            for block, offset in zip(self.blocks, self._offsets):
                rows, cols = block.occurrences(part)
                rows, cols, counts = count_pairs(rows, cols, len(block.vocabulary), len(part))
                if not len(rows):
                    continue
                # The steps and their order are sklearn's: binary, sublinear tf, idf, l2 norm, block weight.
                values = np.ones(len(cols)) if block.binary else counts.astype(np.float64)
                if block.sublinear_tf:
                    values = np.log(values) + 1.0
                if block.idf is not None:
                    values *= block.idf[cols]
                if block.norm == "l2":
                    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(part)))
                    norms[norms == 0.0] = 1.0
                    values /= norms[rows]
                values *= block.weight
                weights = self.coef[:, offset + cols]
                for k in range(len(weights)):
                    view[:, k] += np.bincount(rows, weights=values * weights[k], minlength=len(part))
        return scores

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """The pipeline's `predict_proba` on normalised texts, shape (n, 3), columns in LABELS order."""
        scores = self._scores([normalize(t) for t in texts])
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def logits(self, texts: list[str]) -> np.ndarray:
        """Log-probabilities, shape (n, 3), columns in LABELS order."""
        return np.log(np.clip(self.probabilities(texts), 1e-12, 1.0))

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        settings = {"classes": self.classes, "blocks": [b.settings() for b in self.blocks]}
        (folder / SETTINGS).write_text(json.dumps(settings, ensure_ascii=False) + "\n", encoding="utf-8")
        # Saved in sklearn's class order, as exported; __init__ maps it onto LABELS on load.
        back = [LABELS.index(c) for c in self.classes]
        arrays = {"coef": self.coef[back], "intercept": self.intercept[back]}
        arrays.update({f"idf_{b.name}": b.idf for b in self.blocks if b.idf is not None})
        np.savez(folder / ARRAYS, **arrays)

    @classmethod
    def load(cls, folder: Path) -> LinearModel:
        folder = Path(folder)
        settings_path, arrays_path = folder / SETTINGS, folder / ARRAYS
        for path in (settings_path, arrays_path):
            if not path.is_file():
                raise ArtifactError(f"{folder}: no {path.name}; a linear model folder holds {SETTINGS} and {ARRAYS} "
                                    "(written by `stance train`); retrain the model")
        try:
            settings = json.loads(settings_path.read_text(encoding="utf-8"))
            with np.load(arrays_path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
            blocks = [_block(spec, arrays) for spec in settings["blocks"]]
            return cls(blocks, arrays["coef"], arrays["intercept"], settings["classes"])
        except ArtifactError as exc:
            raise ArtifactError(f"{settings_path}: {exc}; retrain the model") from None
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise ArtifactError(f"{folder}: unreadable linear model ({type(exc).__name__}: {exc}); "
                                "retrain or re-download it") from None


def _block(spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> Block:
    """A Block from its saved settings; refuses settings this scorer does not reproduce."""
    name = spec["name"]
    if spec["analyzer"] not in ANALYZERS or spec["norm"] not in NORMS:
        raise ArtifactError(f"block {name!r}: analyzer {spec['analyzer']!r} and norm {spec['norm']!r}; "
                            f"this code reads analyzers {ANALYZERS} and norms {NORMS}")
    terms = spec["vocabulary"]
    vocabulary = dict(zip(terms, range(len(terms))))
    if len(vocabulary) != len(terms):
        raise ArtifactError(f"block {name!r}: the vocabulary repeats terms")
    idf = arrays[f"idf_{name}"].astype(np.float64) if spec["idf"] else None
    if idf is not None and idf.shape != (len(terms),):
        raise ArtifactError(f"block {name!r}: idf has shape {idf.shape}, expected ({len(terms)},)")
    return Block(name=name, analyzer=spec["analyzer"], ngram_range=tuple(spec["ngram_range"]),
                 vocabulary=vocabulary, lowercase=bool(spec["lowercase"]), token_pattern=spec["token_pattern"],
                 binary=bool(spec["binary"]), sublinear_tf=bool(spec["sublinear_tf"]), norm=spec["norm"],
                 weight=float(spec["weight"]), idf=idf)
