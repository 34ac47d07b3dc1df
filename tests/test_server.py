"""The HTTP API: `create_app` over a fake classifier (exact shapes, reload) and over the real linear
model. Refused requests, limits and auth: test_http_middleware.py; `stance serve` itself:
test_cli_serve.py; arbitrary requests: test_server_fuzz.py; load: test_server_load.py."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest
from fastapi.testclient import TestClient

from inference.article import score_article
from inference.errors import StanceError
from inference.labels import LABELS
from inference.loader import load_classifier
from inference.server import Settings, create_app, describe_ref

ASSERTED = (0.7, 0.2, 0.1)
DISPUTED = (0.1, 0.8, 0.1)
MANIFEST = {"kind": "fake", "metrics": {"train_macro_f1": 1.0, "validation_macro_f1": 0.75, "test_accuracy": 0.5},
            "dataset": {"name": "kursk", "version": "2"}}


class FakeClassifier:
    """The same probabilities for every text. With `gate`, predict_proba waits until it is set."""

    labels = LABELS

    def __init__(self, probs=ASSERTED, conformal=True, gate: threading.Event | None = None):
        self.probs, self.conformal, self.gate = np.array(probs), conformal, gate
        self.conformal_scores = [0.1] if conformal else None  # what score_article looks for
        self.entered = threading.Event()
        self.kind, self.manifest = "fake", MANIFEST

    def predict_proba(self, texts):
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        return np.tile(self.probs, (len(texts), 1))

    def predict(self, texts):
        return [LABELS[int(p.argmax())] for p in self.predict_proba(texts)]

    def predict_set(self, texts, coverage=0.9, probs=None):
        if not self.conformal:
            raise StanceError("this fake model has no conformal calibration")
        probs = self.predict_proba(texts) if probs is None else probs
        return [[l for l, p in zip(LABELS, row) if p >= 1 - coverage] for row in probs]


def wait_ready(client: TestClient, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/readyz").status_code != 200:
        assert time.monotonic() < deadline, client.get("/readyz").json()
        time.sleep(0.01)


@contextmanager
def serving(load=FakeClassifier, **settings):
    """A TestClient with the lifespan running and the first model loaded."""
    with TestClient(create_app(load, Settings(**settings))) as client:
        wait_ready(client)
        yield client


@pytest.fixture
def client():
    with serving(model_ref="models:/claim-stance@champion") as c:
        yield c


def labels_of(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [r["label"] for r in response.json()["results"]]


def assert_error(response, status: int | tuple[int, ...]) -> dict:
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "detail"} and isinstance(body["error"], str), body
    return body


# ---- valid requests, exact shapes ----

def test_classify_worked_example(client):
    r = client.post("/v1/classify", json={"sentences": ["Moscow denied the report.", "Kyiv may pull back."]})
    probs = {"asserted": 0.7, "disputed": 0.2, "speculative": 0.1}
    assert r.status_code == 200
    assert r.json() == {"results": [{"text": "Moscow denied the report.", "label": "asserted", "probs": probs},
                                    {"text": "Kyiv may pull back.", "label": "asserted", "probs": probs}]}


@pytest.mark.parametrize("coverage, expected", [(0.75, ["asserted"]), (0.85, ["asserted", "disputed"])])
def test_classify_with_coverage_adds_the_conformal_set(client, coverage, expected):
    r = client.post("/v1/classify", json={"sentences": ["a", "b"], "coverage": coverage})
    assert [row["set"] for row in r.json()["results"]] == [expected, expected]


def test_coverage_without_calibration_answers_without_sets():
    with serving(lambda: FakeClassifier(conformal=False)) as c:
        r = c.post("/v1/classify", json={"sentences": ["a"], "coverage": 0.9})
        assert r.status_code == 200 and "set" not in r.json()["results"][0]
        assert c.get("/v1/model").json()["sets"] is False


def test_classify_empty_list_and_any_unicode_text(client):
    assert client.post("/v1/classify", json={"sentences": []}).json() == {"results": []}
    texts = ["", "   ", "\x00\x07\x1b[31m", "Курськ", "😀\u202e\u200b", "a\nb\tc", "\\u0000 \"quoted\""]
    r = client.post("/v1/classify", json={"sentences": texts})
    assert [row["text"] for row in r.json()["results"]] == texts


def test_score_worked_example(client):
    text = "Troops crossed the border on Tuesday. The governor said 12 civilians had died.\nRead more"
    r = client.post("/v1/score", json={"text": text, "coverage": 0.75})
    probs = {"asserted": 0.7, "disputed": 0.2, "speculative": 0.1}
    assert r.status_code == 200
    assert r.json() == {
        "sentences": [{"index": 0, "text": "Troops crossed the border on Tuesday.", "label": "asserted", "probs": probs,
                       "set": ["asserted"], "top_words": [], "speaker": None},
                      {"index": 1, "text": "The governor said 12 civilians had died.", "label": "asserted",
                       "probs": probs, "set": ["asserted"], "top_words": [], "speaker": "The governor"},
                      {"index": 2, "text": "Read more", "label": "no-claim", "probs": None}],
        "summary": {"sentences": 3, "claims": 2, "no_claim": 1,
                    "counts": {"asserted": 2, "disputed": 0, "speculative": 0},
                    "shares": {"asserted": 1.0, "disputed": 0.0, "speculative": 0.0},
                    "disputed": [], "speculative": [], "speakers": {"The governor": 1}}}


def test_score_without_sets_or_explanations(client):
    r = client.post("/v1/score", json={"text": "Moscow denied it.", "coverage": None, "explain": False})
    assert r.json()["sentences"] == [{"index": 0, "text": "Moscow denied it.", "label": "asserted",
                                      "probs": {"asserted": 0.7, "disputed": 0.2, "speculative": 0.1},
                                      "speaker": "Moscow"}]


def test_model_info(client):
    body = client.get("/v1/model").json()
    assert body.pop("loaded_at")
    assert body == {"ref": "models:/claim-stance@champion", "name": "claim-stance", "version": None,
                    "alias": "champion", "kind": "fake", "labels": list(LABELS), "sets": True,
                    "metrics": {"validation_macro_f1": 0.75, "test_accuracy": 0.5},
                    "dataset": {"name": "kursk", "version": "2"}}


@pytest.mark.parametrize("ref, expected", [
    ("models:/claim-stance@champion", ("claim-stance", None, "champion")),
    ("models:/claim-stance/3", ("claim-stance", "3", None)),
    ("runs:/abc123/model", (None, None, None)),
    ("/srv/models/linear", (None, None, None)),
])
def test_describe_ref(ref, expected):
    assert tuple(describe_ref(ref).values()) == expected


def test_health_ready_and_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["kind"] == "fake"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/classify", "/v1/score", "/v1/model", "/v1/reload", "/healthz", "/readyz"} <= set(paths)


def test_readyz_is_503_until_the_model_is_loaded():
    release = threading.Event()

    def slow_load():
        assert release.wait(10)
        return FakeClassifier()

    with TestClient(create_app(slow_load, Settings())) as c:
        assert c.get("/healthz").status_code == 200
        assert assert_error(c.get("/readyz"), 503)["error"] == "model not loaded"
        assert_error(c.post("/v1/classify", json={"sentences": ["a"]}), 503)
        release.set()
        wait_ready(c)
        assert labels_of(c.post("/v1/classify", json={"sentences": ["a"]})) == ["asserted"]


# ---- reload ----

def test_reload_swaps_the_model_and_in_flight_requests_finish_on_the_old_one():
    gate = threading.Event()
    old, new = FakeClassifier(ASSERTED, gate=gate), FakeClassifier(DISPUTED)
    models = iter([old, new])
    with serving(lambda: next(models)) as c, ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(c.post, "/v1/classify", json={"sentences": ["a"]})
        assert old.entered.wait(10)
        assert c.get("/healthz").status_code == 200  # a prediction in its thread does not block the server
        r = c.post("/v1/reload")
        assert r.status_code == 200 and r.json()["status"] == "reloaded"
        assert labels_of(c.post("/v1/classify", json={"sentences": ["a"]})) == ["disputed"]
        gate.set()
        assert labels_of(in_flight.result(10)) == ["asserted"]


def test_reload_under_concurrent_requests():
    count = iter(range(1000))

    def load():
        time.sleep(0.02)  # long enough for requests to overlap the load
        return FakeClassifier(ASSERTED if next(count) % 2 == 0 else DISPUTED)

    with serving(load) as c:
        stop, responses = threading.Event(), []

        def hammer():
            while not stop.is_set():
                responses.append(c.post("/v1/classify", json={"sentences": ["a", "b", "c"]}))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        for _ in range(6):
            assert c.post("/v1/reload").status_code == 200
            seen, deadline = len(responses), time.monotonic() + 10
            while len(responses) < seen + 5:  # at most 4 were in flight: the 5th started on the new model
                assert time.monotonic() < deadline
                time.sleep(0.001)
        stop.set()
        for t in threads:
            t.join(10)
        assert len(responses) > 10 and all(r.status_code == 200 for r in responses)
        # Each request is answered by one model from start to end, never a mix.
        assert {tuple(labels_of(r)) for r in responses} == {("asserted",) * 3, ("disputed",) * 3}
        # Loads 0 (startup) to 6: the last is even, so ASSERTED.
        assert labels_of(c.post("/v1/classify", json={"sentences": ["a"]})) == ["asserted"]


@pytest.mark.parametrize("failure, detail", [
    (StanceError("models:/claim-stance@champion: no model has the alias"), "models:/claim-stance@champion: no model has the alias"),
    (OSError("disk full"), "OSError: disk full"),
])
def test_failed_reload_keeps_the_old_model(failure, detail):
    results = iter([FakeClassifier(DISPUTED), failure])

    def load():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    with serving(load) as c:
        assert assert_error(c.post("/v1/reload"), 503) == {"error": "reload failed", "detail": detail}
        assert labels_of(c.post("/v1/classify", json={"sentences": ["a"]})) == ["disputed"]
        assert c.get("/readyz").status_code == 200


def test_first_load_failure_is_reported_and_reload_recovers():
    results = iter([StanceError("no champion yet; run `stance train`"), FakeClassifier()])

    def load():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    with TestClient(create_app(load, Settings())) as c:
        deadline = time.monotonic() + 10
        while (body := c.get("/readyz").json()).get("detail") != "no champion yet; run `stance train`":
            assert time.monotonic() < deadline, body
            time.sleep(0.01)
        assert c.post("/v1/reload").status_code == 200
        assert c.get("/readyz").status_code == 200


def test_a_second_reload_while_one_runs_is_refused():
    entered, gate = threading.Event(), threading.Event()
    calls = iter(range(10))

    def load():
        if next(calls) == 1:  # call 0 is the load at startup
            entered.set()
            assert gate.wait(10)
        return FakeClassifier()

    with serving(load) as c, ThreadPoolExecutor(1) as pool:
        first = pool.submit(c.post, "/v1/reload")
        assert entered.wait(10)
        assert assert_error(c.post("/v1/reload"), 409)["error"] == "reload in progress"
        gate.set()
        assert first.result(10).status_code == 200


# ---- the real model ----

def test_real_linear_model(model_dir):
    clf = load_classifier(model_dir)
    texts = ["Moscow denied that Ukrainian troops had entered Sudzha.", "Kyiv may have pulled back.",
             "", "\x00\x01", "Курськ 😀", "The governor said 12 civilians had died."]
    article = "Ukrainian forces crossed the border on Tuesday. Moscow denied it.\nBy Anna Petrova\n"
    with serving(lambda: load_classifier(model_dir), model_ref=str(model_dir)) as c:
        r = c.post("/v1/classify", json={"sentences": texts, "coverage": 0.9})
        assert [row["text"] for row in r.json()["results"]] == texts
        assert labels_of(r) == clf.predict(texts)
        assert all("set" not in row for row in r.json()["results"])  # this model has no conformal calibration
        assert c.post("/v1/score", json={"text": article}).json() == score_article(article, clf)
        info = c.get("/v1/model").json()
        assert (info["kind"], info["name"], info["metrics"], info["dataset"]) == ("linear", None, {}, {"name": "kursk-small"})
