"""Benchmark 6 (GPU side): the `experiments/minilm.toml` fine-tune on a CUDA device, per seed:
time per epoch, total time, and test / contrast / real-news metrics; plus inference throughput on
the GPU, ours vs `transformers.pipeline`. Runs without MLflow (a lent GPU machine has none).

    python experiments/benchmarks/gpu_train.py --base MODEL_FOLDER [--dev REAL_NEWS.jsonl] [--seeds 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path

from common import ROOT, machine


def rows(path: Path) -> tuple[list[str], list[str]]:
    data = [json.loads(l) for l in path.read_text().splitlines() if l.strip()]
    return [r["text"] for r in data], [r["label"] for r in data]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="the base encoder folder (fp16 copies are upcast to fp32)")
    ap.add_argument("--dev", default=None, help="real-news JSONL to evaluate on, if available")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "reports" / "benchmarks"))
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--data", default=str(ROOT / "datasets" / "kursk"), help="dataset folder")
    ap.add_argument("--max-steps", type=int, default=-1, help="smoke test: stop after N steps")
    args = ap.parse_args()
    import torch
    from safetensors.torch import load_file, save_file

    from inference.predictor import Classifier, softmax
    from training.calibrate import conformal_scores, expected_calibration_error, fit_temperature, set_metrics
    from training.config import load_config
    from training.metrics import classification_metrics
    from training.transformer import fit_transformer

    base = Path("/tmp/base-fp32")
    base.mkdir(exist_ok=True)
    for f in Path(args.base).iterdir():
        if f.name == "model.safetensors":
            save_file({k: v.float().contiguous() for k, v in load_file(str(f)).items()}, str(base / f.name))
        elif f.is_file():
            (base / f.name).write_bytes(f.read_bytes())
    cfg = load_config(ROOT / "experiments/minilm.toml")
    tcfg = dataclasses.replace(cfg.transformer, base_model=str(base), max_steps=args.max_steps)
    splits = {s: rows(Path(args.data) / f"{s}.jsonl") for s in ("train", "validation", "test", "contrast")}
    if args.dev and Path(args.dev).is_file():
        splits["real-news"] = rows(Path(args.dev))
    results = []
    for i in range(args.seeds):
        seed = cfg.seed + i
        marks: list[float] = []
        start = time.perf_counter()
        model = fit_transformer(*splits["train"], *splits["validation"], tcfg, seed, args.device,
                                on_epoch=lambda epoch, m: marks.append(time.perf_counter()))
        total = time.perf_counter() - start
        logits_val = model.logits(splits["validation"][0])
        t = fit_temperature(logits_val, splits["validation"][1])
        scores = conformal_scores(softmax(logits_val, t), splits["validation"][1])
        clf = Classifier(model, {"calibration": {"temperature": t, "conformal_scores": scores}})
        epochs = [b - a for a, b in zip([start] + marks[:-1], marks)]
        r = {"seed": seed, "train_seconds": total, "epochs": len(epochs), "seconds_per_epoch": statistics.mean(epochs)}
        for name in ("test", "contrast", "real-news"):
            if name in splits:
                texts, gold = splits[name]
                probs = clf.predict_proba(texts)
                pred = [clf.labels[j] for j in probs.argmax(1)]
                m = classification_metrics(gold, pred)
                r[name] = {"macro_f1": m["macro_f1"], **{f"f1_{l}": m[f"f1_{l}"] for l in clf.labels},
                           "ece": expected_calibration_error(probs, gold),
                           **set_metrics(clf.predict_set([], 0.9, probs=probs), gold)}
        results.append(r)
        print(json.dumps(r), flush=True)
    # inference throughput on the GPU, last model, same sentences
    from transformers import pipeline

    texts = splits.get("real-news", splits["test"])[0]
    folder = Path("/tmp/gpu-model")
    model.save(folder)
    pipe = pipeline("text-classification", model=str(folder), tokenizer=str(folder), device=0 if args.device == "cuda" else -1, batch_size=64,
                    truncation=True, max_length=128)
    pipe(texts[:64]), clf.predict(texts[:64])
    sync = torch.cuda.synchronize if args.device == "cuda" else (lambda: None)
    sync()
    t0 = time.perf_counter(); pipe(texts); sync(); t_pipe = time.perf_counter() - t0
    t0 = time.perf_counter(); clf.predict(texts); sync(); t_ours = time.perf_counter() - t0
    summary = {"machine": machine(), "seeds": results,
               "mean_train_seconds": statistics.mean(r["train_seconds"] for r in results),
               "throughput": {"sentences": len(texts), "pipeline_sent_per_s": len(texts) / t_pipe,
                              "ours_sent_per_s": len(texts) / t_ours, "ratio": t_pipe / t_ours}}
    for name in ("test", "contrast", "real-news"):
        vals = [r[name]["macro_f1"] for r in results if name in r]
        if len(vals) > 1:
            summary[f"{name}_macro_f1_mean_std"] = (statistics.mean(vals), statistics.stdev(vals))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_train.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "seeds"}, indent=2))


if __name__ == "__main__":
    main()
