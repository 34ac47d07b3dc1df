import pytest

from inference.text import is_no_claim, normalize, split_sentences


def test_normalize_unifies_quotes_dashes_and_space():
    assert normalize("  \u201cKyiv\u2019s\u201d\u00a0troops \n crossed ") == "\"Kyiv's\" troops crossed"


def test_split_keeps_lines_apart_and_splits_sentences():
    text = "Headline Without A Full Stop\nTroops crossed on Aug. 6. The governor said 12 died."
    assert split_sentences(text) == ["Headline Without A Full Stop", "Troops crossed on Aug. 6.",
                                     "The governor said 12 died."]


@pytest.mark.parametrize("line", ["By Anna Petrova", "Reporting by Olena Hrytsenko; Editing by Mark Smith",
                                  "Read more: Kursk explained", "Photo: AFP", "Subscribe", "Advertisement",
                                  "Kyiv Regional Administration / Handout via Reuters", "12"])
def test_no_claim_lines(line):
    assert is_no_claim(line)


@pytest.mark.parametrize("line", ["Ukrainian troops crossed the border on Tuesday.",
                                  "Photographs from Getty Images showed burning vehicles near Sudzha.",
                                  "By Thursday, the governor had declared an emergency."])
def test_claims_are_not_filtered(line):
    assert not is_no_claim(line)
