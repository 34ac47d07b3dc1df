"""Benchmark 3: the linear model in process (sentences/s) and the cold start of `stance classify`
for one sentence, beside `python -c pass`.

    python experiments/benchmarks/linear.py [--model MODEL_FOLDER] [--config experiments/baseline.toml] [--quick]

Fits the config's scikit-learn pipeline on its training split, then times, on the same sentences
in the same process: the pipeline's `predict_proba` (what the linear model ran before format
version 2) and the numpy scorer exported from it (what ships now), and checks they agree. The cold
start runs the real `stance classify` on --model, or on a folder saved from the fitted pipeline.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, eval_texts, save, table, timed


def wall(cmd: list[str], stdin: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


class SklearnLinear:
    """The linear model as it ran before format version 2: the sklearn pipeline on a DataFrame."""

    kind = "linear (sklearn)"

    def __init__(self, pipeline):
        from inference.labels import LABELS

        self.pipeline = pipeline
        self._order = [list(pipeline.classes_).index(label) for label in LABELS]

    def probabilities(self, texts: list[str]):
        import pandas as pd

        from inference.text import normalize

        return self.pipeline.predict_proba(pd.DataFrame({"text": [normalize(t) for t in texts]}))[:, self._order]

    def logits(self, texts: list[str]):
        import numpy as np

        return np.log(np.clip(self.probabilities(texts), 1e-12, 1.0))


def reference(config: str):
    """The config's sklearn pipeline fitted on its training split, and the numpy scorer exported from it."""
    from training.config import load_config
    from training.linear import export_pipeline, fit_pipeline

    cfg = load_config(config)
    rows = [json.loads(l) for l in (ROOT / cfg.data.path / "train.jsonl").read_text().splitlines() if l.strip()]
    pipeline = fit_pipeline([r["text"] for r in rows], [r["label"] for r in rows], cfg.linear, cfg.seed)
    return SklearnLinear(pipeline), export_pipeline(pipeline)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", help="a linear model folder (or URI) for the cold start; default: one saved "
                    "from the pipeline fitted here")
    ap.add_argument("--config", default=str(ROOT / "experiments/baseline.toml"))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    import numpy as np

    from inference.artifact import write_manifest
    from inference.cues import FRAME_TOKENS
    from inference.linear import LinearModel

    sklearn_model, numpy_model = reference(args.config)
    texts, _, source = eval_texts(False)
    n = 2_000 if args.quick else 20_000
    batch = (texts * (n // len(texts) + 1))[:n]
    with tempfile.TemporaryDirectory() as tmp:
        numpy_model.save(tmp)
        write_manifest(tmp, kind="linear", config={}, dataset={}, metrics={})
        fresh = LinearModel.load(tmp)  # an empty word cache: every word of the first pass is new
        t_first, _ = timed(lambda: fresh.probabilities(texts))
        sklearn_model.probabilities(batch[:100])
        t_sklearn, p_sklearn = timed(lambda: sklearn_model.probabilities(batch), repeat=3)
        numpy_model.probabilities(batch[:100])
        t_numpy, p_numpy = timed(lambda: numpy_model.probabilities(batch), repeat=3)
        # The ceiling of any Python scorer of these features: the blocks' tokenizing regexes and the
        # whitespace split alone, over the same sentences, with nothing counted or looked up.
        lowered = [t.lower() for t in batch]
        tokenizers = [b._tokenize for b in numpy_model.blocks if b.analyzer == "word"]
        tokenizers += [FRAME_TOKENS.findall for b in numpy_model.blocks if b.analyzer == "frame"]
        t_floor, _ = timed(lambda: [[tok(t) for tok in tokenizers] + [t.split()] for t in lowered], repeat=3)
        stance = str(Path(sys.executable).with_name("stance"))
        repeat = 3 if args.quick else 7
        folder = args.model or tmp
        rows = [
            {"what": f"sklearn pipeline predict_proba (before), {n} sentences", "value": n / t_sklearn, "unit": "sentences/s"},
            {"what": f"numpy scorer (now), {n} sentences", "value": n / t_numpy, "unit": "sentences/s",
             "x before": t_sklearn / t_numpy},
            {"what": f"tokenizing only ({len(tokenizers)} regexes + split), {n} sentences: the ceiling",
             "value": n / t_floor, "unit": "sentences/s"},
            {"what": f"numpy scorer, first pass over {len(texts)} distinct sentences (empty word cache)",
             "value": len(texts) / t_first, "unit": "sentences/s"},
            {"what": "max |numpy - sklearn| probability", "value": float(np.abs(p_numpy - p_sklearn).max()), "unit": ""},
            {"what": "python -c pass", "value": wall([sys.executable, "-c", "pass"], "", repeat), "unit": "s"},
            {"what": "python -c 'import sklearn.pipeline, pandas' (the least the old load path imported)",
             "value": wall([sys.executable, "-c", "import sklearn.pipeline, pandas"], "", repeat), "unit": "s"},
            {"what": "stance classify --model FOLDER, one sentence (cold)",
             "value": wall([stance, "classify", "--model", folder], "Kyiv denied the report.\n", repeat), "unit": "s"},
        ]
    print(f"sentences from {source}; model {args.model or 'fitted from ' + args.config}")
    print(table(rows, ["what", "value", "unit", "x before"]))
    print(f"json: {save('linear', {'rows': rows})}")


if __name__ == "__main__":
    main()
