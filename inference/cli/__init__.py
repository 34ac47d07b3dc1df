"""The `stance` console script. Library errors become one line on stderr and exit code 2.

Subcommands live one per module. `classify` and `score` ship with inference; `train` and `data`
come from the training package through the `claimstance.commands` entry point group, so
inference never imports training.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from importlib.metadata import entry_points

from inference.errors import StanceError

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")  # MLflow INFO lines would break the one-line error contract
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

DEFAULT_MODEL = "models:/claim-stance@champion"


def build_parser() -> argparse.ArgumentParser:
    from inference.cli import classify, score, serve

    parser = argparse.ArgumentParser(prog="stance", description="Claim stance of news sentences: "
                                     "asserted, disputed or speculative.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    classify.register(sub)
    score.register(sub)
    serve.register(sub)
    for ep in sorted(entry_points(group="claimstance.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every cleanup path (runs marked KILLED, temp files) runs."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        return args.func(args) or 0
    except StanceError as exc:
        print(f"stance: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        print(f"stance: {'terminated' if terminated else 'interrupted'}", file=sys.stderr)
        return 143 if terminated else 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: users never see a traceback
        if os.environ.get("STANCE_DEBUG"):
            raise
        print(f"stance: unexpected error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
              "(set STANCE_DEBUG=1 for the traceback and report it)", file=sys.stderr)
        return 1
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def run() -> None:
    sys.exit(main())
