"""Benchmark 7: Spark `local[2]` sentence scoring (spark_udf on the registered model) against
in-process batch scoring of the same sentences, rows/s.

    python experiments/benchmarks/batch.py --model models:/claim-stance/N [--rows 20000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import eval_texts, save, table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    import pandas as pd

    from inference.loader import load_classifier
    from inference.spark import score_spark

    texts, _, _ = eval_texts(False)
    n = 2_000 if args.quick else args.rows
    frame = pd.DataFrame({"id": [f"s{i}" for i in range(n)], "text": [texts[i % len(texts)] for i in range(n)]})
    tmp = Path(tempfile.mkdtemp())
    frame.to_parquet(tmp / "in.parquet")
    clf = load_classifier(args.model)
    t = time.perf_counter()
    clf.predict(frame["text"].tolist())
    local = time.perf_counter() - t
    t = time.perf_counter()
    score_spark(tmp / "in.parquet", tmp / "out.parquet", args.model, master="local[2]")
    spark = time.perf_counter() - t
    rows = [{"engine": "in-process predict", "seconds": local, "rows/s": n / local},
            {"engine": "spark local[2] (incl. start-up)", "seconds": spark, "rows/s": n / spark}]
    for r in rows:
        r["x in-process"] = r["rows/s"] / rows[0]["rows/s"]
    print(f"{n} sentences, model {args.model}")
    print(table(rows, ["engine", "seconds", "rows/s", "x in-process"]))
    print(f"json: {save('batch', {'rows_scored': n, 'rows': rows})}")


if __name__ == "__main__":
    main()
