"""The HTTP service: `create_app(load, settings)` builds a FastAPI app around one classifier.

    POST /v1/classify  {"sentences": [...], "coverage": 0.9}  -> {"results": [{text, label, probs, set}]}
    POST /v1/score     {"text": "...", "coverage": 0.9, "explain": true}  -> what `score_article` returns
    GET  /v1/model     name, version, alias, kind, labels, metrics, dataset of the model served
    POST /v1/reload    load a new classifier with `load()` and swap it in; the old one serves meanwhile
    GET  /healthz      the process is up            GET /readyz   a model is loaded (503 until then)

Every error is JSON `{"error": ..., "detail": ...}`, and no request makes it answer 500. The app
holds no module-level state: the served classifier lives in the closure the factory builds.

>>> from inference.loader import load_classifier                                  # doctest: +SKIP
>>> app = create_app(lambda: load_classifier("models:/claim-stance@champion"),
...                  Settings(model_ref="models:/claim-stance@champion"))         # doctest: +SKIP
>>> uvicorn.run(app, host="127.0.0.1", port=8000)                                # doctest: +SKIP
"""

# No `from __future__ import annotations` here: FastAPI reads endpoint annotations at runtime, and
# the request models are local to create_app (their limits come from Settings).
import asyncio
import hmac
import json
import logging
import math
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from typing import Annotated, Any, Callable, Literal

import numpy as np
from fastapi import APIRouter, FastAPI, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from inference.article import score_article
from inference.errors import StanceError
from inference.labels import LABELS, NO_CLAIM
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


# ---- response models (request models depend on the limits, so create_app builds them) ----

Label = Literal[LABELS]
Probs = create_model("Probs", **{label: (float, ...) for label in LABELS})


class ClassifyResult(BaseModel):
    text: str
    label: Label
    probs: Probs
    set: list[Label] | None = Field(None, description="conformal prediction set; only when `coverage` was "
                                                       "given and the model is calibrated for it")


class ClassifyResponse(BaseModel):
    results: list[ClassifyResult]


class SentenceScore(BaseModel):
    """A no-claim line has only index, text, label and probs (null)."""
    index: int
    text: str
    label: Literal[(*LABELS, NO_CLAIM)]
    probs: Probs | None
    set: list[Label] | None = Field(None, description="conformal prediction set, when the model has one")
    top_words: list[str] | None = Field(None, description="the words that drove the label (with `explain`)")
    speaker: str | None = Field(None, description="who the sentence attributes the claim to, if it says")


class ArticleSummary(BaseModel):
    sentences: int
    claims: int
    no_claim: int
    counts: dict[str, int]
    shares: dict[str, float]
    disputed: list[int] = Field(description="indexes of the disputed sentences")
    speculative: list[int] = Field(description="indexes of the speculative sentences")
    speakers: dict[str, int] = Field(description="claims per named speaker, most first")


class ScoreResponse(BaseModel):
    sentences: list[SentenceScore]
    summary: ArticleSummary


class ModelInfo(BaseModel):
    ref: str | None = Field(description="the model reference the server was started with")
    name: str | None
    version: str | None
    alias: str | None
    kind: str
    labels: list[str]
    sets: bool = Field(description="whether `coverage` gives conformal prediction sets")
    metrics: dict[str, float | None] = Field(description="validation_* and test_* metrics from training")
    dataset: dict[str, Any] | None
    loaded_at: str


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    """/readyz, and /v1/reload once the new model is in."""
    status: Literal["ready", "reloaded"]
    kind: str
    loaded_at: str


class ErrorResponse(BaseModel):
    error: str
    detail: Any = None


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


# ---- errors ----

