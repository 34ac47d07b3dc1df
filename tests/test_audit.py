"""`stance data audit`: cleanlab ranks planted label errors first, and recorded reviews are merged."""

import json
import re

import pytest

from conftest import small_dataset
from training.audit import audit, to_markdown

pytestmark = pytest.mark.slow


def test_planted_flips_are_flagged_and_reviews_merge(tmp_path):
    folder = small_dataset(tmp_path / "d", {"train": 40, "validation": 8, "test": 8})
    path = folder / "train.jsonl"
    rows = [json.loads(l) for l in path.read_text().splitlines()]
    # Flip ten clear cases: disputed sentences with a denial word, labelled asserted on purpose.
    cue = re.compile(r"\b(denied|denies|rejected|rejects|dismissed|fake|false)\b", re.IGNORECASE)
    planted = [r for r in rows if r["label"] == "disputed" and cue.search(r["text"])][:10]
    assert len(planted) >= 5
    for r in planted:
        r["label"] = "asserted"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    first = planted[0]["id"]
    (folder / "audit.jsonl").write_text(json.dumps({"id": first, "decision": "changed", "from": "asserted",
                                                    "to": "disputed", "reason": "denial"}) + "\n")
    result = audit(folder, folds=3)
    flagged = {f["id"] for f in result["flagged"]}
    assert sum(r["id"] in flagged for r in planted) >= len(planted) // 2
    assert result["changed"] == (1 if first in flagged else 0)
    assert result["unreviewed"] == len(result["flagged"]) - result["changed"] - result["kept"]
    report = to_markdown(result)
    assert "cleanlab flagged" in report and (first not in flagged or "changed -> disputed" in report)
