"""Benchmark 6: training cost. Baseline wall time; transformer seconds per epoch on this CPU
(one full epoch, or 10 steps extrapolated with --quick); beside the GPU numbers that
`gpu_train.py` wrote on a lent device (reports/benchmarks/gpu_train*.json), if any.

    python experiments/benchmarks/training.py [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time

from common import ROOT, save, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from training.config import load_config
    from training.data import load_splits
    from training.linear import fit_linear
    from training.transformer import fit_transformer

    data = load_splits(ROOT / "datasets/kursk")
    train, val = data["train"], data["validation"]
    base = load_config(ROOT / "experiments/baseline.toml")
    t = time.perf_counter()
    fit_linear(train["text"], train["label"], base.linear, base.seed)
    rows = [{"what": "linear baseline, full fit", "device": "cpu", "seconds": time.perf_counter() - t}]
    cfg = load_config(ROOT / "experiments/minilm.toml")
    steps_per_epoch = math.ceil(len(train) / cfg.transformer.batch_size)
    steps = 10 if args.quick else steps_per_epoch
    tcfg = dataclasses.replace(cfg.transformer, max_steps=steps, epochs=1)
    t = time.perf_counter()
    fit_transformer(train["text"], train["label"], val["text"][:64], val["label"][:64], tcfg, cfg.seed, "cpu")
    per_epoch = (time.perf_counter() - t) * steps_per_epoch / steps
    rows.append({"what": f"MiniLM fine-tune, seconds per epoch ({steps} steps{' extrapolated' if args.quick else ''})",
                 "device": "cpu", "seconds": per_epoch})
    rows.append({"what": f"MiniLM fine-tune, {cfg.transformer.epochs} epochs (estimate)", "device": "cpu",
                 "seconds": per_epoch * cfg.transformer.epochs})
    for path in sorted((ROOT / "reports" / "benchmarks").glob("gpu_train*.json")):
        gpu = json.loads(path.read_text())
        for s in gpu["seeds"]:
            rows.append({"what": f"MiniLM fine-tune seed {s['seed']}, {s['epochs']} epochs ({path.name})",
                         "device": gpu["machine"].get("gpu", "gpu"), "seconds": s["train_seconds"],
                         "s/epoch": s["seconds_per_epoch"]})
    print(table(rows, ["what", "device", "seconds", "s/epoch"]))
    print(f"json: {save('training', {'rows': rows})}")


if __name__ == "__main__":
    main()
