"""Batch scoring: every input form, bad input named by file and line, resume without duplicates or
gaps after a failure or a kill, and an output that is always the old file or the new one."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from inference.article import score_article
from inference.batch import Article, BatchResult, read_articles, read_records, score_batch
from inference.errors import StanceError
from inference.loader import load_classifier
from inference.predictor import Classifier

ROOT = Path(__file__).resolve().parent.parent


class CueModel:
    """A tiny model: 'denied' -> disputed, 'may' -> speculative, else asserted. Fails on a text
    containing `fail_on`, to simulate a crash part-way through a batch."""

    kind = "cue"

    def __init__(self, fail_on: str | None = None):
        self.fail_on = fail_on

    def logits(self, texts):
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError("simulated crash")
        return np.array([[0.0, 3.0, 0.0] if "denied" in t else [0.0, 0.0, 3.0] if "may" in t else [3.0, 0.0, 0.0]
                         for t in texts])


def cue(fail_on: str | None = None) -> Classifier:
    return Classifier(CueModel(fail_on))


def articles(n: int, prefix: str = "a") -> list[Article]:
    return [Article(f"{prefix}{i:03d}", f"Article {i}: troops crossed the border.\nKyiv denied report {i}.\n"
                                        "By Jane Roe") for i in range(n)]


def read_output(path: Path) -> list[dict]:
    return list(read_records(path))


# ------------------------------------------------------------------------------------ input forms


def test_folder_reads_every_txt_below_it_with_relative_ids(tmp_path):
    (tmp_path / "news" / "day2").mkdir(parents=True)
    (tmp_path / "news" / "b.txt").write_text("Kyiv denied it.")
    (tmp_path / "news" / "day2" / "a.txt").write_text("Troops crossed.")
    (tmp_path / "news" / "notes.md").write_text("not an article")
    assert list(read_articles(tmp_path / "news")) == [Article("b.txt", "Kyiv denied it."),
                                                       Article("day2/a.txt", "Troops crossed.")]


def test_glob_reads_matching_files_with_their_paths_as_ids(tmp_path):
    for name in ("x1.txt", "x2.txt", "y.txt"):
        (tmp_path / name).write_text(name)
    found = list(read_articles(str(tmp_path / "x*.txt")))
    assert [(Path(a.id).name, a.text) for a in found] == [("x1.txt", "x1.txt"), ("x2.txt", "x2.txt")]
    assert found[0].id == str(tmp_path / "x1.txt")


def test_one_txt_file_is_one_article(tmp_path):
    (tmp_path / "a.txt").write_text("Troops crossed.\nKyiv denied it.")
    assert list(read_articles("a.txt")) == [Article("a.txt", "Troops crossed.\nKyiv denied it.")]


def test_jsonl_takes_string_or_integer_ids_and_skips_blank_lines(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text('{"id": "x", "text": "Troops crossed.", "source": "wire"}\n\n{"id": 7, "text": "Kyiv denied it."}\n')
    assert list(read_articles(f)) == [Article("x", "Troops crossed."), Article("7", "Kyiv denied it.")]


def test_parquet_reads_id_and_text_columns(tmp_path):
    f = tmp_path / "a.parquet"
    pd.DataFrame({"id": ["x", "y"], "text": ["Troops crossed.", "Kyiv denied it."], "extra": [1, 2]}).to_parquet(f)
    assert list(read_articles(f)) == [Article("x", "Troops crossed."), Article("y", "Kyiv denied it.")]


def bad_input(tmp_path: Path, case: str) -> str:
    """Write the bad input of `case`; return the spec to read."""
    if case == "jsonl-missing-text":
        (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "ok"}\n{"id": "y"}\n')
        return "a.jsonl"
    if case == "jsonl-missing-id":
        (tmp_path / "a.jsonl").write_text('{"text": "ok"}\n')
        return "a.jsonl"
    if case == "jsonl-not-json":
        (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "ok"}\n\n{"id": "y", text}\n')
        return "a.jsonl"
    if case == "jsonl-bad-utf8":
        (tmp_path / "a.jsonl").write_bytes(b'{"id": "x", "text": "ok"}\n{"id": "y", "text": "caf\xe9"}\n')
        return "a.jsonl"
    if case == "jsonl-duplicate-id":
        (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "one"}\n{"id": "x", "text": "two"}\n')
        return "a.jsonl"
    if case == "txt-bad-utf8":
        (tmp_path / "news").mkdir()
        (tmp_path / "news" / "a.txt").write_bytes(b"Troops crossed.\nKyiv denied \xff it.\n")
        return "news"
    if case == "parquet-missing-id":
        pd.DataFrame({"key": ["x"], "text": ["ok"]}).to_parquet(tmp_path / "a.parquet")
        return "a.parquet"
    if case == "parquet-null-text":
        pd.DataFrame({"id": ["x", "y"], "text": ["ok", None]}).to_parquet(tmp_path / "a.parquet")
        return "a.parquet"
    if case == "parquet-not-parquet":
        (tmp_path / "a.parquet").write_text("id,text\nx,ok\n")
        return "a.parquet"
    if case == "empty-folder":
        (tmp_path / "news").mkdir()
        return "news"
    if case == "glob-no-match":
        return "news/*.txt"
    if case == "missing":
        return "nowhere.jsonl"
    if case == "unknown-suffix":
        (tmp_path / "a.csv").write_text("id,text\n")
        return "a.csv"
    raise AssertionError(case)


@pytest.mark.parametrize("case, expected", [
    ("jsonl-missing-text", "a.jsonl:2: expected a string 'text' field, found no text"),
    ("jsonl-missing-id", "a.jsonl:1: expected a non-empty string or integer 'id', found no id"),
    ("jsonl-not-json", "a.jsonl:3: not valid JSON"),
    ("jsonl-bad-utf8", "a.jsonl:2: not valid UTF-8"),
    ("jsonl-duplicate-id", "a.jsonl:2: id 'x' already used at a.jsonl:1"),
    ("txt-bad-utf8", "a.txt:2: not valid UTF-8"),
    ("parquet-missing-id", "a.parquet: no 'id' column; expected columns id and text, found ['key', 'text']"),
    ("parquet-null-text", "a.parquet: row 2: expected a string 'text' field, found no text"),
    ("parquet-not-parquet", "a.parquet: not a readable Parquet file"),
    ("empty-folder", "news: no .txt files"),
    ("glob-no-match", "news/*.txt: the pattern matches no files"),
    ("missing", "nowhere.jsonl: no such file or folder"),
    ("unknown-suffix", "a.csv: unknown input type '.csv'"),
])
def test_bad_input_is_one_line_naming_file_and_line(tmp_path, case, expected):
    spec = bad_input(tmp_path, case)
    with pytest.raises(StanceError) as err:
        list(read_articles(spec))
    message = str(err.value)
    assert expected in message and "\n" not in message


def test_bad_line_fails_after_earlier_articles_are_saved(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "Troops crossed."}\n{"id": "y"}\n')
    with pytest.raises(StanceError, match=r"a.jsonl:2"):
        score_batch(read_articles("a.jsonl"), cue(), "out.jsonl")
    assert [r["id"] for r in read_output(tmp_path / "out.jsonl")] == ["x"]


# ------------------------------------------------------------------------------------ scoring


def test_worked_example_jsonl_record(tmp_path):
    text = "Troops crossed the border.\nKyiv denied the report.\nBy Jane Roe"
    assert score_batch([Article("one", text)], cue(), "out.jsonl") == BatchResult(scored=1, skipped=0)
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["id"] == "one"
    assert record["content_hash"] == hashlib.sha256(text.encode()).hexdigest()
    assert {k: record["summary"][k] for k in ("sentences", "claims", "no_claim", "counts", "shares")} == {
        "sentences": 3, "claims": 2, "no_claim": 1,
        "counts": {"asserted": 1, "disputed": 1, "speculative": 0},
        "shares": {"asserted": 0.5, "disputed": 0.5, "speculative": 0.0}}
    assert [{k: s[k] for k in ("index", "text", "label", "probs")} for s in record["sentences"]] == [
        {"index": 0, "text": "Troops crossed the border.", "label": "asserted",
         "probs": {"asserted": 0.909443, "disputed": 0.045279, "speculative": 0.045279}},
        {"index": 1, "text": "Kyiv denied the report.", "label": "disputed",
         "probs": {"asserted": 0.045279, "disputed": 0.909443, "speculative": 0.045279}},
        {"index": 2, "text": "By Jane Roe", "label": "no-claim", "probs": None},
    ]
    # Whatever else score_article says about the article (top words, speakers) is kept too.
    assert record == {"id": "one", "content_hash": record["content_hash"], **score_article(text, cue())}


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_records_match_score_article_with_a_real_model(tmp_path, model_dir, out):
    clf = load_classifier(model_dir)
    sample = (ROOT / "datasets" / "articles" / "sudzha-sample.txt").read_text(encoding="utf-8")
    batch = [Article("sudzha", sample), Article("short", "Moscow rejected the report as fake."), Article("empty", "")]
    assert score_batch(batch, clf, out) == (3, 0)
    records = read_output(tmp_path / out)
    assert [r["id"] for r in records] == ["sudzha", "short", "empty"]
    for article, record in zip(batch, records):
        assert record == {"id": article.id, "content_hash": hashlib.sha256(article.text.encode()).hexdigest(),
                          **score_article(article.text, clf)}


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_rerun_skips_everything_and_leaves_the_file_as_it_was(tmp_path, out):
    assert score_batch(articles(5), cue(), out, chunk_size=2) == (5, 0)
    before = (tmp_path / out).read_bytes()
    assert score_batch(articles(5), cue(), out, chunk_size=2) == (0, 5)
    assert (tmp_path / out).read_bytes() == before


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_resume_after_a_crash_has_no_duplicates_or_gaps(tmp_path, out):
    batch = articles(50)
    with pytest.raises(RuntimeError, match="simulated crash"):
        score_batch(batch, cue(fail_on="Article 23:"), out, chunk_size=7)
    # Whole chunks, and the part-chunk scored before the failure: the first 23 articles.
    assert [r["id"] for r in read_output(tmp_path / out)] == [a.id for a in batch[:23]]
    assert score_batch(batch, cue(), out, chunk_size=7) == (27, 23)
    records = read_output(tmp_path / out)
    assert [r["id"] for r in records] == [a.id for a in batch]
    assert all(r["content_hash"] == hashlib.sha256(a.text.encode()).hexdigest() for r, a in zip(records, batch))
    assert all(r["summary"]["claims"] == 2 for r in records)


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_changed_text_is_scored_again_and_replaces_its_old_record(tmp_path, out):
    score_batch([Article("a", "Troops crossed."), Article("b", "Troops crossed.")], cue(), out)
    assert score_batch([Article("a", "Troops crossed."), Article("b", "Kyiv denied it.")], cue(), out) == (1, 1)
    records = read_output(tmp_path / out)
    assert [(r["id"], r["sentences"][0]["label"]) for r in records] == [("a", "asserted"), ("b", "disputed")]


KILLED_RUN = textwrap.dedent("""
    import sys, time
    import numpy as np
    from inference.batch import Article, score_batch
    from inference.predictor import Classifier

    class Slow:
        kind = "slow"
        def logits(self, texts):
            time.sleep(0.01)
            return np.tile([3.0, 0.0, 0.0], (len(texts), 1))

    batch = [Article(f"a{i:04d}", f"Troops crossed the border at point {i}.") for i in range(2000)]
    score_batch(batch, Classifier(Slow()), sys.argv[1], chunk_size=10)
