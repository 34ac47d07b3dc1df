"""The model folder describes itself and refuses tampering."""

import json
import shutil

import pytest

from inference.artifact import read_manifest
from inference.errors import ArtifactError
from inference.loader import load_classifier


@pytest.fixture
def copy(model_dir, tmp_path):
    return shutil.copytree(model_dir, tmp_path / "m")


def test_round_trip_predicts_same_probabilities(copy, model_dir):
    texts = ["Kyiv denied the report.", "The governor said 12 civilians died."]
    a, b = load_classifier(model_dir), load_classifier(copy)
    assert (a.predict_proba(texts) == b.predict_proba(texts)).all()
    assert a.predict_proba(texts).shape == (2, 3)


def test_manifest_lists_hashes(copy):
    manifest = read_manifest(copy)
    assert manifest["kind"] == "linear" and "model.skops" in manifest["files"]


def test_tampered_weights_are_refused(copy):
    with open(copy / "model.skops", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ArtifactError, match="SHA-256 does not match"):
        load_classifier(copy)


@pytest.mark.parametrize("field,value,message", [("labels", ["a", "b", "c"], "labels"),
                                                  ("format_version", 99, "format_version 99"),
                                                  ("format", "other", "format is 'other'")])
def test_foreign_manifest_is_refused(copy, field, value, message):
    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest[field] = value
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=message):
        load_classifier(copy)
