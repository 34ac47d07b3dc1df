"""Everything MLflow on the training side: runs, params, dataset inputs, metrics, the pyfunc model,
the registry and the champion alias. MLflow is the system of record, not the file format.

With no MLFLOW_TRACKING_URI set, MLflow 3 writes to ./mlflow.db (runs, registry) and ./mlruns
(artifacts); with one set, to that server.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import warnings
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterator

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# MLflow's HTTP defaults (7 retries, doubling back-off, 120 s timeout) turn a dead server into a
# silent hang of many minutes; ours give up after about 15 s and say so. Set them to override.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
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
from inference.registry import check_reachable, tracking_uri  # noqa: E402


def _requirements(kind: str) -> list[str]:
    names = ["mlflow", "numpy", "pandas", "pysbd"]  # the linear model scores with numpy alone
    if kind in ("transformer", "embeddings"):
        names += ["torch", "transformers", "tokenizers", "safetensors"]
    return [f"{n}=={metadata.version(n)}" for n in names]


OPEN_RUNS = Path(".stance") / "open-runs"  # runs this machine started and could not close yet
def _journal(run_id: str) -> Path:
    return OPEN_RUNS / f"{run_id}.json"


def _record(run_id: str, status: str, reason: str = "") -> str:
    import socket

    return json.dumps({"run_id": run_id, "tracking_uri": tracking_uri(), "status": status, "reason": reason[:500],
                       "pid": os.getpid(), "host": socket.gethostname()})


def _alive(record: dict) -> bool:
    """Whether the process that wrote a journal entry still runs (then its run is not orphaned)."""
    import socket

    if record.get("host") != socket.gethostname() or not record.get("pid") or record.get("status") != "RUNNING":
        return False
    try:
        os.kill(int(record["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return int(record["pid"]) != os.getpid()


def close_orphaned_runs() -> list[str]:
    """Mark FAILED the runs an earlier process could not close because the server was down."""
    closed = []
    client = MlflowClient(tracking_uri())
    for path in sorted(OPEN_RUNS.glob("*.json")) if OPEN_RUNS.is_dir() else []:
        record = json.loads(path.read_text())
        if record.get("tracking_uri") != tracking_uri() or _alive(record):
            continue
        if client.get_run(record["run_id"]).info.status == "RUNNING":
            client.set_tag(record["run_id"], "stance.failure", record.get("reason", "tracking server lost"))
            client.set_terminated(record["run_id"], "FAILED")
            closed.append(record["run_id"])
        path.unlink()
    return closed


def _terminate(run_id: str, status: str, reason: str, grace: float) -> None:
    """Set the run's final status, waiting up to `grace` s for a lost server; else journal it."""
    client = MlflowClient(tracking_uri())
    deadline, told = time.monotonic() + grace, False
    while True:
        try:
            if status != "FINISHED":
                client.set_tag(run_id, "stance.failure", reason[:500])
            client.set_terminated(run_id, status)
            _journal(run_id).unlink(missing_ok=True)
            return
        except (MlflowException, OSError) as exc:
            if not told and grace > 0:
                print(f"stance: tracking server lost ({type(exc).__name__}); waiting up to {grace:.0f} s for "
                      f"{tracking_uri()} to mark run {run_id} {status}", file=sys.stderr, flush=True)
                told = True
            if time.monotonic() >= deadline:
                _journal(run_id).write_text(_record(run_id, status, reason))
                raise StanceError(f"run {run_id} could not be marked {status} at {tracking_uri()} "
                                  f"({type(exc).__name__}); the next `stance train` against that server marks it "
                                  f"FAILED (journal: {_journal(run_id)})") from None
            time.sleep(2)


@contextmanager
def run(experiment: str, run_name: str) -> Iterator[Any]:
    """Start a run in `experiment`; it always ends FINISHED, FAILED or KILLED, never left RUNNING.

    If the tracking server goes away mid-run, closing waits up to $STANCE_TRACKING_GRACE s
    (default 60) for it to come back, and otherwise leaves a journal entry that the next
    `stance train` uses to mark the run FAILED.
    """
    check_reachable()
    mlflow.set_tracking_uri(tracking_uri())
    try:
        mlflow.set_experiment(experiment)
        close_orphaned_runs()
    except MlflowException as exc:
        raise StanceError(f"cannot use MLflow experiment {experiment!r} at {tracking_uri()}: "
                          f"{str(exc).splitlines()[0][:200]}") from None
    active = mlflow.start_run(run_name=run_name)
    run_id = active.info.run_id
    OPEN_RUNS.mkdir(parents=True, exist_ok=True)
    _journal(run_id).write_text(_record(run_id, "RUNNING"))  # a SIGKILL leaves it for the next run to close
    grace = float(os.environ.get("STANCE_TRACKING_GRACE", "60"))
    try:
        yield active
    except KeyboardInterrupt as exc:
        _finish(run_id, "KILLED", f"interrupted ({type(exc).__name__})", grace)
        raise
    except BaseException as exc:
        _finish(run_id, "FAILED", f"{type(exc).__name__}: {str(exc)[:300]}", grace)
        raise
    _finish(run_id, "FINISHED", "", grace)


