"""Everything MLflow on the training side: runs, params, dataset inputs, metrics, the pyfunc model,
the registry and the champion alias. MLflow is the system of record, not the file format.

With no MLFLOW_TRACKING_URI set, MLflow 3 writes to ./mlflow.db (runs, registry) and ./mlruns
(artifacts); with one set, to that server.
"""

from __future__ import annotations

import os
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# MLflow nags about optional features we choose not to use (type-hint validation, ambiguous local
# dataset sources); the run records are complete without them.
warnings.filterwarnings("ignore", category=UserWarning, module=r"mlflow\..*")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402

import inference  # noqa: E402
from inference.errors import StanceError  # noqa: E402
from inference.labels import LABELS  # noqa: E402
from inference.artifact import ARTIFACT_KEY  # noqa: E402
from inference.registry import tracking_uri  # noqa: E402


def _requirements(kind: str) -> list[str]:
    names = ["mlflow", "numpy", "pandas", "scikit-learn", "skops", "pysbd"]
    if kind in ("transformer", "embeddings"):
        names += ["torch", "transformers", "tokenizers", "safetensors"]
    return [f"{n}=={metadata.version(n)}" for n in names]


@contextmanager
def run(experiment: str, run_name: str) -> Iterator[Any]:
    """Start a run in `experiment`; a failure or interrupt marks it FAILED/KILLED, never left RUNNING."""
    mlflow.set_tracking_uri(tracking_uri())
    try:
        mlflow.set_experiment(experiment)
    except MlflowException as exc:
        raise StanceError(f"cannot use MLflow experiment {experiment!r} at {tracking_uri()}: "
                          f"{str(exc).splitlines()[0][:200]}") from None
    with mlflow.start_run(run_name=run_name) as active:
        try:
            yield active
        except KeyboardInterrupt:
            mlflow.end_run(status="KILLED")
            raise


@contextmanager
def child_run(run_name: str) -> Iterator[Any]:
    """A nested run (one seed of a multi-seed training)."""
    with mlflow.start_run(run_name=run_name, nested=True) as active:
        yield active


def log_epoch(epoch: int, metrics: dict[str, float]) -> None:
    """Per-epoch validation metrics of a fine-tune, as metric histories (step = epoch)."""
    mlflow.log_metrics({f"epoch_validation_{k}": v for k, v in metrics.items()}, step=epoch)


def log_seed_summary(per_seed: list[dict[str, float]], seeds: int) -> None:
    """Mean and standard deviation over seeds, in the parent run."""
    import statistics

    mlflow.log_param("seeds", seeds)
    for key in sorted(set.intersection(*(set(m) for m in per_seed))):
        values = [m[key] for m in per_seed]
        mlflow.log_metrics({f"{key}_mean": statistics.mean(values), f"{key}_std": statistics.stdev(values)})


def log_params(params: dict[str, Any]) -> None:
    mlflow.log_params({k: v for k, v in params.items()})


def log_dataset(info: dict[str, Any], frames: dict[str, Any]) -> None:
    """Each split as a run input, named and digested by the dataset's name, version and content hash."""
    for split, frame in frames.items():
        ds = mlflow.data.from_pandas(frame, source=info["path"], name=f"{info['name']}@{info['version']}",
                                     digest=info["hash"][:16])
        mlflow.log_input(ds, context=split, tags={"version": info["version"], "hash": info["hash"]})
    mlflow.set_tags({"dataset.name": info["name"], "dataset.version": info["version"], "dataset.hash": info["hash"]})


def log_metrics(metrics: dict[str, float]) -> None:
    mlflow.log_metrics(metrics)


def log_confusion(split: str, matrix: list[list[int]]) -> None:
    """The confusion matrix as JSON (for tools) and as a figure (for people)."""
    import matplotlib

    matplotlib.use("Agg")
    import numpy as np
    from sklearn.metrics import ConfusionMatrixDisplay

    mlflow.log_dict({"labels": list(LABELS), "rows": "true", "columns": "predicted", "matrix": matrix},
                    f"confusion/{split}.json")
    display = ConfusionMatrixDisplay(np.array(matrix), display_labels=list(LABELS))
    display.plot(cmap="Blues", colorbar=False)
    display.ax_.set_title(f"{split}: rows true, columns predicted")
    mlflow.log_figure(display.figure_, f"confusion/{split}.png")
    import matplotlib.pyplot as plt

    plt.close(display.figure_)


