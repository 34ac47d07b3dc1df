"""Evaluation numbers and reports, on small worked examples."""

import json

import numpy as np
import pytest

from inference.labels import LABELS
from training.evaluate import binary_metrics, bootstrap_intervals, compare, contrast_consistency, evaluate, slices
from training.evalsets import load_eval_set
from training.report import write_reports

GOLD = ["asserted"] * 50 + ["disputed"] * 25 + ["speculative"] * 25


def test_bootstrap_interval_brackets_the_point_estimate():
    rng = np.random.default_rng(0)
    pred = [g if rng.random() < 0.8 else rng.choice(LABELS) for g in GOLD]
    from training.metrics import classification_metrics

    m = classification_metrics(GOLD, pred)
    ci = bootstrap_intervals(GOLD, pred, n=500)
    for key in ("macro_f1", "accuracy", "f1_disputed", "recall_speculative"):
        lo, hi = ci[key]
        assert lo <= m[key] <= hi and hi - lo < 0.4


def test_compare_sees_a_clear_gap_and_no_gap():
    worse = ["asserted"] * 100
    better = list(GOLD)
    better[0] = "disputed"
    result = compare(GOLD, worse, better)
    assert result["ci"][0] > 0 and result["verdict"].startswith("B is better")
    assert result["mcnemar"]["pvalue"] < 0.001
    same = compare(GOLD, better, better)
    assert same["verdict"].startswith("no clear difference") and same["delta"] == 0


def test_binary_view_counts_other_labels_as_wrong():
    m = binary_metrics(["disputed", "asserted", "asserted"], ["disputed", "speculative", "asserted"], "disputed")
    assert m["binary_f1_disputed"] == 1.0 and m["strict_accuracy"] == pytest.approx(2 / 3)


def test_contrast_consistency_needs_every_member_right():
    rows = [{"group": "g1", "label": l} for l in LABELS] + [{"group": "g2", "label": l} for l in LABELS]
    pred = list(LABELS) + ["asserted", "asserted", "speculative"]
    assert contrast_consistency(rows, pred) == {"groups": 2, "fully_right": 0.5}


def test_slices_group_by_length_attribution_and_source():
    rows = [{"text": "Kyiv said the troops crossed the border on Tuesday morning.", "label": "asserted", "source": "wire"}] * 12
    out = slices(rows, ["asserted"] * 12)
    assert out["attribution"][0]["value"] == "attributed" and out["source"][0] == {
        "value": "wire", "count": 12, "macro_f1": pytest.approx(1 / 3), "accuracy": 1.0}


def test_evaluate_and_reports_on_our_test_split(model_dir, tmp_path, monkeypatch):
    from conftest import ROOT
    from inference.loader import load_classifier

    monkeypatch.chdir(ROOT)
    data = load_eval_set("kursk:test")
    result = evaluate(load_classifier(model_dir), data)
    assert result["data"]["sentences"] == len(data["rows"]) and len(result["mistakes"]) <= 15
    assert all(m["gold"] != m["pred"] for m in result["mistakes"])
    md, page, metrics = write_reports(result, tmp_path / "r", "test report")
    assert "## Slices" in md.read_text() and "macro-F1" in md.read_text()
    html = page.read_text()
    assert html.count("data:image/png;base64,") == 2 and "<script" not in html and "http" not in html.split("</style>")[0]
    assert json.loads(metrics.read_text())["metrics"]["macro_f1"] == result["metrics"]["macro_f1"]


def test_unknown_sets_fail_with_a_fix(tmp_path):
    from inference.errors import StanceError

    with pytest.raises(StanceError, match="unknown shared set"):
        load_eval_set("shared:nope")
    with pytest.raises(StanceError, match="no such file"):
        load_eval_set(str(tmp_path / "x.jsonl"))
