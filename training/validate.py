"""`stance data validate`: every problem in a dataset, each with file:line and how to fix it.

Checks: UTF-8, JSON syntax, schema and types, labels, empty ids, empty or whitespace text, control
characters, dates, duplicate ids, exact duplicate texts, near-duplicate texts across splits (TF-IDF cosine), documents shared across
splits, and contrast groups that lack one sentence per label.

>>> for p in validate_path("datasets/kursk"): print(p)     # doctest: +SKIP
datasets/kursk/test.jsonl:12: duplicate id 'k-0042' (first at datasets/kursk/train.jsonl:7); give each sentence its own id
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from inference.errors import StanceError
from inference.labels import LABELS
from inference.text import normalize
from training.data import CONTRAST_REQUIRED, REQUIRED, SPLITS, split_files

NEAR_DUPLICATE = 0.9  # cosine of character 3-5-gram TF-IDF; above this two sentences are one sentence reworded slightly


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Row:
    file: str
    line: int
    split: str
    data: dict


def _read(path: Path, split: str, problems: list[Problem]) -> list[Row]:
    required = CONTRAST_REQUIRED if split == "contrast" else REQUIRED
    rows = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StanceError(f"{path}: cannot read ({exc.strerror})") from None
    for n, line in enumerate(raw.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(str(path), n, "not valid UTF-8; save the file as UTF-8"))
            continue
        except ValueError as exc:
            problems.append(Problem(str(path), n, f"not valid JSON ({exc.msg} at column {exc.colno}); one object a line"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(str(path), n, f"expected a JSON object, found {type(obj).__name__}"))
            continue
        missing = [k for k in required if k not in obj]
        if missing:
            problems.append(Problem(str(path), n, f"missing field(s) {', '.join(missing)}; required: {', '.join(required)}"))
            continue
        bad = [k for k in required if not isinstance(obj[k], str)]
        if bad:
            problems.append(Problem(str(path), n, "field(s) " + ", ".join(f"{k}={obj[k]!r}" for k in bad) + " must be strings"))
            continue
        if obj["label"] not in LABELS:
            near = obj["label"].strip().lower()
            hint = f"; did you mean {near!r}?" if near in LABELS else ""
            problems.append(Problem(str(path), n, f"label {obj['label']!r} is not one of {', '.join(LABELS)}{hint}"))
        if not obj["id"].strip():
            problems.append(Problem(str(path), n, "id is empty; give each sentence a unique id"))
        if not obj["text"].strip():
            problems.append(Problem(str(path), n, "text is empty or whitespace; remove the line or write the sentence"))
            continue
        control = next((c for c in obj["text"] if unicodedata.category(c) == "Cc"), None)
        if control is not None:
            problems.append(Problem(str(path), n, f"text contains control character U+{ord(control):04X}; "
                                                  "remove it (a sentence is one line of plain text)"))
        if "date" in obj and not _is_date(obj["date"]):
            problems.append(Problem(str(path), n, f"date {obj['date']!r} is not a YYYY-MM-DD calendar date"))
        rows.append(Row(str(path), n, split, obj))
    return rows


def _is_date(value) -> bool:
    """'2024-08-06' -> True; '06/08/2024', '2024-02-30' or a number -> False."""
    import datetime

    try:
        return isinstance(value, str) and len(value) == 10 and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


def _near_duplicates(rows: list[Row], problems: list[Problem]) -> None:
    """Pairs in different splits whose character n-gram TF-IDF cosine reaches NEAR_DUPLICATE."""
    splits = sorted({r.split for r in rows})
    if len(splits) < 2:
        return
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [normalize(r.data["text"]).lower() for r in rows]
    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5)).fit_transform(texts)
    index = {s: [i for i, r in enumerate(rows) if r.split == s] for s in splits}
    found = []
    # Only pairs across splits: the within-split products (most of the work) are never needed.
    for k, first in enumerate(splits):
        for second in splits[k + 1:]:
            a, b = index[first], index[second]
            sims = (matrix[a] @ matrix[b].T).tocoo()
            keep = sims.data >= NEAR_DUPLICATE
            for i, j, v in zip(sims.row[keep], sims.col[keep], sims.data[keep]):
                i, j = min(a[i], b[j]), max(a[i], b[j])
                if texts[i] != texts[j]:
                    found.append((i, j, v))
    for i, j, v in sorted(found):
        a, b = rows[i], rows[j]
        problems.append(Problem(b.file, b.line, f"near-duplicate (cosine {v:.2f}) of {a.file}:{a.line} in "
                                                f"another split; reword one or move them to the same split"))


def validate_rows(rows: list[Row], problems: list[Problem]) -> None:
    first_id: dict[str, Row] = {}
    first_text: dict[str, Row] = {}
    doc_splits: dict[str, Row] = {}
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        rid = r.data["id"]
        if rid in first_id:
            f = first_id[rid]
            problems.append(Problem(r.file, r.line, f"duplicate id {rid!r} (first at {f.file}:{f.line}); give each sentence its own id"))
        else:
            first_id[rid] = r
        key = normalize(r.data["text"]).casefold()
        if key in first_text:
            f = first_text[key]
            problems.append(Problem(r.file, r.line, f"duplicate text (first at {f.file}:{f.line}); remove one copy"))
        else:
            first_text[key] = r
        if r.split == "contrast":
            groups[r.data["group"]].append(r)
        elif r.split in SPLITS:
            doc = r.data["doc_id"]
            if doc in doc_splits and doc_splits[doc].split != r.split:
                f = doc_splits[doc]
                problems.append(Problem(r.file, r.line, f"document {doc!r} is also in the {f.split} split ({f.file}:{f.line}); "
                                                        "a document belongs to one split only"))
            doc_splits.setdefault(doc, r)
    for group, members in groups.items():
        labels = Counter(m.data["label"] for m in members)
        if sorted(labels.elements()) != sorted(LABELS):
            problems.append(Problem(members[0].file, members[0].line,
                                    f"contrast group {group!r} has labels {dict(labels)}; expected one sentence per label"))
    _near_duplicates([r for r in rows if r.split in SPLITS], problems)


def validate_path(path: str | Path) -> list[Problem]:
    """Validate a dataset folder (all split files together) or a single JSONL file."""
    path = Path(path)
    problems: list[Problem] = []
    if path.is_dir():
        files = split_files(path)
        if not files:
            raise StanceError(f"{path}: no train/validation/test/contrast .jsonl files; see the README's data format")
    elif path.is_file():
        files = {path.stem if path.stem in SPLITS + ("contrast",) else "file": path}
    else:
        raise StanceError(f"{path}: no such file or folder")
    rows = [row for split, file in files.items() for row in _read(file, split, problems)]
    validate_rows(rows, problems)
    return sorted(problems, key=lambda p: (p.file, p.line))


def summary(path: str | Path) -> str:
    """Counts per split and label, as a small table."""
    lines = [f"{'split':<11}{'sentences':>10}{'docs':>6}" + "".join(f"{l:>13}" for l in LABELS)]
    for split, file in split_files(path).items():
        rows = [json.loads(l) for l in file.read_text().splitlines() if l.strip()]
        counts = Counter(r.get("label") for r in rows)
        docs = len({r.get("doc_id", r.get("group")) for r in rows})
        lines.append(f"{split:<11}{len(rows):>10}{docs:>6}" + "".join(
            f"{counts[l]:>6} ({counts[l] / max(1, len(rows)):>4.0%})" for l in LABELS))
    return "\n".join(lines)
