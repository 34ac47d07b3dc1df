"""Occlusion finds the words that drove a label, for any model kind; attribution finds speakers."""

import numpy as np
import pytest

from inference.attribution import speaker
from inference.explain import top_words
from inference.predictor import Classifier
from inference.rule import RuleModel


class KeywordModel:
    """Disputed iff 'denied' is present, more so with 'fake'; otherwise asserted."""

    kind = "keyword"

    def logits(self, texts):
        out = np.zeros((len(texts), 3))
        for i, t in enumerate(texts):
            out[i, 1] = 3.0 * ("denied" in t) + 1.0 * ("fake" in t)
        return out


def test_occlusion_ranks_the_driving_words_first():
    clf = Classifier(KeywordModel())
    [words] = top_words(clf, ["Moscow denied the fake report on Tuesday."])
    assert words[:2] == ["denied", "fake"]


def test_occlusion_works_through_the_rule_kind_and_returns_nothing_when_no_word_matters():
    clf = Classifier(RuleModel())
    assert top_words(clf, ["Troops may have left Sudzha.", "Troops left Sudzha."]) == [["may"], []]


def test_at_most_k_words():
    clf = Classifier(KeywordModel())
    assert top_words(clf, ["Moscow denied the fake report."], k=1) == [["denied"]]


@pytest.mark.parametrize("sentence,who", [
    ("The governor said 12 people had died.", "The governor"),
    ("Troops advanced, according to the General Staff of Ukraine.", "the General Staff of Ukraine"),
    ('"We are holding," said Oleksandr Syrskyi.', "Oleksandr Syrskyi"),
    ("Maria Zakharova, the ministry spokeswoman, told reporters the report was fake.", "Maria Zakharova"),
    ("Troops crossed the border.", None),
    ("It said nothing.", None),
])
def test_speaker_only_where_attribution_is_explicit(sentence, who):
    assert speaker(sentence) == who
