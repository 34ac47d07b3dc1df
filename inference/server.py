"""The HTTP service: `create_app(load, settings)` builds a FastAPI app around one classifier.

    POST /v1/classify  {"sentences": [...], "coverage": 0.9}  -> {"results": [{text, label, probs, set}]}
    POST /v1/score     {"text": "...", "coverage": 0.9, "explain": true}  -> what `score_article` returns
    GET  /v1/model     name, version, alias, kind, labels, metrics, dataset of the model served
    POST /v1/reload    load a new classifier with `load()` and swap it in; the old one serves meanwhile
    GET  /healthz      the process is up            GET /readyz   a model is loaded (503 until then)

Every error is JSON `{"error": ..., "detail": ...}`, and no request makes it answer 500. The app
holds no module-level state: the served classifier lives in the closure the factory builds.
The request and response models live in `inference.http_models`; the error shape, bearer auth and
body limit in `inference.http_middleware`.

>>> from inference.loader import load_classifier                                  # doctest: +SKIP
>>> app = create_app(lambda: load_classifier("models:/claim-stance@champion"),
...                  Settings(model_ref="models:/claim-stance@champion"))         # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8000)                                # doctest: +SKIP
"""

# No `from __future__ import annotations` here: FastAPI reads endpoint annotations at runtime, and
# the request models are local to create_app (their limits come from Settings).
import asyncio
import logging
import math
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

import numpy as np
from fastapi import APIRouter, FastAPI, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPBearer

from inference.article import score_article
from inference.errors import StanceError
from inference.http_middleware import ApiError, BearerAuth, BodyLimit, install_error_handlers
from inference.http_models import (ClassifyResponse, ErrorResponse, Health, ModelInfo, Ready, ScoreResponse,
                                   request_models)
from inference.labels import LABELS
from inference.predictor import Classifier
from inference.text import split_sentences

log = logging.getLogger(__name__)

_LIMITS = ("max_body_bytes", "max_sentences", "max_chars", "max_article_chars", "max_line_chars")


@dataclass(frozen=True)
class Settings:
    """Limits and options of one app. `model_ref` is shown by /v1/model; the server never loads it."""

    max_body_bytes: int = 1_000_000
    max_sentences: int = 1000          # per /v1/classify request, and per article in /v1/score
    max_chars: int = 5000              # per sentence in /v1/classify
    # The sentence splitter (pysbd) slows down sharply on long lines, so /v1/score bounds both.
    max_article_chars: int = 50_000
    max_line_chars: int = 5000
    api_key: str | None = None         # when set, all but /healthz, /readyz and the docs need
                                       # `Authorization: Bearer <api_key>`
    model_ref: str = ""

    def __post_init__(self):
        for name in _LIMITS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise StanceError(f"server setting {name} is {value!r}; expected a positive whole number")
        key = self.api_key
        if key is not None and (not key or not key.isascii() or not key.isprintable() or " " in key):
            raise StanceError("the API key must be non-empty printable ASCII without spaces (it travels in an "
                              "HTTP header); pick another, or pass none to serve without auth")


def describe_ref(ref: str) -> dict[str, str | None]:
    """Registry name, version and alias named by a model reference; None where it does not say.

    >>> describe_ref("models:/claim-stance@champion")
    {'name': 'claim-stance', 'version': None, 'alias': 'champion'}
    >>> describe_ref("models:/claim-stance/3")
    {'name': 'claim-stance', 'version': '3', 'alias': None}
    >>> describe_ref("/srv/models/linear")
    {'name': None, 'version': None, 'alias': None}
    """
    out: dict[str, str | None] = {"name": None, "version": None, "alias": None}
    if ref.startswith("models:/") and not ref.startswith("models:/m-"):
        rest = ref.removeprefix("models:/")
        if "@" in rest:
            out["name"], out["alias"] = rest.split("@", 1)
        elif "/" in rest:
            out["name"], out["version"] = rest.split("/", 1)
        else:
            out["name"] = rest
    return out


# ---- the served model ----

@dataclass(frozen=True)
class _Loaded:
    classifier: Classifier
    sets: bool
    loaded_at: str


def _supports_sets(clf: Classifier) -> bool:
    """Whether predict_set works for this model; asked about zero rows, so it costs nothing."""
    try:
        clf.predict_set([], 0.9, probs=np.zeros((0, len(LABELS))))
    except StanceError:
        return False
    return True


class _Served:
    """The classifier in service. Swapped by one attribute write; a request reads it once, so a
    request in flight finishes on the model it started with."""

    def __init__(self, load: Callable[[], Classifier]):
        self.load = load
        self.current: _Loaded | None = None
        self.error: str | None = None      # why the last load failed, if it did
        self._reloading = threading.Lock()

    def get(self) -> _Loaded:
        current = self.current
        if current is None:
            raise ApiError(503, "model not loaded", self.error or "the model is still loading; retry shortly")
        return current

    async def reload(self) -> _Loaded:
        if not self._reloading.acquire(blocking=False):
            raise ApiError(409, "reload in progress", "another reload is running; retry when it has finished")
        try:
            try:
                clf = await run_in_threadpool(self.load)
                loaded = _Loaded(clf, _supports_sets(clf), datetime.now(timezone.utc).isoformat(timespec="seconds"))
            except Exception as exc:  # whatever the loader raises, the old model keeps serving
                self.error = str(exc) if isinstance(exc, StanceError) else f"{type(exc).__name__}: {exc}"
                log.error("loading the model failed: %s", self.error, exc_info=not isinstance(exc, StanceError))
                raise ApiError(503, "reload failed", self.error) from exc
            self.current, self.error = loaded, None
            return loaded
        finally:
            self._reloading.release()


