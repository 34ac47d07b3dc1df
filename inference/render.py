"""Scored articles as text for people and programs: table (terminal, coloured), json, jsonl, csv, html."""

from __future__ import annotations

import csv
import html
import json
import re
from typing import Any, TextIO

from inference.labels import LABELS, NO_CLAIM

# Control characters from the input are shown as symbols, never sent: ESC would start a terminal
# escape sequence (colours, cursor moves, window title) written by whoever wrote the input, and
# bidirectional overrides would make a cell read differently from what it holds.
_VISIBLE = str.maketrans({**{chr(c): chr(0x2400 + c) for c in range(0x20)}, "\x7f": "\u2421",
                          **{chr(c): "\ufffd" for c in range(0x80, 0xA0)},
                          **{chr(c): "\ufffd" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}})
# A cell starting with one of these is read as a formula by spreadsheets (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@")


def visible(text: str) -> str:
    """Input text safe to show: control characters and bidi overrides as symbols.

    >>> visible("a\\x1b[2Jb\\u202eok")
    'a\u241b[2Jb\ufffdok'
    """
    return text.translate(_VISIBLE)


def csv_cell(text: str) -> str:
    """Input text as a CSV cell that a spreadsheet shows as text, never runs as a formula.

    >>> csv_cell("=HYPERLINK(\\"http://x\\")"), csv_cell("Kyiv denied it.")
    ('\\'=HYPERLINK("http://x")', 'Kyiv denied it.')
    """
    text = visible(text)
    return "'" + text if text.startswith(_FORMULA_START) else text

_CSS = """body{font:17px/1.65 Georgia,serif;max-width:48em;margin:2em auto;padding:0 1em;color:#222}
h1{font:600 1.3em system-ui,sans-serif}h2{font:600 1.05em system-ui,sans-serif;margin-top:2em}
.s{padding:1px 3px;border-radius:3px}.asserted{background:#e3f4e1}.disputed{background:#fbd5d5}
.speculative{background:#fdf0c2}.no-claim{color:#999}.s u{text-decoration-thickness:2px}
.legend span{display:inline-block;margin:0 .8em .4em 0;padding:2px 8px;border-radius:3px;font:14px system-ui,sans-serif}
.summary{font:15px/1.5 system-ui,sans-serif;background:#f6f6f6;padding:.8em 1.2em;border-radius:6px}
.summary li{margin:.2em 0}"""


def _mark(text: str, words: list[str]) -> str:
    out = html.escape(text)
    for w in words or []:
        out = re.sub(r"\b(" + re.escape(html.escape(w)) + r")\b", r"<u>\1</u>", out, count=1)
    return out


def html_page(results: list[dict[str, Any]]) -> str:
    """A self-contained page (no scripts, no external files): sentences highlighted by label,
    a legend and the summary; hovering a sentence shows its probabilities and set."""
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             "<meta name='viewport' content='width=device-width,initial-scale=1'><title>claimstance</title>",
             f"<style>{_CSS}</style></head><body>"]
    for r in results:
        s = r["summary"]
        parts.append(f"<h1>{html.escape(str(r.get('article', 'article')))}</h1>")
        parts.append("<p class='legend'>" + "".join(f"<span class='{l}'>{l}</span>" for l in (*LABELS, NO_CLAIM))
                     + "<span>underlined: words that drove the label</span></p>")
        parts.append("<p>")
        for sent in r["sentences"]:
            tip = sent["label"]
            if sent["probs"]:
                tip += " | " + ", ".join(f"{l} {p:.2f}" for l, p in sent["probs"].items())
            if sent.get("set"):
                tip += " | 90% set: " + "/".join(sent["set"])
            parts.append(f"<span class='s {sent['label']}' title='{html.escape(tip)}'>"
                         f"{_mark(sent['text'], sent.get('top_words', []))}</span> ")
        parts.append("</p><div class='summary'><h2>Summary</h2><ul>")
        parts.append(f"<li>{s['claims']} claim sentences, {s['no_claim']} without a claim</li>")
        parts.append("<li>" + ", ".join(f"{l}: {s['counts'][l]} ({s['shares'][l]:.0%})" for l in LABELS) + "</li>")
        for label in ("disputed", "speculative"):
            if s[label]:
                items = "".join(f"<li>{html.escape(r['sentences'][i]['text'])}</li>" for i in s[label])
                parts.append(f"<li>{label} sentences:<ol>{items}</ol></li>")
        if s["speakers"]:
            parts.append("<li>speakers: " + ", ".join(f"{html.escape(k)} ({v})" for k, v in s["speakers"].items()) + "</li>")
        parts.append("</ul></div>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write(results: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump(results if len(results) > 1 else results[0], out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        for r in results:
            for sent in r["sentences"]:
                out.write(json.dumps({"article": r.get("article"), **sent}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        w = csv.writer(out)
        w.writerow(["article", "index", "text", "label", *LABELS, "set", "top_words", "speaker"])
        for r in results:
            for s in r["sentences"]:
                probs = s["probs"] or {}
                w.writerow([csv_cell(str(r.get("article") or "")), s["index"], csv_cell(s["text"]), s["label"],
                            *(probs.get(l, "") for l in LABELS), "|".join(s.get("set") or []),
                            csv_cell("|".join(s.get("top_words") or [])), csv_cell(s.get("speaker") or "")])
    elif fmt == "html":
        out.write(html_page(results))
    else:
        from inference.cli.table import label_table

        for r in results:
            s = r["summary"]
            shares = ", ".join(f"{l} {s['shares'][l]:.0%}" for l in LABELS)
            label_table(r["sentences"], out, title=f"{r.get('article')}: {s['claims']} claims ({shares}), "
                                                   f"{s['no_claim']} no-claim")
            if s["speakers"]:
                out.write("speakers: " + ", ".join(f"{k} ({v})" for k, v in s["speakers"].items()) + "\n")
