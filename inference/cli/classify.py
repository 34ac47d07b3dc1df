"""`stance classify [FILE|-] [--model URI] [--format jsonl|table|csv]`: label sentences.

Output (jsonl, the default) is one object a line, in input order:
{"text": ..., "label": ..., "probs": {"asserted": p, "disputed": p, "speculative": p}}
"""

from __future__ import annotations

import csv
import json
import sys

from inference.labels import LABELS
from inference.render import csv_cell


def register(sub) -> None:
    p = sub.add_parser("classify", help="label sentences (one a line, or JSONL with a text field)")
    p.add_argument("input", nargs="?", default="-", metavar="FILE|-", help="input file; - or nothing for stdin")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--format", choices=("jsonl", "table", "csv"), default="jsonl")
    p.add_argument("--coverage", type=float, default=None, help="add a conformal label set per sentence that holds "
                   "the true label with this probability (e.g. 0.9)")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.cli import DEFAULT_MODEL
    from inference.cli.inputs import read_sentences
    from inference.loader import load_classifier

    from inference.errors import StanceError

    if args.coverage is not None and not 0 < args.coverage < 1:
        raise StanceError(f"--coverage {args.coverage}: expected a number between 0 and 1, e.g. 0.9")
    texts = read_sentences(args.input)
    clf = load_classifier(args.model or DEFAULT_MODEL)
    probs = clf.predict_proba(texts)
    rows = [{"text": t, "label": LABELS[int(p.argmax())], "probs": {l: round(float(v), 6) for l, v in zip(LABELS, p)}}
            for t, p in zip(texts, probs)]
    if args.coverage is not None:
        for row, members in zip(rows, clf.predict_set([], args.coverage, probs=probs)):
            row["set"] = members
    write(rows, args.format, sys.stdout)
    return 0


def write(rows: list[dict], fmt: str, out) -> None:
    if fmt == "jsonl":
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out)
        sets = "set" in rows[0] if rows else False
        w.writerow(["text", "label", *LABELS, *(["set"] if sets else [])])
        for r in rows:
            w.writerow([csv_cell(r["text"]), r["label"], *(r["probs"][l] for l in LABELS), *(["|".join(r["set"])] if sets else [])])
    else:
        from inference.cli.table import label_table

        label_table(rows, out)
