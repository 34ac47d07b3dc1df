"""The model card is built from the manifest and evaluation results, in-domain and out-of-domain apart."""

from inference.labels import LABELS
from training.card import model_card


def evaluation(name, macro, contrast=None, binary=None):
    ev = {"data": {"name": name, "sentences": 100}, "metrics": {"macro_f1": macro, **{f"f1_{l}": 0.5 for l in LABELS}},
          "intervals": {"macro_f1": (macro - 0.05, macro + 0.05)}, "ece": 0.03,
          "confusion": [[50, 3, 2], [9, 20, 1], [4, 1, 10]],
          "slices": {"source": [{"value": "wire", "count": 40, "macro_f1": 0.61, "accuracy": 0.7}]}}
    if contrast is not None:
        ev["contrast"] = {"groups": 10, "fully_right": contrast}
    if binary:
        ev["binary"] = binary
    return ev


def test_card_sections_numbers_and_failure_modes():
    manifest = {"kind": "linear", "format_version": 1, "dataset": {"name": "kursk", "version": "1.1.0", "hash": "ab" * 32},
                "calibration": {"temperature": 1.2, "ece_before": 0.05, "ece_after": 0.03},
                "config": {"name": "baseline", "linear.C": 16.0, "transformer.epochs": 4, "tracking.alias": "champion"}}
    card = model_card("models:/claim-stance/2", manifest, [
        evaluation("kursk:test", 0.87, contrast=0.63), evaluation("shared:emergent", 0.42, binary={"binary_f1_disputed": 0.39})])
    for heading in ("## Intended use", "## Training data", "## Metrics", "## Out-of-domain results", "## Limits and known failure modes"):
        assert heading in card
    metrics, ood = card.split("## Out-of-domain results")
    assert "`kursk:test` | 100 | 0.870 [0.820, 0.920]" in metrics and "emergent" not in metrics.split("## Metrics")[1]
    assert "binary_f1_disputed 0.390" in ood
    assert "`linear.C=16.0`" in card and "transformer.epochs" not in card and "tracking.alias" not in card
    assert "disputed read as asserted (9)" in card and "63% of contrast groups" in card
    assert "kursk` version 1.1.0" in card
