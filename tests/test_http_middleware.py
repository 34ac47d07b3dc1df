"""Requests the API must refuse, each with a 4xx and the error shape, never a 500 (`inference/http_middleware.py`:
error handlers, body limit, bearer auth), through `create_app` over the fake classifier of test_server.py."""

import asyncio
import hmac
import json

import pytest
from test_server import FakeClassifier, assert_error, labels_of, serving

from inference.errors import StanceError
from inference.server import Settings, create_app


@pytest.fixture
def client():
    with serving() as c:
        yield c


# ---- invalid requests: 4xx with the error shape, never 500 ----

def raw(body: bytes, content_type: str | None = "application/json") -> dict:
    return {"content": body, "headers": {"content-type": content_type} if content_type else {}}


INVALID = {
    "missing field": ("/v1/classify", {"json": {}}, 422),
    "sentences not a list": ("/v1/classify", {"json": {"sentences": "Kyiv denied it."}}, 422),
    "a sentence not a string": ("/v1/classify", {"json": {"sentences": ["a", 1]}}, 422),
    "null sentence": ("/v1/classify", {"json": {"sentences": [None]}}, 422),
    "coverage as a string": ("/v1/classify", {"json": {"sentences": ["a"], "coverage": "0.9"}}, 422),
    "coverage out of range": ("/v1/classify", {"json": {"sentences": ["a"], "coverage": 1.0}}, 422),
    "coverage NaN": ("/v1/classify", raw(b'{"sentences": ["a"], "coverage": NaN}'), 422),
    "a model path from the client": ("/v1/classify", {"json": {"sentences": ["a"], "model": "/etc/passwd"}}, 422),
    "too many sentences": ("/v1/classify", {"json": {"sentences": ["a"] * 11}}, 422),
    "too long sentence": ("/v1/classify", {"json": {"sentences": ["x" * 51]}}, 422),
    "bad JSON": ("/v1/classify", raw(b'{"sentences": ['), 422),
    "JSON not an object": ("/v1/classify", raw(b'["a"]'), 422),
    "empty body": ("/v1/classify", raw(b""), 422),
    "not JSON content type": ("/v1/classify", raw(b'{"sentences": ["a"]}', "text/plain"), 422),
    "no content type": ("/v1/classify", raw(b'{"sentences": ["a"]}', None), 422),
    "lone surrogate": ("/v1/classify", raw(b'{"sentences": ["\\ud800"]}'), 422),
    "lone surrogate as a key": ("/v1/classify", raw(b'{"\\udfff": 1, "sentences": []}'), 422),
    "not UTF-8": ("/v1/classify", raw(b'{"sentences": ["\xff\xfe"]}'), (400, 422)),
    "nested too deep": ("/v1/classify", raw(b"[" * 50_000), (400, 422)),
    "huge number": ("/v1/classify", raw(b'{"sentences": [], "coverage": 1' + b"0" * 5000 + b"}"), (400, 422)),
    "score missing text": ("/v1/score", {"json": {"sentences": ["a"]}}, 422),
    "score article too long": ("/v1/score", {"json": {"text": "Kyiv said so.\n" * 20}}, 422),
    "score line too long": ("/v1/score", {"json": {"text": "x" * 41}}, 422),
    "score too many sentences": ("/v1/score", {"json": {"text": "Kyiv said so.\n" * 12}}, 422),
}


@pytest.mark.parametrize("path, request_kwargs, status", INVALID.values(), ids=INVALID.keys())
def test_invalid_requests_get_the_error_shape(path, request_kwargs, status):
    with serving(max_sentences=10, max_chars=50, max_article_chars=200, max_line_chars=40) as c:
        body = assert_error(c.post(path, **request_kwargs), status)
        if body["error"] == "invalid request" and isinstance(body["detail"], list):
            assert all(set(d) == {"loc", "msg", "type"} for d in body["detail"])


def test_validation_errors_say_where_and_do_not_echo_the_input():
    with serving(max_sentences=10, max_chars=50) as c:
        body = assert_error(c.post("/v1/classify", json={"sentences": ["ok", "y" * 51]}), 422)
        assert body == {"error": "invalid request", "detail": [
            {"loc": ["body", "sentences", 1], "msg": "String should have at most 50 characters",
             "type": "string_too_long"}]}


def test_unknown_path_and_wrong_method(client):
    assert assert_error(client.get("/v1/nothing"), 404)["error"] == "not found"
    assert assert_error(client.get("/v1/classify"), 405)["error"] == "method not allowed"