def _finish(run_id: str, status: str, reason: str, grace: float) -> None:
    """End every run this process has open (nested ones too) with `status`; a lost server gets `grace` s."""
    told = True
    while mlflow.active_run() is not None:
        try:
            mlflow.end_run(status=status)
        except (MlflowException, OSError):
            told = False  # MLflow pops the run before it calls the server; _terminate retries the parent
    if told and status == "FINISHED":
        _journal(run_id).unlink(missing_ok=True)
        return
    _terminate(run_id, status, reason, grace)


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block is done, so the registry never gets half an update."""
    import threading

    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda s, _f: caught.append(s)) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in caught[:1]:
            signal.raise_signal(sig)


@contextmanager
def child_run(run_name: str) -> Iterator[Any]:
    """A nested run (one seed of a multi-seed training), ended KILLED or FAILED like its parent."""
    active = mlflow.start_run(run_name=run_name, nested=True)
    try:
        yield active
    except BaseException as exc:
        status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
        try:
            mlflow.end_run(status=status)
        except (MlflowException, OSError):
            pass  # the server is gone; the parent's close reports it and journals the parent run
        raise
    mlflow.end_run()


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


def set_tags(tags: dict[str, str]) -> None:
    mlflow.set_tags(tags)


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


def champion(registered_model: str, alias: str) -> str | None:
    """URI of the version the alias points at, or None when there is none yet."""
    client = MlflowClient(tracking_uri())
    try:
        mv = client.get_model_version_by_alias(registered_model, alias)
    except MlflowException:
        return None
    return f"models:/{registered_model}/{mv.version}"


def _promotion_lock(registered_model: str):
    """A lock every promoter of `registered_model` on this store takes: read, compare, write as one step.

    The registry has no compare-and-set, so two trainings finishing together could each see the old
    champion and the worse one could write last. The lock file sits beside a local store (sqlite or
    folder) and in the user cache for a server; promoters on other machines against one server are
    not covered (see RELIABILITY.md).
    """
    import hashlib
    import re

    from filelock import FileLock

    uri = tracking_uri()
    local = re.match(r"sqlite:///(.+)$", uri) or re.match(r"(?:file://)?(/.+)$", uri)
    folder = Path(local.group(1)).resolve().parent if local else \
        Path(os.environ.get("STANCE_CACHE", Path.home() / ".cache" / "claimstance")) / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(f"{uri}|{registered_model}".encode()).hexdigest()[:16]
    return FileLock(folder / f".stance-promote-{key}.lock", timeout=600)


def register_and_promote(logged_uri: str, registered_model: str, alias: str, score: float,
                         score_of: Callable[[str], float], force: bool = False) -> dict[str, Any]:
    """Register a logged model and point `alias` at it if `score` beats the holder re-scored by `score_of`.

    The current champion is scored again on this run's validation data, so both numbers come
    from the same sentences even when the dataset changed since it was trained. Reading the
    champion, comparing and writing happen under one lock, so concurrent promoters serialise;
    the registry writes run with SIGINT/SIGTERM held, so an interrupt never leaves half of them.
    """
    client = MlflowClient(tracking_uri())
    with _promotion_lock(registered_model):
        current = champion(registered_model, alias)
        if force:
            promote, reason = True, "forced by --promote"
        elif current is None:
            promote, reason = True, f"no {alias} yet"
        else:
            theirs = score_of(current)
            promote = score > theirs
            reason = (f"validation macro-F1 {score:.4f} > {theirs:.4f} of {current}" if promote else
                      f"kept {current}: its validation macro-F1 {theirs:.4f} >= {score:.4f}")
        with deferred_signals():
            mv = mlflow.register_model(logged_uri, registered_model)
            client.set_model_version_tag(registered_model, mv.version, "validation_macro_f1", f"{score:.6f}")
            if promote:
                client.set_registered_model_alias(registered_model, alias, mv.version)
    return {"model_uri": f"models:/{registered_model}/{mv.version}", "version": str(mv.version),
            "promoted": promote, "reason": reason}


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
