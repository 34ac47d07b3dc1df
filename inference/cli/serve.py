"""`stance serve [--model URI] [--host 127.0.0.1] [--port 8000] [--api-key KEY]`: the HTTP API.

The model is loaded before the server starts, so a bad `--model` is a one-line error, not a server
that never gets ready. `POST /v1/reload` loads the same reference again: with the default
`models:/claim-stance@champion` it picks up whichever version holds the alias now.
Interactive docs: http://127.0.0.1:8000/docs
"""

from __future__ import annotations

import os
import sys

from inference.errors import StanceError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve a model over HTTP (JSON API; docs at /docs)")
    p.add_argument("--model", default=None, help="model URI or folder (default: models:/claim-stance@champion)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    p.add_argument("--api-key", default=None, metavar="KEY", help="require `Authorization: Bearer KEY` on /v1/* "
                   "(default: $STANCE_API_KEY; prefer the variable, command lines are visible to other users)")
    p.set_defaults(func=run)


def run(args) -> int:
    from inference.cli import DEFAULT_MODEL
    from inference.loader import load_classifier
    from inference.server import Settings, create_app

    if not 0 < args.port < 65536:
        raise StanceError(f"--port {args.port} is not a TCP port; pick one between 1 and 65535 (e.g. 8000)")
    ref = args.model or DEFAULT_MODEL
    settings = Settings(api_key=args.api_key or os.environ.get("STANCE_API_KEY") or None, model_ref=ref)
    if args.host not in LOOPBACK and settings.api_key is None:
        print(f"stance: warning: serving on {args.host} without an API key; anyone who can reach it may use it "
              "(set STANCE_API_KEY)", file=sys.stderr)

    preloaded = [load_classifier(ref)]

    def load():
        # The app's first load takes the model checked above; every reload reads `ref` afresh.
        return preloaded.pop() if preloaded else load_classifier(ref)

    import uvicorn

    uvicorn.run(create_app(load, settings), host=args.host, port=args.port, log_level="info")
    return 0
