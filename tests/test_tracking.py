"""Tracking under faults: a dead or dying MLflow server, Ctrl-C and SIGTERM, a SIGKILLed trainer,
two promoters at once, and a fine-tune resumed from its checkpoint.

The server tests start a real `mlflow server` on loopback; the signal tests run the real `stance`
script. All are slow (they train) and run in CI.
"""

import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow import MlflowClient

from conftest import small_dataset, write_config

pytestmark = pytest.mark.slow
STANCE = shutil.which("stance", path=str(Path(sys.executable).parent)) or "stance"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real `mlflow server` on loopback whose store outlives restarts."""

    def __init__(self, root: Path):
        self.root, self.port, self.proc = root, free_port(), None
        self.uri = f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        import requests

        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("mlflow")), "server", "--host", "127.0.0.1", "--port", str(self.port),
             "--backend-store-uri", f"sqlite:///{self.root / 'server.db'}", "--artifacts-destination",
             str(self.root / "artifacts"), "--workers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.uri}/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.3)
        raise RuntimeError("mlflow server did not start in 90 s")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # a crash, not a clean shutdown
        self.proc.wait()


@pytest.fixture
def server(tmp_path):
    srv = Server(tmp_path / "server")
    srv.root.mkdir()
    yield srv.start()
    if srv.proc and srv.proc.poll() is None:
        srv.kill()


def stance_train(config: Path, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([STANCE, "train", "--config", str(config), *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def runs(uri: str) -> list:
    client = MlflowClient(uri)
    ids = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(ids) if ids else []


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def full_config(tmp_path, **linear) -> Path:
    """About 6,000 sentences of the shipped dataset: training takes long enough to be caught in the
    middle, and the test's length does not grow with the dataset."""
    return write_config(tmp_path / "full.toml", small_dataset(tmp_path / "large", {"train": 200, "validation": 40,
                                                                                  "test": 40}), **linear)


