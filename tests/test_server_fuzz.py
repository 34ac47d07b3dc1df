"""The HTTP service under arbitrary requests: every handler fed 2,000 hypothesis examples (any JSON,
wrong types, missing fields, huge, empty, whitespace, control-character and any-Unicode texts,
lone surrogates, non-JSON bodies, wrong content types, methods, queries and bearer headers), and
the app's own OpenAPI schema exercised by schemathesis. All in process, through the ASGI app.

The property: never a 5xx; a 2xx says exactly what the served classifier says (so it has the
documented shape); a 4xx is `{"error": ..., "detail": ...}` with the status the request earned.
The hypothesis tests take about 2.5 minutes on two cores, so they are marked slow; schemathesis
takes under half a minute and is not. The example database is off (`database=None`): failures are
not replayed from disk, and no examples are saved in the repository.
"""

import json
import math
import time
from contextlib import ExitStack
from urllib.parse import quote, urlsplit

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings, strategies as st

from inference.article import score_article
from inference.labels import LABELS
from inference.loader import load_classifier
from inference.server import Settings, create_app
from inference.text import split_sentences
from test_server import FakeClassifier, MANIFEST, wait_ready

EXAMPLES = 2000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.large_base_example])
# Small limits, so that requests over them are cheap to make and requests under them quick to answer.
LIMITS = {"max_body_bytes": 20_000, "max_sentences": 40, "max_chars": 400, "max_article_chars": 3000,
          "max_line_chars": 300}
