"""`stance score ARTICLE... [--model URI] [--format table|json|html]`: label every sentence of articles."""

from __future__ import annotations

import html
import json
import sys

from inference.labels import LABELS


def register(sub) -> None:
    p = sub.add_parser("score", help="score whole articles, one a file (- for stdin)")
    p.add_argument("articles", nargs="+", metavar="ARTICLE", help="article text files; - for stdin")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--format", choices=("table", "json", "html"), default="table")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.article import score_article
    from inference.cli import DEFAULT_MODEL
    from inference.cli.inputs import read_text
    from inference.loader import load_classifier

    texts = {name: read_text(name) for name in args.articles}  # read all first: a bad path fails fast
    clf = load_classifier(args.model or DEFAULT_MODEL)
    results = [{"article": name, **score_article(text, clf)} for name, text in texts.items()]
    if args.format == "json":
        json.dump(results if len(results) > 1 else results[0], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "html":
        sys.stdout.write(to_html(results))
    else:
        from inference.cli.table import label_table

        for r in results:
            s = r["summary"]
            shares = ", ".join(f"{l} {s['shares'][l]:.0%}" for l in LABELS)
            label_table(r["sentences"], sys.stdout, title=f"{r['article']}: {s['claims']} claims ({shares}), "
                                                          f"{s['no_claim']} no-claim")
    return 0


_CSS = ("body{font:16px/1.6 Georgia,serif;max-width:46em;margin:2em auto;padding:0 1em}"
        ".asserted{background:#e3f4e1}.disputed{background:#fbdcdc}.speculative{background:#fdf1c7}"
        ".no-claim{color:#888}span.s{padding:1px 2px;border-radius:3px}.legend span{margin-right:1em;padding:2px 6px}")


def to_html(results: list[dict]) -> str:
    """A self-contained page: each article with its sentences highlighted by label, and a legend."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>claimstance</title>"
             f"<style>{_CSS}</style></head><body>",
             "<p class='legend'>" + "".join(f"<span class='{l}'>{l}</span>" for l in (*LABELS, "no-claim")) + "</p>"]
    for r in results:
        s = r["summary"]
        parts.append(f"<h2>{html.escape(r['article'])}</h2><p>{s['claims']} claims: "
                     + ", ".join(f"{l} {s['shares'][l]:.0%}" for l in LABELS) + "</p><p>")
        for sent in r["sentences"]:
            tip = "" if not sent["probs"] else " ".join(f"{l}={p:.2f}" for l, p in sent["probs"].items())
            parts.append(f"<span class='s {sent['label']}' title='{sent['label']} {tip}'>{html.escape(sent['text'])}</span> ")
        parts.append("</p>")
    parts.append("</body></html>\n")
    return "".join(parts)
