"""Benchmark 1: transformer throughput, our classifier vs `transformers.pipeline` on the same weights.

    python experiments/benchmarks/transformer_throughput.py --model MODEL [--threads 2] [--quick]

Same process, same thread count, same sentences (real-news dev set, or our test split). Variants:
the HF pipeline (batch_size=64), ours fp32 (length-sorted batches, dynamic padding,
inference_mode), ours with dynamic int8 quantisation. Prints sentences/s, the ratio to the
pipeline, and macro-F1 beside the unoptimised model's.
"""

from __future__ import annotations

import argparse
import os

from common import eval_texts, save, table, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a transformer model: folder or models:/ URI")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    import torch
    from transformers import pipeline

    from inference.labels import LABELS
    from inference.loader import find_artifact, load_classifier
    from inference.registry import download, is_uri
    from inference.transformer import quantize_int8
    from training.metrics import classification_metrics

    torch.set_num_threads(args.threads)
    folder = find_artifact(download(args.model) if is_uri(args.model) else args.model)
    texts, gold, source = eval_texts(args.quick)
    ours = load_classifier(folder, device="cpu")
    assert ours.kind == "transformer", f"{args.model} is a {ours.kind} model; pass a transformer"
    pipe = pipeline("text-classification", model=str(folder), tokenizer=str(folder), device=-1, batch_size=64,
                    truncation=True, max_length=128)
    id2label = pipe.model.config.id2label

    def run_pipe():
        return [id2label.get(int(r["label"].split("_")[-1]), r["label"]) if r["label"].startswith("LABEL_") else r["label"]
                for r in pipe(texts)]

    ours.predict(texts[:64])  # warm-up both
    pipe(texts[:64])
    rows = []
    t, pred = timed(run_pipe)
    base_f1 = classification_metrics(gold, pred)["macro_f1"]
    rows.append({"variant": "transformers.pipeline (batch 64)", "seconds": t, "sent/s": len(texts) / t, "macro_f1": base_f1})
    t, pred = timed(lambda: ours.predict(texts))
    ref_f1 = classification_metrics(gold, pred)["macro_f1"]
    rows.append({"variant": "ours fp32 (sorted, dynamic pad)", "seconds": t, "sent/s": len(texts) / t, "macro_f1": ref_f1})
    ours.model.model = quantize_int8(ours.model.model)
    ours.predict(texts[:64])
    t, pred = timed(lambda: ours.predict(texts))
    rows.append({"variant": "ours int8 dynamic", "seconds": t, "sent/s": len(texts) / t,
                 "macro_f1": classification_metrics(gold, pred)["macro_f1"]})
    for r in rows:
        r["x pipeline"] = r["sent/s"] / rows[0]["sent/s"]
        r["F1 - fp32"] = r["macro_f1"] - ref_f1
    print(f"{len(texts)} sentences from {source}; torch threads {args.threads}; labels {LABELS}")
    print(table(rows, ["variant", "seconds", "sent/s", "x pipeline", "macro_f1", "F1 - fp32"]))
    print(f"json: {save('transformer_throughput', {'sentences': len(texts), 'source': source, 'rows': rows})}")


if __name__ == "__main__":
    main()
