"""`stance data agreement`: kappa from the double-annotation record, and the record checked against the data."""

import json

import pytest

from conftest import small_dataset, stance
from training.agreement import agreement, kappa_table


def test_kappa_worked_example():
    # 4 of 6 agree; marginals (3, 2, 1) and (3, 1, 2): chance 13/36, kappa (24 - 13) / (36 - 13) = 11/23.
    pairs = [("asserted", "asserted"), ("asserted", "asserted"), ("disputed", "disputed"),
             ("speculative", "speculative"), ("asserted", "speculative"), ("disputed", "asserted")]
    table = kappa_table(pairs)
    assert table["n"] == 6 and table["agreement"] == pytest.approx(4 / 6)
    assert table["kappa"] == pytest.approx(11 / 23)
    # disputed one vs rest: agree on 5 of 6, marginals (2, 4) and (1, 5): (30 - 22) / (36 - 22) = 4/7
    assert table["per_label"]["disputed"] == pytest.approx(4 / 7)


def write_records(folder, rows):
    (folder / "annotation").mkdir(exist_ok=True)
    (folder / "annotation" / "double.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_records_are_checked_against_the_dataset(tmp_path):
    folder = small_dataset(tmp_path / "d", {"train": 2, "validation": 1, "test": 1})
    rows = [json.loads(l) for l in (folder / "train.jsonl").read_text().splitlines()][:3]
    other = {"asserted": "disputed", "disputed": "speculative", "speculative": "asserted"}
    records = [{"id": r["id"], "first": r["label"], "second": r["label"], "final": r["label"], "outcome": "agreed"}
               for r in rows]
    write_records(folder, records)
    result = agreement(folder)
    assert (result["n"], result["agreement"], result["mismatches"]) == (3, 1.0, [])
    assert result["splits"] == {"train": 3}
    drifted = dict(records[1], final=other[rows[1]["label"]])
    write_records(folder, [records[0], drifted, dict(records[2], id="nope")])
    mismatches = agreement(folder)["mismatches"]
    assert len(mismatches) == 2 and "double.jsonl:2:" in mismatches[0] and "'nope' is not in the dataset" in mismatches[1]


def test_cli_exit_codes_and_one_line_errors(tmp_path):
    folder = small_dataset(tmp_path / "d", {"train": 1, "validation": 1, "test": 1})
    result = stance("data", "agreement", str(folder))
    assert result.returncode == 2 and "no *.jsonl double-annotation records" in result.stderr
    write_records(folder, [{"id": "x", "first": "asserted", "second": "maybe", "final": "asserted"}])
    result = stance("data", "agreement", str(folder))
    assert result.returncode == 2 and "double.jsonl:1: second='maybe'" in result.stderr
    row = json.loads((folder / "train.jsonl").read_text().splitlines()[0])
    write_records(folder, [{"id": row["id"], "first": row["label"], "second": row["label"], "final": row["label"]}])
    result = stance("data", "agreement", str(folder))
    assert result.returncode == 0 and "1 double-annotated sentences (train 1" in result.stdout
