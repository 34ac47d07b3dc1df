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
    assert manifest["kind"] == "linear" and {"linear.json", "linear.npz"} <= set(manifest["files"])
    assert manifest["format_version"] == 2


@pytest.mark.parametrize("name", ["linear.npz", "linear.json"])
def test_tampered_weights_are_refused(copy, name):
    with open(copy / name, "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ArtifactError, match="SHA-256 does not match"):
        load_classifier(copy)


def test_weights_missing_from_the_manifest_are_refused(copy):
    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["files"]["linear.npz"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="lists no SHA-256 for linear.npz"):
        load_classifier(copy)


def test_version_1_linear_model_says_retrain(copy):
    # Version 1 kept the linear model in model.skops; version 2 reads it without scikit-learn.
    path = copy / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 1
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="format_version 1 keeps the linear model in model.skops.*retrain"):
        load_classifier(copy)


def test_version_1_of_other_kinds_still_loads(tmp_path):
    # Their folders did not change between versions 1 and 2.
    from inference.artifact import write_manifest

    folder = tmp_path / "rule"
    folder.mkdir()
    write_manifest(folder, kind="rule", config={}, dataset={}, metrics={})
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 1
    path.write_text(json.dumps(manifest))
    assert load_classifier(folder).predict("Kyiv denied the report.") == ["disputed"]


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
