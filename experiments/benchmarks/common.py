"""Shared helpers for the benchmark scripts: timing, tables, JSON output, machine description."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def machine() -> dict:
    info = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of `repeat` calls (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {"p50": statistics.median(s), "p99": s[min(len(s) - 1, int(round(0.99 * (len(s) - 1))))]}


def table(rows: list[dict], columns: list[str]) -> str:
    cells = [[str(r.get(c, "")) if not isinstance(r.get(c), float) else f"{r[c]:.4g}" for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def save(name: str, payload: dict) -> Path:
    out = ROOT / "reports" / "benchmarks" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), **payload}, indent=2) + "\n")
    return out


def eval_texts(quick: bool) -> tuple[list[str], list[str], str]:
    """Real-length sentences: the real-news dev set when ../shared is there, else our test split."""
    from training.evalsets import load_eval_set

    for spec in ("shared:kursk-news-dev", str(ROOT / "datasets/kursk/test.jsonl")):
        try:
            data = load_eval_set(spec)
            break
        except Exception:  # noqa: BLE001 - fall back to our own split when ../shared is absent
            continue
    texts, labels = data["texts"], data["labels"]
    if quick:
        texts, labels = texts[:128], labels[:128]
    return texts, labels, data["name"]
