"""Benchmark 4: warm latency of scoring one 1,000-word article, p50/p99, per model.

    python experiments/benchmarks/article_latency.py --model A [--model B ...] [--runs 50] [--quick]
        [--sklearn experiments/baseline.toml]

Scoring only (split, filter, classify, conformal sets); the occlusion explanation is timed
separately because it runs the model once per word. `--sklearn CONFIG` also times the linear
model as it ran before format version 2 (the config's scikit-learn pipeline, fitted here, behind
the first linear model's calibration), in the same process.
"""

from __future__ import annotations

import argparse
import time

from common import ROOT, percentiles, save, table


def article(words: int = 1000) -> str:
    import json

    out, n = [], 0
    for line in (ROOT / "datasets/kursk/test.jsonl").read_text().splitlines():
        text = json.loads(line)["text"]
        out.append(text)
        n += len(text.split())
        if n >= words:
            break
    return "\n".join(" ".join(out[i:i + 4]) for i in range(0, len(out), 4))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sklearn", metavar="CONFIG", help="also time this linear config's sklearn pipeline (before)")
    args = ap.parse_args()
    from inference.article import score_article
    from inference.loader import load_classifier
    from inference.predictor import Classifier

    text = article()
    runs = 5 if args.quick else args.runs
    rows = []
    classifiers = [(ref, load_classifier(ref, device="cpu")) for ref in args.model]
    if args.sklearn:
        from linear import reference

        manifest = next((c.manifest for _, c in classifiers if c.kind == "linear"), {})
        classifiers.append((args.sklearn, Classifier(reference(args.sklearn)[0], manifest)))
    for ref, clf in classifiers:
        for explain in (False, True):
            score_article(text, clf, explain=explain)
            samples = []
            for _ in range(runs if not explain else max(3, runs // 10)):
                t = time.perf_counter()
                score_article(text, clf, explain=explain)
                samples.append((time.perf_counter() - t) * 1000)
            rows.append({"model": f"{clf.kind} ({ref})", "explain": explain, "runs": len(samples),
                         **{f"{k} ms": v for k, v in percentiles(samples).items()}})
    print(f"article: {len(text.split())} words")
    print(table(rows, ["model", "explain", "runs", "p50 ms", "p99 ms"]))
    print(f"json: {save('article_latency', {'words': len(text.split()), 'rows': rows})}")


if __name__ == "__main__":
    main()
