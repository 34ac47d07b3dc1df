import pytest

from inference.rule import RuleModel


@pytest.mark.parametrize("text,label", [
    ("Kyiv rejected Moscow's statement.", "disputed"),
    ("Moscow accused Kyiv, without evidence, of shelling the plant.", "disputed"),   # disputed cues come first
    ("Russia claimed its forces had halted the advance.", "speculative"),
    ("Could the bridge still be standing?", "speculative"),
    ("Ukrainian units crossed into the Kursk region on 6 August.", "asserted"),
])
def test_rule_follows_the_spec_cue_lists(text, label):
    assert RuleModel().decide(text) == label


def test_rule_logits_put_the_decision_first():
    logits = RuleModel().logits(["Kyiv denied it.", "Troops crossed."])
    assert list(logits.argmax(axis=1)) == [1, 0]
