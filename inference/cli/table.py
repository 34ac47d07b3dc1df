"""Terminal tables coloured by label (rich), shared by `classify` and `score`."""

from __future__ import annotations

from inference.labels import LABELS, NO_CLAIM
from inference.render import visible

COLOURS = {"asserted": "green", "disputed": "red", "speculative": "yellow", NO_CLAIM: "dim"}


def _cell(text: str) -> str:
    """Input text as a table cell: rich markup escaped, control characters made visible.

    >>> _cell("a\\x1b[2Jb")
    'a\u241b[2Jb'
    """
    from rich.markup import escape

    return escape(visible(text))


def label_table(rows: list[dict], out, title: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=_cell(title) if title else None, show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("label")
    for label in LABELS:
        table.add_column(label[:4] + ".", justify="right")
    table.add_column("sentence", overflow="fold")
    explained = any(r.get("top_words") for r in rows)
    if explained:
        table.add_column("why")
    for i, r in enumerate(rows, 1):
        colour = COLOURS.get(r["label"], "")
        probs = r.get("probs") or {}
        cells = [str(i), f"[{colour}]{r['label']}[/]", *(f"{probs[l]:.2f}" if probs else "" for l in LABELS),
                 _cell(r["text"])]
        if explained:
            cells.append(_cell(", ".join(r.get("top_words") or [])))
        table.add_row(*cells)
    Console(file=out, width=160 if not out.isatty() else None).print(table)
