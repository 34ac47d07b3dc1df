"""`load_classifier`: one entry point for every model reference a user may hold.

>>> clf = load_classifier("models:/claim-stance@champion")   # doctest: +SKIP
>>> clf.predict(["Moscow denied the report."])               # doctest: +SKIP
['disputed']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

from inference.artifact import MANIFEST, read_manifest
from inference.errors import ArtifactError, ModelNotFound
from inference.registry import download, is_uri


class Classifier(Protocol):
    """What every model kind offers; CLI, service, evaluation and tests use only this."""

    labels: tuple[str, ...]
    kind: str
    manifest: dict[str, Any]

    def predict(self, texts: str | list[str]) -> list[str]: ...

    def predict_proba(self, texts: str | list[str]) -> np.ndarray: ...


def find_artifact(folder: Path) -> Path:
    """The claimstance artifact folder inside `folder`: itself, or inside an MLflow model folder."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return folder
    # An MLflow pyfunc model keeps our folder under artifacts/<name>/.
    found = sorted(p.parent for p in folder.glob("**/" + MANIFEST))
    if len(found) == 1:
        return found[0]
    if not found:
        raise ModelNotFound(f"{folder}: no {MANIFEST} found; expected a model folder written by `stance train` "
                            "or an MLflow model logged by it")
    raise ModelNotFound(f"{folder}: {len(found)} model folders inside; point at one of: "
                        + ", ".join(str(p) for p in found))


def load_artifact(folder: Path) -> Classifier:
    """Check the manifest, then build the classifier of its kind."""
    manifest = read_manifest(folder)
    kind = manifest["kind"]
    if kind == "linear":
        from inference.linear import LinearClassifier

        return LinearClassifier.load(folder, manifest)
    raise ArtifactError(f"{folder / MANIFEST}: unknown model kind {kind!r}; expected 'linear'")


def load_classifier(ref: str | Path) -> Classifier:
    """Load a classifier from `models:/name@alias`, `models:/name/version`, `runs:/id/model` or a local path."""
    ref = str(ref)
    if is_uri(ref):
        return load_artifact(find_artifact(download(ref)))
    path = Path(ref).expanduser()
    if not path.exists():
        raise ModelNotFound(f"{ref}: no such file or folder; pass a model folder or a URI such as "
                            "models:/claim-stance@champion")
    return load_artifact(find_artifact(path))
