"""The thin MLflow lookup on the inference side: turn a `models:/` or `runs:/` URI into a local folder.

mlflow is imported here only, and only when a URI (not a local path) is given.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from inference.errors import ModelNotFound, TrackingUnavailable

SCHEMES = ("models:/", "runs:/", "mlflow-artifacts:/", "s3://", "gs://", "file://")


def is_uri(ref: str) -> bool:
    return str(ref).startswith(SCHEMES)


def tracking_uri() -> str:
    """Where MLflow reads and writes: $MLFLOW_TRACKING_URI, else the local store in the working directory."""
    return os.environ.get("MLFLOW_TRACKING_URI") or "sqlite:///mlflow.db"


REACHABLE_WITHIN = 5.0  # seconds a tracking server gets to answer before we give up


def check_reachable(uri: str | None = None) -> None:
    """Fail fast with a clear message when an HTTP tracking server does not answer its /health.

    MLflow itself would retry with back-off for minutes; a user wants to know now.
    """
    import time

    uri = uri or tracking_uri()
    if not uri.startswith(("http://", "https://")):
        return
    import requests

    deadline, last = time.monotonic() + REACHABLE_WITHIN, "no answer"
    while time.monotonic() < deadline:
        try:
            response = requests.get(f"{uri.rstrip('/')}/health", timeout=2)
            if response.ok:
                return
            last = f"HTTP {response.status_code}"
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.5)
    raise TrackingUnavailable(f"tracking server {uri} is not reachable ({last} for {REACHABLE_WITHIN:.0f} s); start it, "
                        "or point MLFLOW_TRACKING_URI at a running one (unset it to use ./mlflow.db)")


def _cache_root() -> Path:
    return Path(os.environ.get("STANCE_CACHE", Path.home() / ".cache" / "claimstance"))


def download(uri: str) -> Path:
    """A local folder holding the model at `uri`.

    `models:/name@alias` and `models:/name/version` resolve to an immutable logged model
    (`m-...`); only its claimstance artifact is fetched, once, into a cache keyed by that id.
    The loader re-checks every file hash, so a stale or altered cache is refused, not trusted.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    check_reachable()
    import mlflow
    from mlflow.exceptions import MlflowException

    from inference.artifact import ARTIFACT_KEY

    mlflow.set_tracking_uri(tracking_uri())
    try:
        source = _resolve(uri)
        if source.startswith("models:/m-"):
            model_id = source.removeprefix("models:/")
            target = _cache_root() / model_id
            if not (target / ARTIFACT_KEY / "manifest.json").is_file():
                location = mlflow.MlflowClient().get_logged_model(model_id).artifact_location
                staging = Path(tempfile.mkdtemp(prefix="dl-", dir=_ensure(_cache_root())))
                try:
                    mlflow.artifacts.download_artifacts(artifact_uri=f"{location}/artifacts/{ARTIFACT_KEY}", dst_path=str(staging))
                    if not target.exists():  # another process may have filled the cache meanwhile
                        os.replace(staging, target)
                finally:
                    shutil.rmtree(staging, ignore_errors=True)
            return target / ARTIFACT_KEY
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=tempfile.mkdtemp(prefix="stance-")))
    except MlflowException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelNotFound(
            f"no model at {uri} in tracking store {tracking_uri()} ({first[:200]}); train one with "
            "`stance train --config experiments/baseline.toml`, or pass --model with another URI or path"
        ) from None
    except OSError as exc:
        raise ModelNotFound(f"cannot read model {uri} from {tracking_uri()}: {exc}; check the tracking "
                            "server address and that it is running") from None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _resolve(uri: str) -> str:
    """models:/name@alias or models:/name/version -> the version's source (models:/m-...); else unchanged."""
    from mlflow import MlflowClient

    if not uri.startswith("models:/") or uri.startswith("models:/m-"):
        return uri
    ref = uri.removeprefix("models:/").rstrip("/")
    client = MlflowClient()
    if "@" in ref:
        name, alias = ref.split("@", 1)
        return client.get_model_version_by_alias(name, alias).source
    name, _, version = ref.partition("/")
    if version.isdigit():
        return client.get_model_version(name, version).source
    return uri