def test_trailing_slash_is_not_redirected_to_the_host_header(client):
    r = client.post("/v1/classify/", json={"sentences": ["a"]}, headers={"Host": "evil.example"},
                    follow_redirects=False)
    assert assert_error(r, 404)["error"] == "not found" and "location" not in r.headers


def test_get_routes_answer_head_with_headers_and_no_body(client):
    for path in ("/healthz", "/readyz", "/v1/model"):
        r = client.head(path)
        assert (r.status_code, r.content) == (200, b""), path
        assert r.headers["content-type"] == "application/json"
    assert client.head("/v1/classify").status_code == 405


def test_oversized_body_by_content_length_and_by_actual_size():
    with serving(max_body_bytes=100) as c:
        body = {"sentences": ["x" * 200]}
        assert assert_error(c.post("/v1/classify", json=body), 413)["error"] == "request body too large"
        # A generator body is sent chunked, with no Content-Length: the bytes received are counted.
        chunks = iter([b'{"sentences": ["', b"x" * 80, b"x" * 80, b'"]}'])
        assert_error(c.post("/v1/classify", content=chunks, headers={"content-type": "application/json"}), 413)
        assert labels_of(c.post("/v1/classify", json={"sentences": ["short"]})) == ["asserted"]


def call_asgi(app, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, dict]:
    """One request straight into the ASGI app, for headers an HTTP client will not send."""
    messages = iter([{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/classify", "raw_path": b"/v1/classify",
             "query_string": b"", "root_path": "", "scheme": "http", "http_version": "1.1",
             "headers": [(b"content-type", b"application/json"), *headers],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    asyncio.run(app(scope, receive, send))
    return sent[0]["status"], json.loads(sent[1]["body"])


def test_content_length_that_understates_the_body_or_is_not_a_number():
    app = create_app(FakeClassifier, Settings(max_body_bytes=100))
    status, body = call_asgi(app, [(b"content-length", b"10")], [b"x" * 60, b"x" * 60])
    assert (status, body["error"]) == (413, "request body too large")
    for bad in (b"ten", "\u00b2".encode("latin-1"), b"-1"):
        status, body = call_asgi(app, [(b"content-length", bad)], [b"{}"])
        assert (status, body["error"]) == (400, "invalid request")


# ---- auth ----

def test_bearer_key_guards_v1_but_not_health():
    with serving(api_key="s3cret-key") as c:
        body = {"sentences": ["a"]}
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-key"},
                        {"Authorization": "Basic s3cret-key"}, {"Authorization": "Bearer s3cret-key-and-more"}):
            r = c.post("/v1/classify", json=body, headers=headers)
            assert assert_error(r, 401)["error"] == "unauthorized"
            assert r.headers["www-authenticate"] == "Bearer"
        assert_error(c.get("/v1/model"), 401)
        assert_error(c.post("/v1/reload"), 401)
        assert_error(c.get("/v1/nothing"), 401)  # no key, no hint of which paths exist
        ok = {"Authorization": "Bearer s3cret-key"}
        assert labels_of(c.post("/v1/classify", json=body, headers=ok)) == ["asserted"]
        assert c.get("/v1/model", headers={"Authorization": "bearer s3cret-key"}).status_code == 200
        assert all(c.get(path).status_code == 200 for path in ("/healthz", "/readyz", "/docs", "/openapi.json"))


def test_the_key_is_compared_in_constant_time(monkeypatch):
    compared, real = [], hmac.compare_digest

    def compare_digest(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    with serving(api_key="s3cret-key") as c:
        assert_error(c.get("/v1/model", headers={"Authorization": "Bearer guess"}), 401)
        assert c.get("/v1/model", headers={"Authorization": "Bearer s3cret-key"}).status_code == 200
    assert compared == [(b"guess", b"s3cret-key"), (b"s3cret-key", b"s3cret-key")]


def test_auth_is_checked_before_the_body_is_read():
    with serving(api_key="k", max_body_bytes=100) as c:
        assert_error(c.post("/v1/classify", content=b"{" * 500, headers={"content-type": "application/json"}), 401)


@pytest.mark.parametrize("bad", [{"api_key": ""}, {"api_key": "has space"}, {"api_key": "ключ"},
                                 {"max_sentences": 0}, {"max_body_bytes": -1}, {"max_chars": True}])
def test_settings_refuse_bad_values(bad):
    with pytest.raises(StanceError):
        Settings(**bad)
