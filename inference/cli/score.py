"""`stance score ARTICLE... [--model URI] [--format table|json|jsonl|csv|html] [--coverage 0.9]`.

One article a file (`-` for stdin). Batch inputs (a directory, a glob, a JSONL or Parquet file of
articles) with `--output` write JSONL or Parquet, resumably; `--engine spark` runs on Spark.
"""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("score", help="score whole articles, one a file (- for stdin)")
    p.add_argument("articles", nargs="+", metavar="ARTICLE", help="article text files; - for stdin")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv", "html"), default="table")
    p.add_argument("--coverage", type=float, default=0.9, help="conformal set coverage (0 turns sets off)")
    p.add_argument("--no-explain", action="store_true", help="skip the words-that-drove-the-label search (faster)")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.article import score_article
    from inference.cli import DEFAULT_MODEL
    from inference.cli.inputs import read_text
    from inference.errors import StanceError
    from inference.loader import load_classifier
    from inference.render import write

    if not 0 <= args.coverage < 1:
        raise StanceError(f"--coverage {args.coverage}: expected a number in [0, 1), e.g. 0.9 (0 turns sets off)")
    texts = {name: read_text(name) for name in args.articles}  # read all first: a bad path fails fast
    clf = load_classifier(args.model or DEFAULT_MODEL)
    results = [{"article": "stdin" if name == "-" else name,
                **score_article(text, clf, coverage=args.coverage or None, explain=not args.no_explain)}
               for name, text in texts.items()]
    write(results, args.format, sys.stdout)
    return 0
