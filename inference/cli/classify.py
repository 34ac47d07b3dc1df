"""`stance classify [FILE|-] [--model URI] [--format jsonl|table|csv]`: label sentences.

Output (jsonl, the default) is one object a line, in input order:
{"text": ..., "label": ..., "probs": {"asserted": p, "disputed": p, "speculative": p}}
"""

from __future__ import annotations

import csv
import json
import sys

from inference.labels import LABELS


def register(sub) -> None:
    p = sub.add_parser("classify", help="label sentences (one a line, or JSONL with a text field)")
    p.add_argument("input", nargs="?", default="-", metavar="FILE|-", help="input file; - or nothing for stdin")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--format", choices=("jsonl", "table", "csv"), default="jsonl")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.cli import DEFAULT_MODEL
    from inference.cli.inputs import read_sentences
    from inference.loader import load_classifier

    texts = read_sentences(args.input)
    clf = load_classifier(args.model or DEFAULT_MODEL)
    probs = clf.predict_proba(texts)
    rows = [{"text": t, "label": LABELS[int(p.argmax())], "probs": {l: round(float(v), 6) for l, v in zip(LABELS, p)}}
            for t, p in zip(texts, probs)]
    write(rows, args.format, sys.stdout)
    return 0


def write(rows: list[dict], fmt: str, out) -> None:
    if fmt == "jsonl":
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out)
        w.writerow(["text", "label", *LABELS])
        for r in rows:
            w.writerow([r["text"], r["label"], *(r["probs"][l] for l in LABELS)])
    else:
        from inference.cli.table import label_table

        label_table(rows, out)
