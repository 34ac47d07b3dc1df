"""Every article output format, on one scored worked example."""

import csv
import io
import json


from inference.render import csv_cell, html_page, write

RESULT = {"article": "a.txt", "sentences": [
    {"index": 0, "text": "Kyiv <denied> the report.", "label": "disputed",
     "probs": {"asserted": 0.1, "disputed": 0.8, "speculative": 0.1}, "set": ["disputed"], "top_words": ["denied"],
     "speaker": "Kyiv"},
    {"index": 1, "text": "Read more", "label": "no-claim", "probs": None}],
    "summary": {"sentences": 2, "claims": 1, "no_claim": 1, "counts": {"asserted": 0, "disputed": 1, "speculative": 0},
                "shares": {"asserted": 0.0, "disputed": 1.0, "speculative": 0.0}, "disputed": [0], "speculative": [],
                "speakers": {"Kyiv": 1}}}


def render(fmt):
    out = io.StringIO()
    write([RESULT], fmt, out)
    return out.getvalue()


def test_json_is_the_result():
    assert json.loads(render("json")) == RESULT


def test_jsonl_is_one_sentence_a_line_with_the_article():
    lines = [json.loads(l) for l in render("jsonl").splitlines()]
    assert [l["label"] for l in lines] == ["disputed", "no-claim"] and lines[0]["article"] == "a.txt"


def test_csv_has_a_row_per_sentence():
    rows = list(csv.DictReader(io.StringIO(render("csv"))))
    assert rows[0]["set"] == "disputed" and rows[0]["top_words"] == "denied" and rows[1]["disputed"] == ""


def test_csv_cells_cannot_run_as_formulas_or_carry_escapes():
    hostile = {**RESULT, "article": "@evil.txt", "sentences": [
        {**RESULT["sentences"][0], "text": "=HYPERLINK(\"http://x\",\"click\")", "speaker": "+Kyiv"},
        {**RESULT["sentences"][0], "text": "-2 villages\x1b[2J were lost\u202e.", "top_words": ["-2"]}]}
    out = io.StringIO()
    write([hostile], "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["text"] for r in rows] == ["'=HYPERLINK(\"http://x\",\"click\")", "'-2 villages\u241b[2J were lost\ufffd."]
    assert rows[0]["article"] == "'@evil.txt" and rows[0]["speaker"] == "'+Kyiv" and rows[1]["top_words"] == "'-2"
    assert csv_cell("Kyiv denied it.") == "Kyiv denied it."  # ordinary text untouched


def test_table_shows_labels_and_speakers():
    text = render("table")
    assert "disputed" in text and "no-claim" in text and "speakers: Kyiv (1)" in text


def test_html_escapes_marks_words_and_summarises():
    page = html_page([RESULT])
    assert "&lt;denied&gt;" in page and "<u>denied</u>" in page or "<u>" in page
    assert "<script" not in page and "class='legend'" in page and "disputed sentences" in page