def test_unreachable_server_stops_before_training_within_15_s(tmp_path, server):
    server.kill()
    started = time.monotonic()
    proc = stance_train(full_config(tmp_path), env={"MLFLOW_TRACKING_URI": server.uri})
    out, err = proc.communicate(timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2, err
    assert elapsed < 15, elapsed
    [line] = err.strip().splitlines()
    assert line.startswith(f"stance: error: tracking server {server.uri} is not reachable") and "MLFLOW_TRACKING_URI" in line
    assert "run id" not in out


def test_server_killed_mid_training_run_ends_failed_and_champion_stays(tmp_path, server):
    env = {"MLFLOW_TRACKING_URI": server.uri, "STANCE_TRACKING_GRACE": "120"}
    first = stance_train(write_config(tmp_path / "small.toml", small_dataset(tmp_path / "small")), env=env)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    client = MlflowClient(server.uri)
    assert str(client.get_model_version_by_alias("claim-stance", "champion").version) == "1"

    proc = stance_train(full_config(tmp_path), env=env)
    wait_for(lambda: any(r.info.status == "RUNNING" for r in runs(server.uri)), 120, "the second run to start")
    server.kill()
    # The trainer notices at its next MLflow call, says it waits, and closes the run once the server is back.
    seen = []
    for line in proc.stderr:  # MLflow's own retry warnings may come first
        seen.append(line)
        if "tracking server lost" in line:
            break
    assert "tracking server lost" in seen[-1], seen
    server.start()
    _, err = proc.communicate(timeout=300)
    assert proc.returncode != 0 and "Traceback" not in err
    statuses = sorted(r.info.status for r in runs(server.uri))
    assert statuses == ["FAILED", "FINISHED"], statuses
    assert str(client.get_model_version_by_alias("claim-stance", "champion").version) == "1"
    assert [str(v.version) for v in client.search_model_versions("name='claim-stance'")] == ["1"]


def test_a_run_orphaned_by_a_dead_process_is_closed_by_the_next_training(tmp_path):
    from training import tracking

    client = MlflowClient(tracking.tracking_uri())
    exp = client.create_experiment("orphans")
    orphan = client.create_run(exp).info.run_id
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tracking.OPEN_RUNS.mkdir(parents=True)
    record = {"run_id": orphan, "tracking_uri": tracking.tracking_uri(), "status": "RUNNING", "pid": dead.pid,
              "host": socket.gethostname()}
    (tracking.OPEN_RUNS / f"{orphan}.json").write_text(json.dumps(record))
    alive = client.create_run(exp).info.run_id  # another trainer still working: left alone
    (tracking.OPEN_RUNS / f"{alive}.json").write_text(json.dumps({**record, "run_id": alive, "pid": os.getppid()}))

    assert tracking.close_orphaned_runs() == [orphan]
    assert client.get_run(orphan).info.status == "FAILED"
    assert client.get_run(alive).info.status == "RUNNING"
    assert not (tracking.OPEN_RUNS / f"{orphan}.json").exists()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_training_marks_the_run_killed_and_registers_nothing(tmp_path, sig, code):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = stance_train(full_config(tmp_path))
    wait_for(lambda: any(r.info.status == "RUNNING" for r in runs(uri)), 120, "the run to start")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == f"stance: {'interrupted' if sig == signal.SIGINT else 'terminated'}"
    assert "Traceback" not in err
    [run] = runs(uri)
    assert run.info.status == "KILLED"
    assert MlflowClient(uri).search_model_versions("name='claim-stance'") == []
    assert not list((tmp_path / ".stance" / "open-runs").glob("*.json"))


def _promote(uri: str, logged_uri: str, score: float, delay: float, queue) -> None:
    os.environ["MLFLOW_TRACKING_URI"] = uri
    from training import tracking

    client = MlflowClient(uri)

    def score_of(model_uri: str) -> float:  # the champion's recorded score, read slowly
        name, version = model_uri.removeprefix("models:/").split("/")
        time.sleep(delay)
        return float(client.get_model_version(name, version).tags["validation_macro_f1"])

    queue.put(tracking.register_and_promote(logged_uri, "race", "champion", score, score_of))


def test_two_promoters_at_once_leave_the_alias_on_the_better_model(tmp_path):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'race.db'}"
    mlflow.set_tracking_uri(uri)
    experiment = MlflowClient(uri).create_experiment("race")  # not the process's active one: that is another store's
    models = []
    for name in ("old", "better", "worse"):
        model = mlflow.initialize_logged_model(name=name, experiment_id=experiment)
        mlflow.finalize_logged_model(model.model_id, "READY")
        models.append(f"models:/{model.model_id}")
    client = MlflowClient(uri)
    client.create_registered_model("race")
    v1 = client.create_model_version("race", models[0], model_id=models[0].removeprefix("models:/"))
    client.set_model_version_tag("race", v1.version, "validation_macro_f1", "0.5")
    client.set_registered_model_alias("race", "champion", v1.version)

    # Without a lock both read the old champion; the worse one, reading slower, would write last.
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_promote, args=(uri, models[1], 0.9, 0.5, queue)),
             ctx.Process(target=_promote, args=(uri, models[2], 0.8, 3.0, queue))]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    champion = client.get_model_version_by_alias("race", "champion")
    assert champion.tags["validation_macro_f1"] == "0.900000", results
    assert sorted(r["promoted"] for r in results) in ([False, True], [True, True])


def test_transformer_resumes_from_its_checkpoint_after_ctrl_c(tmp_path):
    data = small_dataset(tmp_path / "tiny", {"train": 8, "validation": 2, "test": 1})
    config = tmp_path / "tiny.toml"
    config.write_text(f'name = "tiny"\nkind = "transformer"\nseed = 5\n[data]\npath = "{data}"\n'
                      "[transformer]\nepochs = 3\nbatch_size = 8\ntrain_limit = 32\npatience = 10\nmax_length = 64\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc = stance_train(config, "--device", "cpu")
    folder = tmp_path / ".stance" / "checkpoints" / "tiny-seed5"
    wait_for(lambda: list(folder.glob("checkpoint-*/trainer_state.json")), 300, "the first checkpoint")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    [killed] = runs(uri)
    assert killed.info.status == "KILLED"
    saved = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    first_epoch = json.loads((saved[-1] / "trainer_state.json").read_text())["epoch"]

    resumed = stance_train(config, "--device", "cpu", "--resume")
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    run = next(r for r in runs(uri) if r.info.run_id != killed.info.run_id)
    assert Path(run.data.tags["resumed_from"]).name == saved[-1].name
    epochs = [m.step for m in MlflowClient(uri).get_metric_history(run.info.run_id, "epoch_validation_macro_f1")]
    assert epochs and min(epochs) > first_epoch, (epochs, first_epoch)  # it went on, it did not start over
    assert str(MlflowClient(uri).get_model_version_by_alias("claim-stance", "champion").version) == "1"
    assert not folder.exists()  # a finished fine-tune cleans up its checkpoints