""")


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_a_killed_run_leaves_whole_chunks_and_a_rerun_completes(tmp_path, out):
    script = tmp_path / "run.py"
    script.write_text(KILLED_RUN)
    proc = subprocess.Popen([sys.executable, str(script), out], cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / out).exists() or len(read_output(tmp_path / out)) < 30:
            assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it could be killed"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done = read_output(tmp_path / out)  # parses: never a half-written file
    assert 30 <= len(done) < 2000 and len(done) % 10 == 0
    batch = [Article(f"a{i:04d}", f"Troops crossed the border at point {i}.") for i in range(2000)]
    assert score_batch(batch, cue(), out, chunk_size=500) == (2000 - len(done), len(done))
    assert [r["id"] for r in read_output(tmp_path / out)] == [a.id for a in batch]


@pytest.mark.parametrize("out", ["out.jsonl", "out.parquet"])
def test_a_failed_write_leaves_the_old_output_and_no_temp_file(tmp_path, monkeypatch, out):
    score_batch(articles(3), cue(), out)
    before = (tmp_path / out).read_bytes()

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(os, "fsync", broken_fsync)
        with pytest.raises(OSError, match="No space left"):
            score_batch(articles(6), cue(), out, chunk_size=2)
    assert (tmp_path / out).read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == []
    assert score_batch(articles(6), cue(), out) == (3, 3)
    assert len(read_output(tmp_path / out)) == 6


def test_parquet_keeps_the_core_typed_and_the_rest_as_json(tmp_path):
    score_batch([Article("one", "Kyiv denied the report.\nBy Jane Roe")], cue(), "out.parquet")
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column_names == ["id", "content_hash", "summary", "sentences", "details"]
    [row] = table.to_pylist()
    assert row["summary"]["counts"] == {"asserted": 0, "disputed": 1, "speculative": 0}
    assert [(s["label"], s["probs"] and s["probs"]["disputed"]) for s in row["sentences"]] == [
        ("disputed", 0.909443), ("no-claim", None)]
    first = score_article("Kyiv denied the report.", cue())["sentences"][0]
    extra = {k: v for k, v in first.items() if k not in ("index", "text", "label", "probs")}
    assert extra and json.loads(row["details"])["sentences"][0] == extra  # e.g. top words, speaker


def test_output_format_follows_the_suffix_unless_given(tmp_path):
    score_batch(articles(2), cue(), "out.parquet")
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 2
    score_batch(articles(2), cue(), "parquet-in-disguise.dat", fmt="parquet")
    assert pq.read_table(tmp_path / "parquet-in-disguise.dat").num_rows == 2
    with pytest.raises(StanceError, match="'csv' is not one of jsonl, parquet"):
        score_batch(articles(2), cue(), "out.csv", fmt="csv")


def test_an_empty_input_writes_a_valid_empty_output(tmp_path):
    assert score_batch([], cue(), "out.jsonl") == (0, 0) and (tmp_path / "out.jsonl").read_text() == ""
    assert score_batch([], cue(), "out.parquet") == (0, 0) and pq.read_table(tmp_path / "out.parquet").num_rows == 0


def test_an_output_from_elsewhere_is_refused_not_overwritten(tmp_path):
    (tmp_path / "out.jsonl").write_text("id,text\n")
    with pytest.raises(StanceError, match="out.jsonl: line 1 is not a record with id and content_hash"):
        score_batch(articles(1), cue(), "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text() == "id,text\n"
    pd.DataFrame({"id": ["x"], "text": ["y"]}).to_parquet(tmp_path / "out.parquet")
    with pytest.raises(StanceError, match="out.parquet: its columns are"):
        score_batch(articles(1), cue(), "out.parquet")


def test_repeated_id_in_the_input_is_an_error(tmp_path):
    with pytest.raises(StanceError, match="article id 'x' appears twice"):
        score_batch([Article("x", "Troops crossed."), Article("x", "Kyiv denied it.")], cue(), "out.jsonl")


def test_progress_bar_only_when_asked(tmp_path, capsys):
    score_batch(articles(3), cue(), "a.jsonl")
    assert capsys.readouterr().err == ""
    score_batch(articles(3), cue(), "b.jsonl", progress=True)
    assert "3/3" in capsys.readouterr().err
