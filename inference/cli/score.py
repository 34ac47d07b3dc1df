"""`stance score`: label every sentence of whole articles.

    stance score ARTICLE... [--format table|json|jsonl|csv|html]          one article a file, - for stdin
    stance score DIR|GLOB|FILE.jsonl|FILE.parquet --output OUT.jsonl|.parquet   batch, resumable
    stance score --engine spark --input X.parquet --output Y.parquet [--master URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

BATCH_SUFFIXES = (".jsonl", ".parquet", ".pq")


def register(sub) -> None:
    p = sub.add_parser("score", help="score whole articles: one a file (- for stdin), or a batch with --output")
    p.add_argument("articles", nargs="*", metavar="ARTICLE", help="article files, - for stdin; or a folder, glob, "
                                                                   "JSONL or Parquet file of articles (id, text)")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--format", choices=("table", "json", "jsonl", "csv", "html"), default="table")
    p.add_argument("--coverage", type=float, default=0.9, help="conformal set coverage (0 turns sets off)")
    p.add_argument("--no-explain", action="store_true", help="skip the words-that-drove-the-label search (faster)")
    p.add_argument("--output", help="batch mode: write one record per article to this .jsonl or .parquet (resumes)")
    p.add_argument("--engine", choices=("local", "spark"), default="local")
    p.add_argument("--input", help="--engine spark: Parquet of articles or sentences (id, text)")
    p.add_argument("--master", default="local[*]", help="--engine spark: Spark master URL")
    p.add_argument("--overwrite", action="store_true", help="--engine spark: replace an existing output")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.cli import DEFAULT_MODEL
    from inference.errors import StanceError

    if not 0 <= args.coverage < 1:
        raise StanceError(f"--coverage {args.coverage}: expected a number in [0, 1), e.g. 0.9 (0 turns sets off)")
    model = args.model or DEFAULT_MODEL
    if args.engine == "spark":
        if not (args.input and args.output):
            raise StanceError("--engine spark needs --input X.parquet and --output Y.parquet")
        from inference.spark import score_spark

        rows = score_spark(args.input, args.output, model, master=args.master, overwrite=args.overwrite)
        print(f"{rows} sentence rows written to {args.output}", file=sys.stderr)
        return 0
    if not args.articles:
        raise StanceError("give at least one ARTICLE (a file, - for stdin, a folder, glob, JSONL or Parquet)")
    batch = args.output or any(_is_dir(a) or a.endswith(BATCH_SUFFIXES) or any(c in a for c in "*?[")
                               for a in args.articles)
    if batch:
        return run_batch(args, model)
    from inference.article import score_article
    from inference.cli.inputs import read_text
    from inference.loader import load_classifier
    from inference.render import write

    texts = {name: read_text(name) for name in args.articles}  # read all first: a bad path fails fast
    clf = load_classifier(model)
    results = [{"article": "stdin" if name == "-" else name,
                **score_article(text, clf, coverage=args.coverage or None, explain=not args.no_explain)}
               for name, text in texts.items()]
    write(results, args.format, sys.stdout)
    return 0


def _is_dir(name: str) -> bool:
    """Path.is_dir, but False where the OS refuses the name (too long, say): reading it then says why."""
    try:
        return Path(name).is_dir()
    except OSError:
        return False


def run_batch(args, model: str) -> int:
    import itertools

    from inference.batch import read_articles, score_batch
    from inference.errors import StanceError
    from inference.loader import load_classifier

    if not args.output:
        raise StanceError("batch input (a folder, glob, JSONL or Parquet) needs --output OUT.jsonl or OUT.parquet")
    articles = itertools.chain.from_iterable(read_articles(spec) for spec in args.articles)
    first = next(articles, None)  # validate the input before loading a model
    if first is None:
        raise StanceError(f"no articles found in {' '.join(args.articles)}")
    clf = load_classifier(model)
    try:
        done = score_batch(itertools.chain([first], articles), clf, args.output, progress=sys.stderr.isatty(),
                           coverage=args.coverage or None, explain=not args.no_explain)
    except OSError as exc:  # the output could not be written (readers turn their own OSErrors into StanceErrors)
        raise StanceError(f"{args.output}: cannot write ({exc.strerror or exc}); check space and permissions or "
                          "pick another --output (a re-run resumes after the articles already written)") from None
    print(f"scored {done.scored} article(s), skipped {done.skipped} already in {args.output}", file=sys.stderr)
    return 0