KEY = "fuzz-key"
OPEN = ("/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# ------------------------------------------------------------------------------------- strategies

ANY_CHAR = st.characters(exclude_categories=())  # every code point, lone surrogates included
SAFE_CHAR = st.characters(exclude_categories=("Cs",))
WHITESPACE = " \t\n\r\v\f\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u200b\u2028\u2029\u202f\u3000\ufeff"
CONTROL = "".join(map(chr, [*range(32), *range(127, 160)])) + "\u200d\u200e\u200f\u202e\u2066"
NEWS = ["Moscow denied that Ukrainian troops had entered Sudzha.", "Kyiv may have pulled back.",
        "The governor said 12 civilians had died.", "By Anna Petrova", "Read more: Kursk", "Photo: Reuters",
        "Troops crossed the border, according to the General Staff of Ukraine.", "U.S. officials, Aug. 6:",
        "Курськ", "😀\u202e", "\\u0000 \"quoted\"", "<script>alert(1)</script>", "x." * 40]


def _repeat(seed_and_size: tuple[str, int]) -> str:
    seed, size = seed_and_size
    return (seed * (size // len(seed) + 1))[:size]


def long_texts(limit: int) -> st.SearchStrategy[str]:
    """Texts around and far over `limit` characters: the limit itself, one either side, up to 3x."""
    sizes = st.sampled_from([limit - 1, limit, limit + 1]) | st.integers(0, 3 * limit)
    return st.tuples(st.text(SAFE_CHAR, min_size=1, max_size=8) | st.sampled_from(["word ", "Sudzha. ", "a\n"]),
                     sizes).map(_repeat)


def texts(limit: int, safe: bool = False) -> st.SearchStrategy[str]:
    """Short any-Unicode, whitespace-only, control-character, news-like and long texts."""
    char = SAFE_CHAR if safe else ANY_CHAR
    return st.one_of(
        st.text(char, max_size=40),
        st.text(st.sampled_from(WHITESPACE), max_size=12),
        st.text(st.sampled_from(CONTROL), max_size=12),
        st.lists(st.sampled_from(NEWS) | st.text(char, max_size=12), max_size=8)
        .flatmap(lambda parts: st.sampled_from([" ", "\n", "", "\r\n", "\u2028"]).map(lambda sep: sep.join(parts))),
        long_texts(limit),
    )


KEYS = st.sampled_from(["sentences", "coverage", "text", "explain", "model", "path", "", "\ud800", "k\udfff"]) \
    | st.text(ANY_CHAR, max_size=8)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | texts(50)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=8)
# Fields no request has (a lone surrogate in a name is echoed in the error's `loc`).
EXTRA = st.dictionaries(KEYS.filter(lambda k: k not in ("sentences", "coverage", "text", "explain")), SCALARS,
                        max_size=2)
# Coverage that is valid, and coverage that is not: the bounds, ints, strings, NaN, infinities.
GOOD_COVERAGE = st.none() | st.floats(min_value=1e-6, max_value=1 - 1e-6)
COVERAGE = GOOD_COVERAGE | st.sampled_from([0, 1, 0.0, 1.0, -0.0, 2, -1, "0.9", True, math.nan, math.inf]) | JUNK


def mostly(strategy, other, weight: int = 4):
    """`strategy` about `weight` times out of `weight + 1`, else `other`."""
    # Hypothesis leans towards the first values of a range, so those pick `strategy`.
    return st.sampled_from(range(weight + 1)).flatmap(lambda n: strategy if n < weight else other)


@st.composite
def classify_bodies(draw) -> tuple[object, set[int] | None]:
    """A body value, and the statuses its plain JSON must get (None: any the handler documents)."""
    kind = draw(st.sampled_from(["valid", "valid", "near", "junk"]))
    if kind == "junk":
        return draw(JUNK), None
    if kind == "valid":  # any Unicode but lone surrogates, within the limits
        limit = LIMITS["max_chars"]
        body = {"sentences": draw(st.lists(texts(limit, safe=True).map(lambda t: t[:limit]), max_size=8))}
        if draw(st.booleans()):
            body["coverage"] = draw(GOOD_COVERAGE)
        return body, {200}
    body = draw(st.fixed_dictionaries(
        {"sentences": st.lists(texts(LIMITS["max_chars"]) | SCALARS, max_size=LIMITS["max_sentences"] + 2) | JUNK},
        optional={"coverage": COVERAGE}))
    return {**draw(EXTRA), **body}, None


def many_sentences() -> st.SearchStrategy[str]:
    """Articles of about max_sentences short lines, below and above the limit."""
    n = LIMITS["max_sentences"]
    return st.tuples(st.sampled_from(["Kyiv denied it.", "Troops advanced.", "x", "Read more"]),
                     st.sampled_from([n - 1, n, n + 1]) | st.integers(0, 2 * n),
                     st.sampled_from(["\n", " ", "\n\n"])).map(lambda t: t[2].join([t[0]] * t[1]))


def within_limits(article: str) -> bool:
    """Whether /v1/score must take this article: characters, lines and sentences within the limits."""
    return (len(article) <= LIMITS["max_article_chars"] and len(split_sentences(article)) <= LIMITS["max_sentences"]
            and all(len(line) <= LIMITS["max_line_chars"] for line in article.splitlines()))


@st.composite
def score_bodies(draw) -> tuple[object, set[int] | None]:
    """As classify_bodies, for /v1/score."""
    kind = draw(st.sampled_from(["valid", "valid", "near", "junk"]))
    if kind == "junk":
        return draw(JUNK), None
    if kind == "valid":  # valid but for the limits, which the text may exceed
        body = {"text": draw(texts(LIMITS["max_article_chars"], safe=True) | many_sentences())}
        for name, values in (("coverage", GOOD_COVERAGE), ("explain", st.booleans())):
            if draw(st.booleans()):
                body[name] = draw(values)
        return body, {200} if within_limits(body["text"]) else {422}
    body = draw(st.fixed_dictionaries({"text": texts(LIMITS["max_article_chars"]) | JUNK},
                                      optional={"coverage": COVERAGE, "explain": st.booleans() | JUNK}))
    return {**draw(EXTRA), **body}, None


def any_body():
    return st.just((None, None)) | JUNK.map(lambda v: (v, None))


JSON_TYPES = ["application/json", "application/json; charset=utf-8"]
LATIN1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
CONTENT_TYPES = st.sampled_from([*JSON_TYPES, "application/merge-patch+json", "text/plain", "text/json",
                                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                 "application/octet-stream", "application/json; charset=latin-1", "", None]) \
    | st.text(LATIN1, max_size=30)
AUTH_OK = ["Bearer fuzz-key", "bearer fuzz-key", "BEARER fuzz-key"]
# A header is only ever accepted if it ends in the key, so these are all wrong.
AUTH_BAD = st.sampled_from([None, "", "Bearer", "Bearer ", "fuzz-key", "Basic fuzz-key", "Bearer fuzz-key2",
                            "Bearer fuzz-ke", "Bearerfuzz-key", "Token fuzz-key", "Bearer fuzz-key\xa0"]) \
    | st.text(LATIN1, max_size=30).map(lambda h: h + "!")
PARAMS = st.dictionaries(st.sampled_from(["sentences", "text", "coverage", "model", "path", "", "x"]),
                         st.text(SAFE_CHAR, max_size=8), max_size=3)


@st.composite
def encoded(draw, value) -> tuple[bytes, bool]:
    """`value` as request bytes, and whether they are the plain UTF-8 JSON of it."""
    if value is None:
        return b"", False
    kind = draw(st.sampled_from(["json"] * 6 + ["truncated", "binary", "empty", "spliced"]))
    # ensure_ascii=False writes a lone surrogate as such, which surrogatepass turns into invalid UTF-8.
    text = json.dumps(value, ensure_ascii=draw(st.booleans()), allow_nan=True)
    body = text.encode("utf-8", "surrogatepass")
    if kind == "json":
        return body, True
    if kind == "truncated":
        return body[:draw(st.integers(0, max(len(body) - 1, 0)))], False
    if kind == "binary":
        return draw(st.binary(max_size=200)), False
    if kind == "empty":
        return b"", False
    at = draw(st.integers(0, len(body)))
    return body[:at] + draw(st.binary(min_size=1, max_size=8)) + body[at:], False


@st.composite
def http_requests(draw, path: str, method: str, bodies) -> dict:
    """One request to `path`; mostly with the right method, a JSON content type and the key."""
    value, statuses = draw(bodies)
    body, plain = draw(encoded(value))
    content_type = draw(mostly(st.sampled_from(JSON_TYPES), CONTENT_TYPES, 3))
    return {"method": draw(mostly(st.just(method), st.sampled_from(METHODS), 6)), "path": path,
            "app": draw(st.sampled_from(["linear", "fake"])), "body": body, "content_type": content_type,
            "authorization": draw(mostly(st.sampled_from(AUTH_OK), AUTH_BAD)), "params": draw(PARAMS),
            "right_method": (method,),  # HEAD included: FastAPI routes answer only what they declare
            # What the server must answer if the key, body size and method are right (None: it depends).
            "statuses": statuses if (plain and content_type in JSON_TYPES) else None}


# --------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def apps(model_dir):
    """Two apps: the real linear model (no conformal sets) without a key, and the fake (with sets)
    behind the bearer key. Each comes with its classifier and what /v1/model must say, so every
    answer can be recomputed in the test."""
    linear = load_classifier(model_dir)
    common = {"name": None, "version": None, "alias": None, "labels": list(LABELS)}
    served = {
        "linear": (linear, create_app(lambda: linear, Settings(**LIMITS, model_ref=str(model_dir))),
                   {**common, "ref": str(model_dir), "kind": "linear", "sets": False, "metrics": {},
                    "dataset": {"name": "kursk-small"}}),
        "fake": (FakeClassifier(), create_app(FakeClassifier, Settings(**LIMITS, api_key=KEY)),
                 {**common, "ref": None, "kind": "fake", "sets": True,
                  "metrics": {"validation_macro_f1": 0.75, "test_accuracy": 0.5}, "dataset": MANIFEST["dataset"]}),
    }
    with ExitStack() as stack:
        out = {}
        for name, (clf, app, info) in served.items():
            client = stack.enter_context(TestClient(app, follow_redirects=False))
            wait_ready(client)
            out[name] = (clf, client, info)
        yield out


# ---------------------------------------------------------------------------------------- oracles


def assert_error_shape(r) -> None:
    body = r.json()
    assert set(body) == {"error", "detail"} and isinstance(body["error"], str) and body["error"], body
    if isinstance(body["detail"], list):  # validation errors: where and what, never the input
        assert all(set(d) == {"loc", "msg", "type"} for d in body["detail"]), body


def loaded_at(body: dict) -> dict:
    """The `loaded_at` of an answer, once checked to be an ISO time in UTC."""
    stamp = body["loaded_at"]
    assert stamp.endswith("+00:00") and time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"), stamp
    return {"loaded_at": stamp}


def check(apps, req: dict, documented: set[int], answer=None):
    """Send `req`. The status must be one the handler documents (or 401/404/405/413 from routing
    and middleware), and the one the request earned where that is certain. A 4xx body must have
    the error shape; a 200 body must equal `answer(clf, info, request bytes, response body)`."""
    clf, client, info = apps[req["app"]]
    headers = {}
    if req["content_type"] is not None:
        headers["content-type"] = req["content_type"].encode("latin-1")
    if req["app"] == "fake" and req["authorization"] is not None:
        headers["authorization"] = req["authorization"].encode("latin-1")
    r = client.request(req["method"], req["path"], content=req["body"], headers=headers, params=req["params"])

    status, path, method, right = r.status_code, req["path"], req["method"], req["right_method"]
    event(f"{path} {req['app']} {status}")  # pytest --hypothesis-show-statistics shows the mix
    assert status < 500, (status, r.text, req)
    if req["app"] == "fake" and path not in OPEN and req["authorization"] not in AUTH_OK:
        earned = {401}  # the key is checked first, before the body is read
    elif len(req["body"]) > LIMITS["max_body_bytes"]:
        earned = {413}
    elif right is not None and method not in right:
        earned = {405}
    else:
        earned = req["statuses"]
    assert status in documented | {401, 404, 405, 413}, (status, r.text, req)
    assert earned is None or status in earned, (earned, status, r.text, req)
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"
    if method != "HEAD" and status >= 400:
        assert_error_shape(r)
    if method != "HEAD" and status == 200 and answer is not None:
        assert r.json() == answer(clf, info, req["body"], r.json()), req
    return r


def classify_answer(clf, info, raw: bytes, response) -> dict:
    body = json.loads(raw.decode("utf-8"))  # as the server read it
    sentences, coverage = body["sentences"], body.get("coverage")
    assert len(sentences) <= LIMITS["max_sentences"] and all(len(t) <= LIMITS["max_chars"] for t in sentences)
    if not sentences:
        return {"results": []}
    probs = clf.predict_proba(sentences)
    rows = [{"text": t, "label": LABELS[int(p.argmax())], "probs": {l: round(float(v), 6) for l, v in zip(LABELS, p)}}
            for t, p in zip(sentences, probs)]
    if coverage is not None and info["sets"]:
        for row, s in zip(rows, clf.predict_set(sentences, coverage, probs=probs)):
            row["set"] = s
    return {"results": rows}


def score_answer(clf, info, raw: bytes, response) -> dict:
    body = json.loads(raw.decode("utf-8"))
    assert within_limits(body["text"]), len(body["text"])
    result = score_article(body["text"], clf, coverage=body.get("coverage", 0.9), explain=body.get("explain", True))
    return json.loads(json.dumps(result))  # as JSON makes it (tuples become lists)


def reload_answer(clf, info, raw, response) -> dict:
    return {"status": "reloaded", "kind": info["kind"], **loaded_at(response)}


# The handlers that read neither body nor query: path -> (methods, answer). GET routes answer HEAD too.
BODILESS = {
    "/v1/model": (("GET", "HEAD"), lambda clf, info, raw, response: {**info, **loaded_at(response)}),
    "/readyz": (("GET", "HEAD"), lambda clf, info, raw, response: {"status": "ready", "kind": info["kind"],
                                                                   **loaded_at(response)}),
    "/healthz": (("GET", "HEAD"), lambda clf, info, raw, response: {"status": "ok"}),
    "/v1/reload": (("POST",), reload_answer),
}
ROUTES = {"/v1/classify", "/v1/score", *BODILESS}


# ---------------------------------------------------------------------------------- the handlers


@pytest.mark.slow
@FUZZ
@given(req=http_requests("/v1/classify", "POST", classify_bodies()))
def test_classify_answers_exactly_or_with_an_error_never_a_5xx(apps, req):
    check(apps, req, {200, 400, 422}, classify_answer)


@pytest.mark.slow
@FUZZ
@given(req=http_requests("/v1/score", "POST", score_bodies()))
def test_score_answers_exactly_or_with_an_error_never_a_5xx(apps, req):
    check(apps, req, {200, 400, 422}, score_answer)


@pytest.mark.slow
@FUZZ
@given(req=http_requests("/healthz", "GET", any_body()))
def test_handlers_without_a_body_answer_any_request_with_the_right_method(apps, req):
    """Each example goes to every such handler: 2,000 examples each for the price of one draw."""
    for path, (methods, answer) in BODILESS.items():
        # The reload loads again each time; the loaders here never fail, so it answers 200 too.
        check(apps, {**req, "path": path, "method": methods[0] if req["method"] == "GET" else req["method"],
                     "right_method": methods, "statuses": {200}}, {200}, answer)


PATHS = st.sampled_from([*OPEN[2:], "/", "/v1", "/v1/", "/v1/classify/", "/healthz/", "/v1/nothing", "/V1/classify",
                         "//v1/classify", "/v1/classify%00", "/openapi.yaml"]) \
    | st.text(SAFE_CHAR, max_size=20).map(lambda p: "/" + quote(p, safe="/"))


@pytest.mark.slow
@FUZZ
@given(data=st.data())
def test_any_other_path_or_method_is_a_clean_4xx_or_the_docs(apps, data):
    path = data.draw(PATHS)
    if path in ROUTES:
        return  # a random path is almost never a route; the handlers' own tests cover those
    req = data.draw(http_requests(path, "GET", any_body()))
    if path in OPEN:  # Starlette's routes for the docs answer HEAD too
        req["right_method"], req["statuses"] = ("GET", "HEAD"), {200}
    else:  # a slash too many is redirected; anything else is not found
        req["right_method"], req["statuses"] = None, {307, 404}
    r = check(apps, req, {200, 307})
    if r.status_code == 307:
        assert urlsplit(r.headers["location"]).path == path.rstrip("/"), (path, r.headers)
    elif r.status_code == 200 and req["method"] == "GET":
        if path == "/openapi.json":
            assert r.json() == apps[req["app"]][1].app.openapi()
        else:
            assert r.headers["content-type"].startswith("text/html"), r.headers
            assert path == "/docs/oauth2-redirect" or "claimstance" in r.text


# ------------------------------------------------------------------------------------ schemathesis


# The pytest integration needs the schema when the module is collected (its fixture-based loader
# fails on pytest 9), so these apps are built here, over the fake classifier, which has conformal
# sets and so fills every field of the responses.
OPENAPI_APPS = {"open": create_app(FakeClassifier, Settings(**LIMITS)),
                "keyed": create_app(FakeClassifier, Settings(**LIMITS, api_key=KEY))}
OPENAPI = {name: schemathesis.openapi.from_asgi("/openapi.json", app) for name, app in OPENAPI_APPS.items()}
OPENAPI["keyed"].config.update(headers={"Authorization": f"Bearer {KEY}"})
for _schema in OPENAPI.values():
    # A body over max_body_bytes is refused with 413 whatever it holds (JSON Schema cannot say so),
    # and a documented refusal of valid and invalid data alike.
    for _check in (_schema.config.checks.negative_data_rejection, _schema.config.checks.positive_data_acceptance):
        _check.expected_statuses = [*_check.expected_statuses, "413"]


@pytest.fixture(scope="module")
def models_loaded():
    """Schemathesis runs each app's lifespan itself; wait until the first load there is done."""
    for app in OPENAPI_APPS.values():
        with schemathesis.python.asgi.get_client(app) as client:
            deadline = time.monotonic() + 10
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, client.get("/readyz").text
                time.sleep(0.01)


@schemathesis.pytest.parametrize(**OPENAPI)
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_openapi_schema_holds(case, models_loaded):
    """All of schemathesis' checks: no 5xx, responses match the documented schemas, status codes,
    content types and headers; invalid data is rejected, valid data accepted, auth not ignored."""
    case.call_and_validate()
