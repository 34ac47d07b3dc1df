"""Benchmark 3: the linear model in process (sentences/s) and the cold start of `stance classify`
for one sentence, beside `python -c pass`.

    python experiments/benchmarks/linear.py --model MODEL_FOLDER [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import eval_texts, save, table, timed


def wall(cmd: list[str], stdin: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a linear model folder (or URI)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from inference.loader import load_classifier

    clf = load_classifier(args.model)
    texts, _, source = eval_texts(False)
    n = 2_000 if args.quick else 20_000
    batch = (texts * (n // len(texts) + 1))[:n]
    clf.predict(batch[:100])
    t, _ = timed(lambda: clf.predict_proba(batch), repeat=3)
    stance = str(Path(sys.executable).with_name("stance"))
    repeat = 3 if args.quick else 7
    rows = [{"what": f"predict_proba, {n} sentences in process", "value": n / t, "unit": "sentences/s"},
            {"what": "python -c pass", "value": wall([sys.executable, "-c", "pass"], "", repeat), "unit": "s"},
            {"what": "stance classify, one sentence (cold)", "value": wall([stance, "classify", "--model", args.model],
                                                                            "Kyiv denied the report.\n", repeat), "unit": "s"}]
    print(f"sentences from {source}")
    print(table(rows, ["what", "value", "unit"]))
    print(f"json: {save('linear', {'rows': rows})}")


if __name__ == "__main__":
    main()