def log_model(folder: Path, kind: str, example: list[str]) -> str:
    """Log the artifact folder inside a pyfunc model; returns its logged-model URI (models:/m-...)."""
    import pandas as pd
    from mlflow.models import infer_signature

    frame = pd.DataFrame({"text": example})
    output = pd.DataFrame({"label": ["asserted"] * len(example), **{label: [0.0] * len(example) for label in LABELS}})
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(Path(inference.__file__).parent / "mlflow_model.py"),  # from code: no pickle
        artifacts={ARTIFACT_KEY: str(folder)},
        code_paths=[str(Path(inference.__file__).parent)],
        pip_requirements=_requirements(kind),
        signature=infer_signature(frame, output),
        input_example=frame,
    )
    return info.model_uri


def register(logged_uri: str, registered_model: str) -> tuple[str, str]:
    """Register a logged model; returns (models:/name/version, version)."""
    mv = mlflow.register_model(logged_uri, registered_model)
    return f"models:/{registered_model}/{mv.version}", str(mv.version)


def champion(registered_model: str, alias: str) -> str | None:
    """URI of the version the alias points at, or None when there is none yet."""
    client = MlflowClient(tracking_uri())
    try:
        mv = client.get_model_version_by_alias(registered_model, alias)
    except MlflowException:
        return None
    return f"models:/{registered_model}/{mv.version}"


def promote_if_better(registered_model: str, alias: str, version: str, score: float,
                      score_of: Callable[[str], float], force: bool = False) -> tuple[bool, str]:
    """Point `alias` at `version` if `score` beats the current holder re-scored by `score_of`.

    The current champion is scored again on this run's validation data, so both numbers come
    from the same sentences even when the dataset changed since it was trained.
    """
    client = MlflowClient(tracking_uri())
    current = champion(registered_model, alias)
    if force:
        reason = "forced by --promote"
    elif current is None:
        reason = f"no {alias} yet"
    else:
        theirs = score_of(current)
        if score <= theirs:
            return False, f"kept {current}: its validation macro-F1 {theirs:.4f} >= {score:.4f}"
        reason = f"validation macro-F1 {score:.4f} > {theirs:.4f} of {current}"
    client.set_registered_model_alias(registered_model, alias, version)
    client.set_model_version_tag(registered_model, version, "validation_macro_f1", f"{score:.6f}")
    return True, reason


def model_version_of(uri: str) -> tuple[str, str] | None:
    """(name, version) for models:/name/N or models:/name@alias; None for other URIs."""
    if not uri.startswith("models:/") or uri.startswith("models:/m-"):
        return None
    ref = uri.removeprefix("models:/")
    client = MlflowClient(tracking_uri())
    try:
        if "@" in ref:
            name, alias = ref.split("@", 1)
            return name, str(client.get_model_version_by_alias(name, alias).version)
        name, _, version = ref.partition("/")
        return (name, version) if version.isdigit() else None
    except MlflowException:
        return None


def log_evaluation(model_uri: str, data_name: str, metrics: dict[str, float], files: list[Path],
                   experiment: str = "claimstance-evaluations") -> str:
    """An evaluation run linked to the model version (tags, and a tag on the version itself)."""
    mlflow.set_tracking_uri(tracking_uri())
    mlflow.set_experiment(experiment)
    link = model_version_of(model_uri)
    with mlflow.start_run(run_name=f"eval {data_name}") as active:
        mlflow.set_tags({"model_uri": model_uri, "data": data_name,
                         **({"model_name": link[0], "model_version": link[1]} if link else {})})
        mlflow.log_metrics(metrics)
        for f in files:
            mlflow.log_artifact(str(f), artifact_path=f"evaluation/{data_name.replace(':', '_')}")
    if link:
        MlflowClient(tracking_uri()).set_model_version_tag(link[0], link[1], f"eval.{data_name}.macro_f1",
                                                           f"{metrics.get('macro_f1', float('nan')):.4f}")
    return active.info.run_id


def attach_card(model_uri: str, text: str) -> str | None:
    """Put the model card in the registered version's description and in its source run's artifacts."""
    link = model_version_of(model_uri)
    if not link:
        return None
    client = MlflowClient(tracking_uri())
    client.update_model_version(link[0], link[1], description=text)
    run_id = client.get_model_version(link[0], link[1]).run_id
    if run_id:
        client.log_text(run_id, text, "model_card/MODEL_CARD.md")
    return f"{link[0]} version {link[1]}"