# ---- the app ----

def create_app(load: Callable[[], Classifier], settings: Settings | None = None) -> FastAPI:
    """The service around `load()`'s classifier. The first load runs in the background at startup
    (/readyz answers 503 until it is done); POST /v1/reload calls `load` again."""
    settings = settings or Settings()
    served = _Served(load)
    ClassifyRequest, ScoreRequest = request_models(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async def first_load():
            try:
                await served.reload()
            except ApiError:
                pass  # recorded in served.error; /readyz reports it and /v1/reload can retry

        task = asyncio.create_task(first_load())
        yield
        task.cancel()

    # No trailing-slash redirects: Starlette builds their Location from the request's Host header,
    # so "/v1/classify/" with a forged Host would redirect a client elsewhere. A 404 says it plainly.
    app = FastAPI(title="claimstance", version="1", lifespan=lifespan, redirect_slashes=False,
                  description="Claim stance of news sentences about the 2024 Kursk incursion: asserted, "
                              "disputed or speculative. Errors are `{\"error\": ..., \"detail\": ...}`.")
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.api_key is not None:
        app.add_middleware(BearerAuth, key=settings.api_key)  # added last, so it runs first

    errors = {code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 503)}
    # The key itself is checked by BearerAuth; this dependency only shows the scheme in /docs.
    v1 = APIRouter(prefix="/v1", responses=errors,
                   dependencies=[] if settings.api_key is None else [Security(HTTPBearer(auto_error=False))])

    @v1.post("/classify", response_model=ClassifyResponse, response_model_exclude_none=True)
    def classify(body: ClassifyRequest):
        """Label sentences, in input order. With `coverage`, each result also gets a conformal set."""
        current = served.get()
        if not body.sentences:
            return {"results": []}
        probs = current.classifier.predict_proba(body.sentences)
        sets = [None] * len(body.sentences)
        if body.coverage is not None and current.sets:
            sets = current.classifier.predict_set(body.sentences, body.coverage, probs=probs)
        return {"results": [{"text": t, "label": LABELS[int(p.argmax())],
                             "probs": {label: round(float(v), 6) for label, v in zip(LABELS, p)}, "set": s}
                            for t, p, s in zip(body.sentences, probs, sets)]}

    # exclude_unset: fields score_article leaves out of a row (a no-claim line's speaker) stay out.
    @v1.post("/score", response_model=ScoreResponse, response_model_exclude_unset=True)
    def score(body: ScoreRequest):
        """Split an article into sentences, set aside no-claim lines, label the rest; per sentence the
        conformal set, top words and speaker, as `stance score --format json` gives them."""
        current = served.get()
        n = len(split_sentences(body.text))
        if n > settings.max_sentences:
            raise ApiError(422, "invalid request", f"the article has {n} sentences; the limit is "
                           f"{settings.max_sentences}: send it in parts")
        return score_article(body.text, current.classifier, coverage=body.coverage, explain=body.explain)

    @v1.api_route("/model", methods=["GET", "HEAD"], response_model=ModelInfo)
    def model():
        """What is being served: registry name/version/alias when the reference says, kind, labels,
        validation and test metrics, dataset."""
        current = served.get()
        manifest = current.classifier.manifest or {}
        metrics = {k: (float(v) if math.isfinite(v) else None) for k, v in (manifest.get("metrics") or {}).items()
                   if k.startswith(("validation_", "test_")) and isinstance(v, (int, float)) and not isinstance(v, bool)}
        dataset = manifest.get("dataset")
        return {"ref": settings.model_ref or None, **describe_ref(settings.model_ref),
                "kind": current.classifier.kind, "labels": list(LABELS), "sets": current.sets,
                "metrics": metrics, "dataset": dataset if isinstance(dataset, dict) else None,
                "loaded_at": current.loaded_at}

    @v1.post("/reload", response_model=Ready, responses={409: {"model": ErrorResponse}})
    async def reload():
        """Load the model again (a registry alias may point elsewhere now) and swap it in. Requests in
        flight finish on the old model; if loading fails, the old model keeps serving (503)."""
        loaded = await served.reload()
        return {"status": "reloaded", "kind": loaded.classifier.kind, "loaded_at": loaded.loaded_at}

    app.include_router(v1)

    # HEAD too: load balancers and uptime checks often probe with it.
    @app.api_route("/healthz", methods=["GET", "HEAD"], response_model=Health)
    def healthz():
        """The process is up (the model may still be loading)."""
        return {"status": "ok"}

    @app.api_route("/readyz", methods=["GET", "HEAD"], response_model=Ready, responses={503: {"model": ErrorResponse}})
    def readyz():
        """A model is loaded and requests will be answered."""
        current = served.get()
        return {"status": "ready", "kind": current.classifier.kind, "loaded_at": current.loaded_at}

    return app

