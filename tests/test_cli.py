"""The `stance` console script through its real entry point: output contract and error exits."""

import csv
import io
import json

import pytest

from conftest import small_dataset, stance, write_config

SENTENCES = ["Kyiv rejected Moscow's statement that its troops had been encircled.",
             "The governor said 12 civilians had died.",
             "Russian forces may have regained the village."]


def test_classify_stdin_jsonl_contract(model_dir):
    result = stance("classify", "--model", str(model_dir), input="\n".join(SENTENCES) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(l) for l in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == SENTENCES
    for r in rows:
        assert list(r) == ["text", "label", "probs"]
        assert list(r["probs"]) == ["asserted", "disputed", "speculative"]
        assert r["label"] == max(r["probs"], key=r["probs"].get)
        assert abs(sum(r["probs"].values()) - 1) < 1e-4


def test_classify_jsonl_input_and_csv_output(model_dir, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(SENTENCES)))
    result = stance("classify", str(path), "--model", str(model_dir), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["text"] for r in rows] == SENTENCES and set(rows[0]) == {"text", "label", "asserted", "disputed", "speculative"}


def test_classify_csv_keeps_spreadsheet_formulas_inert(model_dir):
    result = stance("classify", "-", "--model", str(model_dir), "--format", "csv",
                    input='=HYPERLINK("http://x") Kyiv denied the report.\n')
    assert result.returncode == 0, result.stderr
    assert [r["text"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["'=HYPERLINK(\"http://x\") Kyiv denied the report."]


@pytest.mark.parametrize("args,stdin,message", [
    (["classify", "no-such-file.txt"], None, "no-such-file.txt: no such file"),
    (["classify", "--model", "models:/claim-stance@champion"], "Troops crossed.\n", "no model at models:/claim-stance@champion"),
    (["classify", "--model", "not/a/model"], "Troops crossed.\n", "not/a/model: no such file or folder"),
    (["classify", "-"], '{"text": 3}\n', "stdin:1: expected an object with a string 'text' field"),
    (["score", "missing-article.txt"], None, "missing-article.txt: no such file"),
])
def test_errors_are_one_line_exit_2(args, stdin, message):
    result = stance(*args, input=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_score_json_and_html(model_dir, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Kyiv Claims Sudzha\nBy Anna Petrova\nUkraine said it took Sudzha. Moscow denied it.\nRead more: Kursk\n")
    result = stance("score", str(article), "--model", str(model_dir), "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    labels = [s["label"] for s in out["sentences"]]
    assert labels[1] == labels[4] == "no-claim" and "no-claim" not in (labels[0], labels[2], labels[3])
    assert out["summary"]["claims"] == 3 and abs(sum(out["summary"]["shares"].values()) - 1) < 1e-9
    page = stance("score", str(article), "--model", str(model_dir), "--format", "html")
    assert page.stdout.startswith("<!doctype html>") and "class='s no-claim'" in page.stdout


@pytest.mark.slow
def test_train_then_classify_with_default_champion(tmp_path):
    config = write_config(tmp_path / "c.toml", small_dataset(tmp_path / "data"))
    trained = stance("train", "--config", str(config))
    assert trained.returncode == 0, trained.stderr
    assert "run id:" in trained.stdout and "model URI:   models:/claim-stance/1" in trained.stdout
    result = stance("classify", input="Moscow denied the report.\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["label"] in ("asserted", "disputed", "speculative")


def test_classify_coverage_adds_a_conformal_set(tmp_path):
    from inference.artifact import write_manifest
    from inference.rule import RuleModel
    from training.train import calibrate

    folder = tmp_path / "rule"
    folder.mkdir()
    validation = {"text": SENTENCES * 4, "label": ["disputed", "asserted", "speculative"] * 4}
    write_manifest(folder, kind="rule", config={}, dataset={}, metrics={},
                   extra={"calibration": calibrate(RuleModel(), validation)})
    result = stance("classify", "--model", str(folder), "--coverage", "0.9", input="\n".join(SENTENCES) + "\n")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(l) for l in result.stdout.splitlines()]
    assert all(r["label"] in r["set"] and list(r)[-1] == "set" for r in rows)
    bad = stance("classify", "--model", str(folder), "--coverage", "90", input="x\n")
    assert bad.returncode == 2 and "between 0 and 1" in bad.stderr
