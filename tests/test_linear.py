"""The linear model's numpy scorer is scikit-learn's `predict_proba`, without importing scikit-learn.

Training fits the sklearn pipeline and exports it (`training.linear.export_pipeline`); these tests
hold the exported scorer to the pipeline it came from, on the whole shipped test and contrast
splits, on odd inputs and on generated text, before and after a save/load round trip.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATASET, ROOT, small_dataset
from inference.errors import ArtifactError
from inference.labels import LABELS
from inference.linear import Block, LinearModel, char_wb_ngrams
from inference.text import normalize
from training.config import LinearConfig, load_config
from training.linear import build_pipeline, export_pipeline, fit_pipeline

TOLERANCE = 1e-12  # measured: about 2e-15 (summation order differs from scipy.sparse)

ODD = ["", " ", "!!!", "...?", "-", "--- -", "a", "I", "é", "x y", "\u00a0\t\n", "\u200b",
       "ÉCOLE Straße İstanbul ǅungla ﬁne", "日本語のテキスト、句読点。", "Кремль отрицает это.", "😀 🇺🇦 emoji",
       "so-called far-fetched claims", "Not true, it is NOT TRUE, not  true.", "could not be independently verified",
       "remains to be seen remains to be", "could could could not be verified", "word " * 2000,
       "Moscow denied it " * 300 + "and Kyiv may have", "a" * 5000]


def texts_of(split: str) -> list[str]:
    return [json.loads(line)["text"] for line in (DATASET / split).read_text().splitlines() if line.strip()]


def sklearn_proba(pipeline, texts: list[str]) -> np.ndarray:
    """What the linear model shipped before: the pipeline on normalised texts, columns in LABELS order."""
    import pandas as pd

    order = [list(pipeline.classes_).index(label) for label in LABELS]
    return pipeline.predict_proba(pd.DataFrame({"text": [normalize(t) for t in texts]}))[:, order]


def small_rows(tmp_path_factory) -> list[dict]:
    data = small_dataset(tmp_path_factory.mktemp("data"), {"train": 40})
    return [json.loads(l) for l in (data / "train.jsonl").read_text().splitlines()]


# The shipped settings, plus the variants a config may choose: no cue or frame block, unigrams only,
# character 1-grams, unweighted classes.
CONFIGS = {"default": LinearConfig(), "variants": LinearConfig(word_ngram_max=1, char_ngram_min=1, char_ngram_max=3,
                                                               cue_weight=0.0, frame_weight=0.0,
                                                               class_weight="none", min_df=2)}


@pytest.fixture(scope="module", params=list(CONFIGS))
def fitted(request, tmp_path_factory):
    rows = small_rows(tmp_path_factory)
    pipeline = fit_pipeline([r["text"] for r in rows], [r["label"] for r in rows], CONFIGS[request.param], seed=1)
    folder = tmp_path_factory.mktemp("linear")
    export_pipeline(pipeline).save(folder)
    return pipeline, LinearModel.load(folder)


def test_ngrams_match_the_worked_examples():
    block = Block("w", "word", (2, 3), {"kyiv denied": 0, "denied the report": 1, "the": 2, "report": 3})
    # 2- and 3-grams only: the unigrams "the" and "report" in the vocabulary never match.
    assert [a.tolist() for a in block.occurrences(["Kyiv denied the report; the report"])] == [[0, 0], [0, 1]]
    assert char_wb_ngrams("ab", (1, 4)) == [" ", "a", "b", " ", " a", "ab", "b ", " ab", "ab ", " ab "]


@pytest.mark.parametrize("analyzer,ngram_range,pattern", [("word", (1, 2), r"(?u)\b\w\w+\b"),
                                                          ("word", (1, 4), r"(?u)\b[\w-]+\b"),
                                                          ("word", (2, 3), r"(?u)\b\w\w+\b"),
                                                          ("char_wb", (2, 5), None), ("char_wb", (1, 3), None)])
def test_feature_counts_equal_sklearn_count_vectorizer(analyzer, ngram_range, pattern):
    from sklearn.feature_extraction.text import CountVectorizer

    texts = [normalize(t) for t in texts_of("test.jsonl")[:300] + ODD]
    kwargs = {"token_pattern": pattern} if pattern else {}
    cv = CountVectorizer(analyzer=analyzer, ngram_range=ngram_range, **kwargs).fit(texts[::2])
    block = Block("b", analyzer, ngram_range, cv.vocabulary_, token_pattern=pattern or r"(?u)\b\w\w+\b")
    rows, cols = block.occurrences(texts)
    ours = np.zeros((len(texts), len(cv.vocabulary_)), dtype=np.int64)
    np.add.at(ours, (rows, cols), 1)
    assert (ours == cv.transform(texts).toarray()).all()


def test_probabilities_equal_sklearn_on_the_test_and_contrast_splits(fitted):
    pipeline, model = fitted
    for split in ("test.jsonl", "contrast.jsonl"):
        texts = texts_of(split)
        np.testing.assert_allclose(model.probabilities(texts), sklearn_proba(pipeline, texts), rtol=0, atol=TOLERANCE)


def test_probabilities_equal_sklearn_on_odd_inputs(fitted):
    pipeline, model = fitted
    np.testing.assert_allclose(model.probabilities(ODD), sklearn_proba(pipeline, ODD), rtol=0, atol=TOLERANCE)
    # One at a time, as `stance classify` sees a single sentence, and in batches that cross a chunk.
    for text in ODD[:6]:
        np.testing.assert_allclose(model.probabilities([text]), sklearn_proba(pipeline, [text]), rtol=0, atol=TOLERANCE)
    many = (texts_of("test.jsonl") + ODD) * 2
    np.testing.assert_allclose(model.probabilities(many), sklearn_proba(pipeline, many), rtol=0, atol=TOLERANCE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
                | st.lists(st.sampled_from(["Kyiv", "denied", "may", "not", "true", "could", "be", "verified",
                                            "so-called", "-", ",", "  ", "\t", "É", "İ"]), max_size=12).map(" ".join),
                min_size=1, max_size=4))
def test_probabilities_equal_sklearn_on_generated_text(fitted, texts):
    pipeline, model = fitted
    np.testing.assert_allclose(model.probabilities(texts), sklearn_proba(pipeline, texts), rtol=0, atol=TOLERANCE)


def test_save_and_load_give_identical_scores(fitted, tmp_path):
    _, model = fitted
    model.save(tmp_path)
    texts = texts_of("test.jsonl")[:50] + ODD
    assert (LinearModel.load(tmp_path).logits(texts) == model.logits(texts)).all()
    assert {p.name for p in tmp_path.iterdir()} == {"linear.json", "linear.npz"}


@pytest.mark.slow
def test_shipped_baseline_config_equals_sklearn_on_the_whole_test_split():
    cfg = load_config(ROOT / "experiments/baseline.toml")
    rows = [json.loads(l) for l in (DATASET / "train.jsonl").read_text().splitlines()]
    pipeline = fit_pipeline([r["text"] for r in rows], [r["label"] for r in rows], cfg.linear, cfg.seed)
    texts = texts_of("test.jsonl")
    np.testing.assert_allclose(export_pipeline(pipeline).probabilities(texts), sklearn_proba(pipeline, texts),
                               rtol=0, atol=TOLERANCE)


def test_export_refuses_settings_the_scorer_does_not_reproduce(tmp_path_factory):
    rows = small_rows(tmp_path_factory)[:60]
    pipeline = build_pipeline(LinearConfig(), seed=1)
    pipeline.set_params(features__word__strip_accents="unicode")
    import pandas as pd

    pipeline.fit(pd.DataFrame({"text": [r["text"] for r in rows]}), [r["label"] for r in rows])
    with pytest.raises(ValueError, match="strip_accents='unicode' is not reproduced"):
        export_pipeline(pipeline)


def test_damaged_files_are_an_artifact_error(fitted, tmp_path):
    _, model = fitted
    model.save(tmp_path)
    settings_file = tmp_path / "linear.json"
    spec = json.loads(settings_file.read_text())
    spec["blocks"][0]["vocabulary"].append("extra")
    settings_file.write_text(json.dumps(spec))
    with pytest.raises(ArtifactError, match="expected"):
        LinearModel.load(tmp_path)
    settings_file.write_text("{not json")
    with pytest.raises(ArtifactError, match="unreadable linear model"):
        LinearModel.load(tmp_path)
    (tmp_path / "linear.npz").unlink()
    with pytest.raises(ArtifactError, match="no linear.npz"):
        LinearModel.load(tmp_path)


def test_classify_imports_no_heavy_library(model_dir):
    # The point of the numpy scorer: `stance classify` with a model folder starts in well under a second.
    code = ("import io, sys; sys.stdin = io.TextIOWrapper(io.BytesIO(b'Kyiv denied it.\\n'));"
            "from inference.cli import main; assert main(['classify', '--model', sys.argv[1]]) == 0;"
            "heavy = ('sklearn', 'scipy', 'pandas', 'skops', 'mlflow', 'torch', 'transformers', 'pysbd');"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, str(model_dir)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] in LABELS
    assert result.stderr.strip().splitlines()[-1] == "[]"
