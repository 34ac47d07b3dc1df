"""`load_classifier`: one entry point for every model reference a user may hold.

>>> clf = load_classifier("models:/claim-stance@champion")   # doctest: +SKIP
>>> clf.predict(["Moscow denied the report."])               # doctest: +SKIP
['disputed']
"""

from __future__ import annotations

from pathlib import Path

from inference.artifact import MANIFEST, read_manifest
from inference.errors import ArtifactError, ModelNotFound
from inference.predictor import Classifier
from inference.registry import download, is_uri


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


def _model_class(kind: str):
    if kind == "linear":
        from inference.linear import LinearModel

        return LinearModel
    if kind == "transformer":
        from inference.transformer import TransformerModel

        return TransformerModel
    if kind == "embeddings":
        from inference.embeddings import EmbeddingModel

        return EmbeddingModel
    if kind == "rule":
        from inference.rule import RuleModel

        return RuleModel
    return None


KINDS = ("linear", "transformer", "embeddings", "rule")


def load_artifact(folder: Path, device: str = "auto") -> Classifier:
    """Check the manifest, then build the classifier of its kind."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    cls = _model_class(manifest["kind"])
    if cls is None:
        raise ArtifactError(f"{folder / MANIFEST}: unknown model kind {manifest['kind']!r}; expected one of {', '.join(KINDS)}")
    unlisted = [name for name in getattr(cls, "FILES", ()) if name not in (manifest.get("files") or {})]
    if unlisted:
        # A weight file the manifest does not hash would load unchecked.
        raise ArtifactError(f"{folder / MANIFEST}: lists no SHA-256 for {', '.join(unlisted)}; the folder was not "
                            "written by `stance train`, retrain or re-download it")
    if manifest["kind"] == "linear":
        model = cls.load(folder)
    else:
        model = cls.load(folder, manifest.get("config") or {}, device=device)
    return Classifier(model, manifest)


def load_classifier(ref: str | Path, device: str = "auto") -> Classifier:
    """Load a classifier from `models:/name@alias`, `models:/name/version`, `runs:/id/model` or a local path."""
    ref = str(ref)
    if is_uri(ref):
        return load_artifact(find_artifact(download(ref)), device)
    path = Path(ref).expanduser()
    try:
        exists = path.exists()
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ModelNotFound(f"{ref[:200]}: cannot be a model folder ({exc.strerror}); pass a model folder or a URI "
                            "such as models:/claim-stance@champion") from None
    if not exists:
        raise ModelNotFound(f"{ref}: no such file or folder; pass a model folder or a URI such as "
                            "models:/claim-stance@champion")
    return load_artifact(find_artifact(path), device)
