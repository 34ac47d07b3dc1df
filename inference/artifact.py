"""The self-describing model folder: a manifest beside weights in safe formats (JSON, npz, safetensors).

    model/
      manifest.json   format, format_version, kind, labels, config, dataset, metrics, files{name: sha256}
      linear.json + linear.npz (linear)   or   model.safetensors + tokenizer files (transformer)

`write_manifest` hashes every file it lists; `read_manifest` refuses a folder whose format,
version, labels or hashes are not what this code expects, and says which.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from inference.errors import ArtifactError
from inference.labels import LABELS

FORMAT = "claimstance-model"
FORMAT_VERSION = 2
# Version 2 stores the linear model as linear.json + linear.npz (read without scikit-learn) instead
# of version 1's model.skops. The other kinds' folders did not change, so their version 1 still loads.
STILL_READ = {1: ("transformer", "embeddings", "rule")}
MANIFEST = "manifest.json"
# The folder name of the artifact inside the registered MLflow model: artifacts/<ARTIFACT_KEY>/.
ARTIFACT_KEY = "claimstance"


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(folder: Path, *, kind: str, config: dict[str, Any], dataset: dict[str, Any],
                   metrics: dict[str, float], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Hash every file already in `folder` and write manifest.json; returns the manifest."""
    folder = Path(folder)
    files = {p.relative_to(folder).as_posix(): sha256_file(p)
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
                "labels": list(LABELS), "config": config, "dataset": dataset,
                "metrics": metrics, "files": files, **(extra or {})}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def read_manifest(folder: Path, *, verify: bool = True) -> dict[str, Any]:
    """Load and check manifest.json: format, version, labels and (by default) every file hash."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise ArtifactError(f"{folder}: no {MANIFEST}; expected a claimstance model folder "
                            "(made by `stance train`)")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: not valid JSON ({exc}); the artifact is damaged, retrain or re-download it") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArtifactError(f"{path}: format is {manifest.get('format') if isinstance(manifest, dict) else manifest!r}, "
                            f"expected {FORMAT!r}")
    version, kind = manifest.get("format_version"), manifest.get("kind")
    if version == 1 and kind == "linear":
        raise ArtifactError(f"{path}: format_version 1 keeps the linear model in model.skops, which this code no "
                            f"longer reads (version {FORMAT_VERSION} loads it without scikit-learn); retrain it: "
                            "stance train --config experiments/baseline.toml")
    if version != FORMAT_VERSION and kind not in STILL_READ.get(version, ()):
        raise ArtifactError(f"{path}: format_version {version!r}, this code reads {FORMAT_VERSION}; "
                            "retrain the model or install the matching claimstance version")
    if tuple(manifest.get("labels", ())) != LABELS:
        raise ArtifactError(f"{path}: labels {manifest.get('labels')!r}, expected {list(LABELS)!r} in that order")
    if verify:
        files = manifest.get("files") or {}
        for name, expected in files.items():
            target = folder / name
            if not target.is_file():
                raise ArtifactError(f"{folder}: file {name} listed in the manifest is missing")
            if sha256_file(target) != expected:
                raise ArtifactError(f"{target}: SHA-256 does not match the manifest; the file was changed "
                                    "after training, do not use it (retrain or re-download)")
    return manifest
