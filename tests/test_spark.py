"""Spark scoring gives the labels that in-process scoring gives, sentence for sentence, on a
registered model; bad input fails before Spark starts."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import DATASET, small_dataset, write_config
from inference.errors import StanceError
from inference.labels import LABELS, NO_CLAIM
from inference.text import is_no_claim, split_sentences

pytest.importorskip("pyspark")

from inference.spark import score_spark  # noqa: E402

ARTICLES = [
    "Ukrainian troops crossed into the Kursk region on Aug. 6.\nBy Jane Roe\n"
    "Moscow denied that the town had fallen. Kyiv may push further, analysts said.",
    "Read more: the war in Ukraine\nThe governor said 12 civilians were killed. Photo: Reuters",
]


@pytest.fixture
def spark_env(monkeypatch):
    monkeypatch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)


def sentences_parquet(path, n: int = 10_000) -> pd.DataFrame:
    """>= n single sentences from the dataset splits, repeated under distinct ids, plus two articles."""
    texts = [json.loads(line)["text"] for split in ("train", "validation", "test")
             for line in (DATASET / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [(f"s{i:05d}", texts[i % len(texts)]) for i in range(n)]
    rows += [(f"article{i}", text) for i, text in enumerate(ARTICLES)]
    frame = pd.DataFrame(rows, columns=["id", "text"])
    frame.to_parquet(path)
    return frame


@pytest.mark.slow
def test_spark_labels_equal_in_process_labels(tmp_path, spark_env):
    from inference.article import score_article
    from inference.loader import load_classifier
    from training.config import load_config
    from training.train import train

    assert train(load_config(write_config(tmp_path / "c.toml", small_dataset(tmp_path / "data"))))["version"] == "1"
    frame = sentences_parquet(tmp_path / "in.parquet")

    n = score_spark(tmp_path / "in.parquet", tmp_path / "out.parquet", "models:/claim-stance/1", master="local[2]")

    out = pd.read_parquet(tmp_path / "out.parquet")
    assert list(out.columns) == ["id", "index", "text", "label", *LABELS]
    # What in-process scoring says for the same rows: score_article's steps (split, set aside
    # no-claim lines, predict the rest), batched. The sentences repeat: each is split and scored once.
    splits = {text: split_sentences(text) for text in set(frame["text"])}
    claims = sorted({s for parts in splits.values() for s in parts if not is_no_claim(s)})
    clf = load_classifier("models:/claim-stance/1")
    probs = dict(zip(claims, clf.predict_proba(claims)))
    nothing = [np.nan] * len(LABELS)
    expected = pd.DataFrame(
        [(id_, i, s, LABELS[int(probs[s].argmax())] if s in probs else NO_CLAIM, *probs.get(s, nothing))
         for id_, text in zip(frame["id"], frame["text"]) for i, s in enumerate(splits[text])],
        columns=["id", "index", "text", "label", *LABELS])
    assert n == len(out) == len(expected) >= 10_000

    both = out.merge(expected, on=["id", "index"], how="outer", suffixes=("", "_expected"), validate="one_to_one")
    assert len(both) == len(expected) and both["text"].notna().all() and both["text_expected"].notna().all()
    assert (both["text"] == both["text_expected"]).all()
    wrong = both[both["label"] != both["label_expected"]]
    assert wrong.empty, wrong[["id", "index", "text", "label", "label_expected"]].head()
    for label in LABELS:  # no-claim lines: null in both
        np.testing.assert_allclose(both[label].to_numpy(float), both[f"{label}_expected"].to_numpy(float),
                                   atol=1e-9)
    no_claim = both[both["label"] == NO_CLAIM]
    assert len(no_claim) >= 3 and no_claim[list(LABELS)].isna().all().all()

    out = out.set_index(["id", "index"]).sort_index()
    article = out.loc["article0"]
    assert list(article["text"]) == ["Ukrainian troops crossed into the Kursk region on Aug. 6.", "By Jane Roe",
                                     "Moscow denied that the town had fallen.", "Kyiv may push further, analysts said."]
    assert article["label"].iloc[1] == NO_CLAIM and (article["label"] != NO_CLAIM).sum() == 3
    for i, text in enumerate(ARTICLES):  # the same labels as the CLI's article scoring
        rows = score_article(text, clf, coverage=None, explain=False)["sentences"]
        assert [r["label"] for r in rows] == list(out.loc[f"article{i}"]["label"])


def test_missing_column_fails_before_spark_starts(tmp_path):
    pd.DataFrame({"key": ["x"], "text": ["Troops crossed."]}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(StanceError, match=r"in.parquet: no 'id' column; expected columns id and text, "
                                          r"found \['key', 'text'\]"):
        score_spark(tmp_path / "in.parquet", tmp_path / "out", "models:/claim-stance/1")


def test_existing_output_and_missing_input_are_refused(tmp_path):
    (tmp_path / "out").mkdir()
    pd.DataFrame({"id": ["x"], "text": ["Troops crossed."]}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(StanceError, match="out: already exists"):
        score_spark(tmp_path / "in.parquet", tmp_path / "out", "models:/claim-stance/1")
    with pytest.raises(StanceError, match="nowhere.parquet: no such file or folder"):
        score_spark(tmp_path / "nowhere.parquet", tmp_path / "out2", "models:/claim-stance/1")


def test_text_that_is_not_a_string_is_refused(tmp_path):
    pd.DataFrame({"id": ["x"], "text": [3]}).to_parquet(tmp_path / "in.parquet")
    with pytest.raises(StanceError, match="in.parquet: column 'text' is int64; expected string"):
        score_spark(tmp_path / "in.parquet", tmp_path / "out", "models:/claim-stance/1")
