from inference.article import score_article
from inference.labels import LABELS

ARTICLE = """Ukraine Says Troops Hold Sudzha
By Olena Hrytsenko
Ukrainian forces took Sudzha on Thursday, the army chief said. Moscow denied losing the town.
Analysts say the push could divert Russian troops.
Photo: AFP
"""


def test_article_sentences_labels_and_shares(model_dir):
    from inference.loader import load_classifier

    result = score_article(ARTICLE, load_classifier(model_dir))
    rows = result["sentences"]
    assert [r["text"] for r in rows][:3] == ["Ukraine Says Troops Hold Sudzha", "By Olena Hrytsenko",
                                             "Ukrainian forces took Sudzha on Thursday, the army chief said."]
    assert [r["label"] == "no-claim" for r in rows] == [False, True, False, False, False, True]
    assert all(r["probs"] is None for r in rows if r["label"] == "no-claim")
    s = result["summary"]
    assert (s["sentences"], s["claims"], s["no_claim"]) == (6, 4, 2)
    assert sum(s["counts"].values()) == 4 and set(s["shares"]) == set(LABELS)
    assert abs(sum(s["shares"].values()) - 1) < 1e-9


def test_empty_article(model_dir):
    from inference.loader import load_classifier

    result = score_article("   \n", load_classifier(model_dir))
    assert result["sentences"] == [] and result["summary"]["claims"] == 0
