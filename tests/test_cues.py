"""The cue-family features of the linear model: which families a sentence holds, and their pairs."""

import pytest

from inference.cues import FRAMES, frame_features


def test_worked_example_lists_families_then_pairs_in_order():
    assert frame_features("Kyiv did not confirm the strike, but Moscow claimed it.") == [
        "has:contrast", "has:distance", "has:negation", "has:verify",
        "pair:contrast+distance", "pair:contrast+negation", "pair:contrast+verify",
        "pair:distance+negation", "pair:distance+verify", "pair:negation+verify"]


@pytest.mark.parametrize("text,families", [
    ("Troops crossed the border on 6 August.", []),
    ("The butter shortage was reported.", ["report"]),                 # whole words: "butter" is not "but"
    ("Officials didn't comment.", ["negation"]),                       # contracted negation
    ('He called it "a provocation".', ["quote"]),
    ("Will the bridge hold?", ["future", "question"]),
    ("Kyiv REJECTED the claim.", ["dispute", "distance"]),             # case does not matter
])
def test_families_found(text, families):
    assert [f[4:] for f in frame_features(text) if f.startswith("has:")] == families


def test_every_pair_of_present_families_appears_once():
    text = "Moscow denied it, but officials said troops may have been killed, and will not confirm whether."
    has = [f for f in frame_features(text) if f.startswith("has:")]
    pairs = [f for f in frame_features(text) if f.startswith("pair:")]
    assert len(has) >= 5 and len(pairs) == len(set(pairs)) == len(has) * (len(has) - 1) // 2


def test_families_hold_lowercase_single_words():
    # frame_features matches lowercased whole words: a phrase or a capital could never match.
    assert all(w == w.lower() and " " not in w for family in FRAMES.values() for w in family)
