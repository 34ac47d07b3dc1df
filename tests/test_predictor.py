"""Calibrated probabilities and conformal sets, shared by every model kind."""

import numpy as np
import pytest

from inference.errors import StanceError
from inference.labels import LABELS
from inference.predictor import Classifier, conformal_threshold, softmax
from training.calibrate import conformal_scores, expected_calibration_error, fit_temperature, set_metrics


class Fixed:
    """A model whose logits are given in advance, keyed by text."""

    kind = "fixed"

    def __init__(self, table):
        self.table = table

    def logits(self, texts):
        return np.array([self.table[t] for t in texts], dtype=float)


def test_softmax_rows_sum_to_one_and_temperature_flattens():
    z = np.array([[2.0, 0.0, -1.0], [0.0, 0.0, 0.0]])
    p1, p3 = softmax(z), softmax(z, 3.0)
    assert np.allclose(p1.sum(axis=1), 1) and np.allclose(p3.sum(axis=1), 1)
    assert p3[0, 0] < p1[0, 0] and np.allclose(p1[1], 1 / 3)


def test_conformal_threshold_is_the_finite_sample_quantile():
    assert conformal_threshold([0.1, 0.2, 0.3, 0.4], 0.5) == 0.3       # ceil(5 * 0.5) = 3rd smallest
    assert conformal_threshold([0.1, 0.2], 0.9) == float("inf")          # too few points: the full set


def test_fit_temperature_recovers_overconfidence():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(size=(4000, 3)) * 2
    labels = [LABELS[rng.choice(3, p=p)] for p in softmax(true_logits)]
    t = fit_temperature(true_logits * 3, labels)       # logits inflated 3x: the fit should divide by ~3
    assert 2.6 < t < 3.4
    before = expected_calibration_error(softmax(true_logits * 3), labels)
    after = expected_calibration_error(softmax(true_logits * 3, t), labels)
    assert after < before / 2


def test_conformal_sets_reach_coverage_on_exchangeable_data():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(6000, 3)) * 1.5
    labels = [LABELS[rng.choice(3, p=p)] for p in softmax(logits)]
    cal, test = slice(0, 3000), slice(3000, 6000)
    scores = conformal_scores(softmax(logits[cal]), labels[cal])
    texts = [str(i) for i in range(6000)]
    clf = Classifier(Fixed(dict(zip(texts, logits))), {"calibration": {"temperature": 1.0, "conformal_scores": scores}})
    for coverage in (0.8, 0.9, 0.95):
        m = set_metrics(clf.predict_set(texts[test], coverage), labels[test])
        assert abs(m["coverage"] - coverage) < 0.03
        assert 1 <= m["set_size"] <= 3


def test_predict_set_needs_calibration_and_a_sane_coverage():
    clf = Classifier(Fixed({"a": [1.0, 0.0, 0.0]}))
    with pytest.raises(StanceError, match="no conformal calibration"):
        clf.predict_set(["a"])
    clf = Classifier(Fixed({"a": [1.0, 0.0, 0.0]}), {"calibration": {"conformal_scores": [0.1, 0.5]}})
    with pytest.raises(StanceError, match="between 0 and 1"):
        clf.predict_set(["a"], coverage=90)


def test_temperature_from_manifest_changes_probabilities_not_labels():
    model = Fixed({"a": [2.0, 1.0, 0.0]})
    plain, warm = Classifier(model), Classifier(model, {"calibration": {"temperature": 2.0}})
    assert plain.predict("a") == warm.predict("a") == ["asserted"]
    assert warm.predict_proba("a")[0, 0] < plain.predict_proba("a")[0, 0]
    assert np.isclose(warm.predict_proba("a").sum(), 1)
