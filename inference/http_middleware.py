"""What stands between a request and the handlers: the error shape, and two pure ASGI middlewares
(bearer auth, body size) that act before FastAPI reads the body.

Every error is `{"error": ..., "detail": ...}`:

>>> error_response(413, "request body too large", "the limit is 100 bytes").body
b'{"error":"request body too large","detail":"the limit is 100 bytes"}'
"""

from __future__ import annotations

import hmac
import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def error_response(status: int, error: str, detail: Any = None, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    """The app's one error shape, as a response."""
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


def install_error_handlers(app: FastAPI) -> None:
    """Every exception FastAPI or a handler raises becomes the error shape, a bug included (500)."""
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.error, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return error_response(422, "invalid request", _validation_detail(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        # 404, 405, and 400 for a body FastAPI could not decode (bad UTF-8, nesting too deep).
        error = "invalid request" if exc.status_code == 400 else HTTPStatus(exc.status_code).phrase.lower()
        return error_response(exc.status_code, error, exc.detail, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception):
        # Still a 500 and still logged with its traceback by Starlette; only the body keeps our shape.
        return error_response(500, "internal error", f"{type(exc).__name__}; see the server log")


# ---- middleware (pure ASGI, so they act before FastAPI reads the body) ----

# Open without a key; everything else (all of /v1/*, and any route added later) needs it.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class BearerAuth:
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
                response = error_response(401, "unauthorized", "send the header `Authorization: Bearer <key>` "
                                          "with the server's API key", headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """413 when Content-Length, or the body actually received, exceeds `max_bytes`.

    The body is read here in full (it is small by construction) and replayed to the app.
    """

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self, size: str) -> JSONResponse:
        return error_response(413, "request body too large", f"the body is {size} bytes; the limit is "
                              f"{self.max_bytes} bytes: send fewer or shorter sentences per request")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not (declared.isascii() and declared.strip().isdigit()):
                bad = error_response(400, "invalid request", f"Content-Length {declared!r} is not a number")
                await bad(scope, receive, send)
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

