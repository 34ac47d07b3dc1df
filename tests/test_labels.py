from inference.labels import ID2LABEL, LABEL2ID, LABELS


def test_labels_are_the_spec_names_in_spec_order():
    assert LABELS == ("asserted", "disputed", "speculative")


def test_ids_follow_the_tuple():
    assert [LABEL2ID[l] for l in LABELS] == [0, 1, 2]
    assert [ID2LABEL[i] for i in range(3)] == list(LABELS)
