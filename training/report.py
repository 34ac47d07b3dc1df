"""Render an evaluation (training/evaluate.py) as report.md, a self-contained report.html (figures
embedded as base64 PNG) and metrics.json; and render the model card."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from inference.labels import LABELS


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def figures(result: dict[str, Any]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    out = {}
    disp = ConfusionMatrixDisplay(np.array(result["confusion"]), display_labels=list(LABELS))
    disp.plot(cmap="Blues", colorbar=False)
    disp.ax_.set_title("Confusion matrix (rows: gold, columns: predicted)")
    out["confusion"] = _png(disp.figure_)
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    pts = result["reliability"]
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot([p["confidence"] for p in pts], [p["accuracy"] for p in pts], "o-", label="model")
    ax.set_xlabel("confidence (top label)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability (ECE {result['ece']:.3f}, 15 bins)")
    ax.legend(loc="upper left")
    out["reliability"] = _png(fig)
    return out


def _ci(result, key) -> str:
    lo, hi = result["intervals"][key]
    return f"{result['metrics'][key]:.3f} [{lo:.3f}, {hi:.3f}]"


def markdown(result: dict[str, Any], title: str) -> str:
    d = result["data"]
    lines = [f"# {title}", "",
             f"Data: `{d['name']}` ({d['sentences']} sentences: "
             + ", ".join(f"{l} {d['label_counts'][l]}" for l in LABELS) + f"), from `{d['path']}`.",
             f"Model: kind `{result['model']['kind']}`, trained on dataset {json.dumps(result['model']['dataset'])}.",
             "", "## Metrics (95% bootstrap CI, 1,000 resamples)", "",
             f"- macro-F1: **{_ci(result, 'macro_f1')}**", f"- accuracy: {_ci(result, 'accuracy')}",
             f"- expected calibration error (15 bins): {result['ece']:.3f}", "",
             "| label | precision | recall | F1 |", "| --- | --- | --- | --- |"]
    for l in LABELS:
        lines.append(f"| {l} | {_ci(result, 'precision_' + l)} | {_ci(result, 'recall_' + l)} | {_ci(result, 'f1_' + l)} |")
    if "binary" in result:
        lines += ["", "## Benchmark view", ""] + [f"- {k}: {v:.3f}" for k, v in result["binary"].items()]
    if "conformal" in result:
        c = result["conformal"]
        lines += ["", "## Conformal prediction sets", "",
                  f"Target coverage {c['coverage_target']}: empirical coverage {c['coverage']:.3f}, mean set size {c['set_size']:.2f}."]
    if result.get("contrast"):
        c = result["contrast"]
        lines += ["", "## Contrast-set consistency", "", f"{c['fully_right']:.1%} of {c['groups']} groups labelled fully right."]
    lines += ["", "## Confusion matrix (rows gold, columns predicted)", "", "| | " + " | ".join(LABELS) + " |",
              "| --- | --- | --- | --- |"]
    lines += [f"| {l} | " + " | ".join(str(v) for v in row) + " |" for l, row in zip(LABELS, result["confusion"])]
    lines += ["", "## Slices", ""]
    for dim, rows in result["slices"].items():
        lines += [f"**{dim}**", "", "| value | count | macro-F1 | accuracy |", "| --- | --- | --- | --- |"]
        lines += [f"| {r['value']} | {r['count']} | {r['macro_f1']:.3f} | {r['accuracy']:.3f} |" for r in rows] + [""]
    lines += ["## Most confident mistakes", "", "| confidence | gold | predicted | text |", "| --- | --- | --- | --- |"]
    lines += [f"| {x['confidence']:.2f} | {x['gold']} | {x['pred']} | {x['text'].replace('|', '/')} |" for x in result["mistakes"]]
    lines += ["", "## Model manifest", "", "```json", json.dumps({k: result["model"][k] for k in ("kind", "dataset", "config")},
                                                                indent=2), "```", ""]
    return "\n".join(lines)


def to_html(result: dict[str, Any], title: str) -> str:
    """Self-contained page: no external scripts, styles or images."""
    import markdown as md

    figs = figures(result)
    body = md.markdown(markdown(result, title), extensions=["tables", "fenced_code"])
    imgs = "".join(f"<figure><img alt='{name}' src='data:image/png;base64,{data}'><figcaption>{name}</figcaption></figure>"
                   for name, data in figs.items())
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>" + html.escape(title) + "</title>"
            "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}pre{white-space:pre-wrap}"
            "figure{display:inline-block;margin:1em}img{max-width:28em}</style></head><body>"
            f"{body}<h2>Figures</h2>{imgs}</body></html>\n")


def write_reports(result: dict[str, Any], out: Path, title: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    metrics = {k: v for k, v in result.items() if k != "predictions"}
    paths = [out / "report.md", out / "report.html", out / "metrics.json"]
    paths[0].write_text(markdown(result, title))
    paths[1].write_text(to_html(result, title))
    paths[2].write_text(json.dumps(metrics, indent=2) + "\n")
    return paths
