"""Benchmarks 5 and 8: the HTTP service against `mlflow models serve` of the same registered model,
in the same run: requests/s and p50/p99 latency at 1, 8 and 32 concurrent clients (loopback,
bounded request count, 16 sentences a request), and the servers' peak RSS.

    python experiments/benchmarks/service.py --model models:/claim-stance/N [--requests 256] [--quick]

Needs MLFLOW_TRACKING_URI (or ./mlflow.db) to hold the model. Client and servers share the
machine's cores, as they would on one small host.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import eval_texts, percentiles, save, table


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 240) -> None:
    import httpx

    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early: {proc.stdout.read()[-2000:] if proc.stdout else ''}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} not ready after {timeout}s")


class PeakRSS(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        root = psutil.Process(self.pid)
        while not self.stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.05)


def load(url: str, bodies: list[dict], clients: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker(chunk: list[dict]) -> None:
        nonlocal errors
        with httpx.Client(timeout=120) as client:
            for body in chunk:
                t = time.perf_counter()
                r = client.post(url, json=body)
                dt = time.perf_counter() - t
                with lock:
                    latencies.append(dt * 1000)
                    errors += r.status_code != 200

    chunks = [bodies[i::clients] for i in range(clients)]
    t = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, chunks))
    wall = time.perf_counter() - t
    return {"requests/s": len(bodies) / wall, **{f"{k} ms": v for k, v in percentiles(latencies).items()}, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="a registered model URI (models:/name/N)")
    ap.add_argument("--requests", type=int, default=256)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    texts, _, _ = eval_texts(False)
    n = 48 if args.quick else args.requests
    batches = [[texts[(i * 16 + j) % len(texts)] for j in range(16)] for i in range(n)]
    bin_dir = Path(sys.executable).parent
    # mlflow models serve execs `uvicorn` by name: the venv's bin must be on PATH
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    servers = {
        "stance serve": ([str(bin_dir / "stance"), "serve", "--model", args.model, "--port", "{port}"],
                         "/readyz", "/v1/classify", lambda b: {"sentences": b}),
        "mlflow models serve": ([str(bin_dir / "mlflow"), "models", "serve", "-m", args.model, "--env-manager",
                                 "local", "--host", "127.0.0.1", "--port", "{port}"], "/ping", "/invocations",
                                lambda b: {"dataframe_split": {"columns": ["text"], "data": [[t] for t in b]}}),
    }
    rows = []
    for name, (cmd, ready, path, body) in servers.items():
        port = free_port()
        proc = subprocess.Popen([c.replace("{port}", str(port)) for c in cmd], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base + ready, proc)
            rss = PeakRSS(proc.pid)
            rss.start()
            load(base + path, [body(b) for b in batches[:8]], 2)  # warm-up
            for clients in (1, 8, 32):
                r = load(base + path, [body(b) for b in batches], clients)
                rows.append({"server": name, "clients": clients, **r})
            rss.stop.set()
            rows.append({"server": name, "clients": "peak RSS MB", "requests/s": rss.peak / 1e6})
        finally:
            proc.terminate()
            proc.wait(30)
    ours = {r["clients"]: r["requests/s"] for r in rows if r["server"] == "stance serve"}
    theirs = {r["clients"]: r["requests/s"] for r in rows if r["server"] == "mlflow models serve"}
    for r in rows:
        if r["clients"] in (1, 8, 32) and r["server"] == "stance serve":
            r["x mlflow"] = ours[r["clients"]] / theirs[r["clients"]]
    print(f"{n} requests per level, 16 sentences each, model {args.model}")
    print(table(rows, ["server", "clients", "requests/s", "p50 ms", "p99 ms", "errors", "x mlflow"]))
    print(f"json: {save('service', {'model': args.model, 'requests': n, 'rows': rows})}")


if __name__ == "__main__":
    main()
