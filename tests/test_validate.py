"""`stance data validate`: planted defects are each reported with file:line; the shipped data is clean."""

import json

import pytest

from conftest import DATASET, stance
from inference.labels import LABELS
from training.validate import validate_path

GOOD = {"id": "a1", "text": "Ukrainian units crossed the border at dawn.", "label": "asserted", "doc_id": "d1", "source": "wire"}


def row(**kw):
    return json.dumps({**GOOD, **kw})


def write(folder, train, validation=(), test=()):
    folder.mkdir(exist_ok=True)
    for name, lines in (("train", train), ("validation", validation), ("test", test)):
        (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


PLANTED = {
    "bad json": (["{not json"], "not valid JSON"),
    "not an object": (["[1, 2]"], "expected a JSON object"),
    "missing field": ([json.dumps({"id": "a", "text": "x", "label": "asserted"})], "missing field(s) doc_id, source"),
    "wrong type": ([row(text=5)], "must be strings"),
    "unknown label": ([row(label="neutral")], "label 'neutral' is not one of"),
    "empty text": ([row(text="   ")], "text is empty or whitespace"),
    "duplicate id": ([row(), row(text="Another sentence about the front line.")], "duplicate id 'a1'"),
    "duplicate text": ([row(), row(id="a2", text="ukrainian units  crossed the border at dawn.")], "duplicate text"),
    "label in the wrong case": ([row(label="Asserted ")], "did you mean 'asserted'?"),
    "empty id": ([row(id=" ")], "id is empty"),
    "control character": ([row(text="Shelling hit Sudzha\x1b[0m overnight.")], "control character U+001B"),
    "malformed date": ([row(date="06/08/2024")], "date '06/08/2024' is not a YYYY-MM-DD"),
    "impossible date": ([row(date="2025-02-30")], "is not a YYYY-MM-DD calendar date"),
}


@pytest.mark.parametrize("name", PLANTED)
def test_planted_defect_is_reported_with_file_and_line(tmp_path, name):
    lines, message = PLANTED[name]
    folder = write(tmp_path / "ds", [row(id="first", text="A clean first sentence about Sudzha.")] + lines)
    problems = validate_path(folder)
    assert problems, name
    p = problems[0]
    assert message in p.message
    assert p.file.endswith("train.jsonl") and p.line >= 2
    assert str(p).startswith(f"{p.file}:{p.line}: ")


def test_invalid_utf8_is_reported_with_its_line(tmp_path):
    folder = write(tmp_path / "ds", [row(id="first", text="A clean first sentence about Sudzha.")])
    with open(folder / "train.jsonl", "ab") as f:
        f.write(b'{"id": "a9", "text": "Gas transit via Sudzha \xff\xfe halted.", "label": "asserted"}\n')
    [p] = validate_path(folder)
    assert (p.file, p.line) == (str(folder / "train.jsonl"), 2) and "not valid UTF-8" in p.message


def test_document_shared_across_splits(tmp_path):
    folder = write(tmp_path / "ds", [row()], [row(id="b1", text="Moscow denied losing the village of Martynovka.")])
    [p] = validate_path(folder)
    assert "document 'd1' is also in the train split" in p.message and p.file.endswith("validation.jsonl")


def test_near_duplicate_across_splits(tmp_path):
    folder = write(tmp_path / "ds", [row(text="Ukrainian units crossed the border into Kursk at dawn on Tuesday.")],
                   [row(id="b1", doc_id="d2", text="Ukrainian units crossed the border into Kursk at dawn on Tuesday!")])
    [p] = validate_path(folder)
    assert "near-duplicate" in p.message


def test_unrelated_sentences_are_not_near_duplicates(tmp_path):
    folder = write(tmp_path / "ds", [row()], [row(id="b1", doc_id="d2", text="The governor ordered an evacuation of Glushkovo.")])
    assert validate_path(folder) == []


def test_contrast_group_needs_one_sentence_per_label(tmp_path):
    folder = write(tmp_path / "ds", [row()])
    (folder / "contrast.jsonl").write_text(
        json.dumps({"id": "c1", "text": "Troops took Sudzha.", "label": "asserted", "group": "g1"}) + "\n"
        + json.dumps({"id": "c2", "text": "Troops may have taken Sudzha.", "label": "asserted", "group": "g1"}) + "\n")
    [p] = validate_path(folder)
    assert "contrast group 'g1'" in p.message


def test_shipped_dataset_is_clean():
    assert validate_path(DATASET) == []


def test_dataset_card_counts_are_the_files_counts():
    # The card's "Counts" table is written by hand; an audit relabel must update it too.
    card = (DATASET / "README.md").read_text()
    version = json.loads((DATASET / "dataset.json").read_text())["version"]
    assert f"(version {version})" in card
    splits = {s: [json.loads(l) for l in (DATASET / f"{s}.jsonl").read_text().splitlines() if l.strip()]
              for s in ("train", "validation", "test")}
    splits["all"] = [r for rows in splits.values() for r in rows]
    for split, rows in splits.items():
        counts = [sum(r["label"] == label for r in rows) for label in LABELS]
        line = next(l for l in card.splitlines() if l.startswith(f"| {split} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[1].replace(",", "") == str(len(rows)), line
        assert [c.split()[0].replace(",", "") for c in cells[3:6]] == [str(n) for n in counts], line


def test_cli_exit_codes(tmp_path):
    bad = write(tmp_path / "bad", [row(label="neutral")])
    result = stance("data", "validate", str(bad))
    assert result.returncode == 1
    assert f"{bad / 'train.jsonl'}:1: label 'neutral'" in result.stdout
    missing = stance("data", "validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    assert "Traceback" not in missing.stderr
