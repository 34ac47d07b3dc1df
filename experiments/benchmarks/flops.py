"""Benchmark 2: distance to the limit. Achieved FLOP/s of the encoder forward (FLOPs counted from
the architecture and the real, unpadded token counts) over the measured FLOP/s of a large fp32
matmul on the same cores.

    python experiments/benchmarks/flops.py --model MODEL [--threads 2] [--quick]
"""

from __future__ import annotations

import argparse
import os

from common import eval_texts, save, table, timed


def encoder_flops(lengths: list[int], layers: int, hidden: int, intermediate: int) -> float:
    """Multiply-adds x2 of a BERT encoder: projections and FFN per token, attention per token pair."""
    per_token = 2 * (4 * hidden * hidden + 2 * hidden * intermediate)
    return float(sum(layers * (n * per_token + 4 * n * n * hidden) for n in lengths))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import torch

    from inference.loader import load_classifier

    torch.set_num_threads(args.threads)
    clf = load_classifier(args.model, device="cpu")
    model = clf.model
    cfg = model.model.config
    texts, _, source = eval_texts(args.quick)
    from inference.text import normalize

    lengths = [len(model.tokenizer(normalize(t), truncation=True, max_length=model.max_length)["input_ids"]) for t in texts]
    flops = encoder_flops(lengths, cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size)
    clf.predict(texts[:64])
    rows = []
    for bs in (16, 64, 256):
        model.batch_size = bs
        t, _ = timed(lambda: model.logits(texts), repeat=2)
        rows.append({"what": f"encoder forward, batch {bs}", "seconds": t, "GFLOP/s": flops / t / 1e9})
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.matmul(a, b)
    t, _ = timed(lambda: [torch.matmul(a, b) for _ in range(5)], repeat=3)
    peak = 5 * 2 * n ** 3 / t
    rows.append({"what": f"fp32 matmul {n}x{n}", "seconds": t, "GFLOP/s": peak / 1e9})
    for r in rows:
        r["% of matmul"] = 100 * r["GFLOP/s"] * 1e9 / peak
    print(f"{len(texts)} sentences from {source}, {sum(lengths)} real tokens, {flops / 1e9:.1f} GFLOP; threads {args.threads}")
    print(table(rows, ["what", "seconds", "GFLOP/s", "% of matmul"]))
    print(f"json: {save('flops', {'rows': rows, 'tokens': sum(lengths), 'gflop': flops / 1e9})}")


if __name__ == "__main__":
    main()