class ApiError(Exception):
    """An answer other than 200, rendered as {"error": ..., "detail": ...}."""

    def __init__(self, status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers


class _ErrorJSON(JSONResponse):
    # ASCII escapes: an error may quote what the client sent (a field name, say), and a lone
    # surrogate in it would make UTF-8 encoding fail and turn a 422 into a 500.
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _error(status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return _ErrorJSON({"error": error, "detail": detail}, status_code=status, headers=headers)


def _validation_detail(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors without `input` (which echoes the request back) or `ctx` (not always JSON)."""
    out = []
    for e in errors:
        msg = str(e.get("msg", ""))
        if e.get("type") == "json_invalid" and (e.get("ctx") or {}).get("error"):
            msg = f"{msg}: {e['ctx']['error']}"
        out.append({"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                    "msg": msg, "type": str(e.get("type", ""))})
    return out


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error(exc.status, exc.error, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return _error(422, "invalid request", _validation_detail(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # 404, 405, and 400 for a body FastAPI could not decode (bad UTF-8, nesting too deep).
        error = "invalid request" if exc.status_code == 400 else HTTPStatus(exc.status_code).phrase.lower()
        return _error(exc.status_code, error, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        # Still a 500 and still logged with its traceback by Starlette; only the body keeps our shape.
        return _error(500, "internal error", f"{type(exc).__name__}; see the server log")


# ---- middleware (pure ASGI, so they act before FastAPI reads the body) ----

# Open without a key; everything else (all of /v1/*, and any route added later) needs it.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class _BearerAuth:
    """`Authorization: Bearer <key>` on every path outside OPEN_PATHS; checked before the body is read."""

    def __init__(self, app, key: str):
        self.app, self.key = app, key.encode("ascii")

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path, root = scope["path"], scope.get("root_path", "")
            if root and path.startswith(root):  # behind a proxy prefix: route paths are below it
                path = path[len(root):]
            scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
            # Headers arrive decoded as latin-1, so encoding back cannot fail.
            if path not in OPEN_PATHS and (scheme.lower() != "bearer" or
                                           not hmac.compare_digest(token.strip().encode("latin-1"), self.key)):
                response = _error(401, "unauthorized", "send the header `Authorization: Bearer <key>` with the "
                                  "server's API key", headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _BodyLimit:
    """413 when Content-Length, or the body actually received, exceeds `max_bytes`.

    The body is read here in full (it is small by construction) and replayed to the app.
    """

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self, size: str) -> JSONResponse:
        return _error(413, "request body too large", f"the body is {size} bytes; the limit is {self.max_bytes} "
                      "bytes: send fewer or shorter sentences per request")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.strip().isdigit()):
                await _error(400, "invalid request", f"Content-Length {declared!r} is not a number")(scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await self._too_large(declared.strip())(scope, receive, send)
                return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; nobody to answer
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._too_large(f"more than {len(body)}")(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()  # waits for the disconnect, as Starlette expects
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


# ---- request models ----

def _request_models(s: Settings):
    def short_lines(text: str) -> str:
        for n, line in enumerate(text.splitlines(), 1):
            if len(line) > s.max_line_chars:
                raise ValueError(f"line {n} has {len(line)} characters; the limit is {s.max_line_chars} per line: "
                                 "break long paragraphs into lines")
        return text

    # What str.splitlines splits on; the pattern only documents the limit, short_lines enforces it.
    breaks = "\\n\\r\\v\\f\\x1c\\x1d\\x1e\\x85\\u2028\\u2029"
    line_pattern = f"^[^{breaks}]{{0,{s.max_line_chars}}}([{breaks}][^{breaks}]{{0,{s.max_line_chars}}})*$"
    sentence = Annotated[str, StringConstraints(max_length=s.max_chars)]
    article = Annotated[str, StringConstraints(max_length=s.max_article_chars), AfterValidator(short_lines)]

    class ClassifyRequest(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={
            "examples": [{"sentences": ["Moscow denied the report.", "Kyiv may have pulled back."], "coverage": 0.9}]})
        sentences: list[sentence] = Field(max_length=s.max_sentences,
                                          description=f"at most {s.max_sentences}, each at most {s.max_chars} characters")
        coverage: float | None = Field(None, gt=0, lt=1, allow_inf_nan=False,
                                       description="ask for conformal prediction sets at this coverage, e.g. 0.9")

    class ScoreRequest(BaseModel):
        model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra={
            "examples": [{"text": "Troops crossed the border on Tuesday.\nMoscow denied the report."}]})
        text: article = Field(description=f"the article; at most {s.max_article_chars} characters, "
                                          f"{s.max_line_chars} per line, {s.max_sentences} sentences",
                              json_schema_extra={"pattern": line_pattern})  # documents the line limit
        coverage: float | None = Field(0.9, gt=0, lt=1, allow_inf_nan=False,
                                       description="conformal set coverage; null for no sets")
        explain: bool = Field(True, description="find the words that drove each label (slower)")

    return ClassifyRequest, ScoreRequest


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
    ClassifyRequest, ScoreRequest = _request_models(settings)

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

    app = FastAPI(title="claimstance", version="1", lifespan=lifespan,
                  description="Claim stance of news sentences about the 2024 Kursk incursion: asserted, "
                              "disputed or speculative. Errors are `{\"error\": ..., \"detail\": ...}`.")
    _install_error_handlers(app)
    app.add_middleware(_BodyLimit, max_bytes=settings.max_body_bytes)
    if settings.api_key is not None:
        app.add_middleware(_BearerAuth, key=settings.api_key)  # added last, so it runs first

    errors = {code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 503)}
    # The key itself is checked by _BearerAuth; this dependency only shows the scheme in /docs.
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

    @v1.get("/model", response_model=ModelInfo)
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

    @app.get("/healthz", response_model=Health)
    def healthz():
        """The process is up (the model may still be loading)."""
        return {"status": "ok"}

    @app.get("/readyz", response_model=Ready, responses={503: {"model": ErrorResponse}})
    def readyz():
        """A model is loaded and requests will be answered."""
        current = served.get()
        return {"status": "ready", "kind": current.classifier.kind, "loaded_at": current.loaded_at}

    return app

