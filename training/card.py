"""The model card: generated from the model's manifest and the evaluations run on it."""

from __future__ import annotations

from typing import Any

from inference.labels import LABELS

IN_DOMAIN = ("kursk:", "shared:kursk-news-dev")


def _row(ev: dict[str, Any]) -> str:
    m, ci = ev["metrics"], ev["intervals"]
    lo, hi = ci["macro_f1"]
    f1 = " / ".join(f"{m['f1_' + l]:.3f}" for l in LABELS)
    extra = ""
    if "binary" in ev:
        extra = "; ".join(f"{k} {v:.3f}" for k, v in ev["binary"].items())
    elif "conformal" in ev:
        extra = f"coverage@{ev['conformal']['coverage_target']} {ev['conformal']['coverage']:.3f}, set {ev['conformal']['set_size']:.2f}"
    return (f"| `{ev['data']['name']}` | {ev['data']['sentences']} | {m['macro_f1']:.3f} [{lo:.3f}, {hi:.3f}] | {f1} | "
            f"{ev['ece']:.3f} | {extra} |")


def failure_modes(evals: list[dict[str, Any]]) -> list[str]:
    """Weakest slices and most frequent confusions, read off the evaluations."""
    notes = []
    for ev in evals:
        name = ev["data"]["name"]
        cm = ev["confusion"]
        pairs = sorted(((cm[i][j], LABELS[i], LABELS[j]) for i in range(3) for j in range(3) if i != j), reverse=True)[:2]
        notes.append(f"On `{name}`, the most frequent confusions are " + " and ".join(
            f"{g} read as {p} ({n})" for n, g, p in pairs) + ".")
        weakest = sorted((r["macro_f1"], dim, r["value"], r["count"]) for dim, rows in ev["slices"].items()
                         for r in rows if r["count"] >= 20)[:2]
        if weakest:
            notes.append(f"Weakest slices on `{name}`: " + "; ".join(f"{dim} = {v} (macro-F1 {f:.3f}, n={c})"
                                                                     for f, dim, v, c in weakest) + ".")
        if ev.get("contrast"):
            share = ev["contrast"]["fully_right"]
            notes.append(f"{share:.0%} of contrast groups are labelled fully right" + (
                ": the model still leans on topic words where only the framing changes." if share < 0.9 else "."))
    return notes


SECTIONS = {"linear": ("linear.",), "transformer": ("transformer.",), "embeddings": ("embeddings.", "transformer.base_model",
             "transformer.max_length"), "rule": ()}


def _relevant(key: str, kind: str | None) -> bool:
    """Top-level fields, data, and the config section of this model's kind."""
    if "." not in key or key.startswith("data."):
        return True
    return key.startswith(SECTIONS.get(kind or "", ()))


def model_card(uri: str, manifest: dict[str, Any], evals: list[dict[str, Any]]) -> str:
    ds = manifest.get("dataset") or {}
    cal = manifest.get("calibration") or {}
    cfg = manifest.get("config") or {}
    in_domain = [e for e in evals if e["data"]["name"].startswith(IN_DOMAIN)]
    out_domain = [e for e in evals if not e["data"]["name"].startswith(IN_DOMAIN)]
    head = "| data | sentences | macro-F1 [95% CI] | F1 asserted / disputed / speculative | ECE | other |\n| --- | --- | --- | --- | --- | --- |"
    lines = [
        f"# Model card: {uri}", "",
        f"Kind: **{manifest.get('kind')}**; labels {', '.join(LABELS)}; manifest format {manifest.get('format_version')}.", "",
        "## Intended use",
        "Label English news sentences about the 2024-25 Kursk incursion by how they present their claim (asserted, "
        "disputed, speculative) so that analysts can find contested and unverified claims in coverage. It judges "
        "framing, not truth. Not for: fact-checking verdicts, other languages, topics far from this conflict without "
        "re-evaluation, or decisions about people.", "",
        "## Training data",
        f"Dataset `{ds.get('name')}` version {ds.get('version')} (SHA-256 {str(ds.get('hash'))[:16]}...): original "
        "sentences written by the team in documents of many voices (wire, state media, officials, think tanks, "
        "bloggers, UN updates, fact-checks), labelled to the project's guideline with double annotation on a sample. "
        "See `datasets/kursk/README.md`.", "",
        "Config: " + ", ".join(f"`{k}={v}`" for k, v in sorted(cfg.items()) if _relevant(k, manifest.get("kind"))), "",
        "## Metrics", "", head] + [_row(e) for e in in_domain] + [
        "", f"Calibration: temperature {cal.get('temperature', 1.0):.3f} fitted on validation; validation ECE "
        f"{cal.get('ece_before', float('nan')):.3f} before, {cal.get('ece_after', float('nan')):.3f} after.", "",
        "## Out-of-domain results", "",
        "Emergent (headlines, for/against a rumour: disputed vs asserted) and CoNLL-2010 Wikipedia hedges "
        "(speculative vs not) are far from our topic and partly from our label definitions; they show how much "
        "carries over, not what to expect in production.", "", head] + [_row(e) for e in out_domain] + [
        "", "## Limits and known failure modes", ""] + [f"- {n}" for n in failure_modes(evals)] + [
        "- Training sentences are written by the team in imitation of real voices; real reporting is longer and "
        "messier (truncated sentences, two sentences run together), and real disputed sentences are rare (about 5% "
        "of the real-news set), so precision on disputed matters more than the balanced test split suggests.",
        "- One sentence at a time: a denial in the next sentence does not make this one disputed.", ""]
    return "\n".join(lines)
