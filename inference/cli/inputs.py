"""Reading CLI inputs: a file or stdin, one sentence a line or JSONL with a `text` field."""

from __future__ import annotations

import sys
from pathlib import Path

from inference.errors import StanceError
from inference.jsonl import json_object


def read_text(name: str) -> str:
    """The whole of a file, or of stdin for '-', as UTF-8; unreadable input is a StanceError."""
    try:
        if name == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        return Path(name).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise StanceError(f"{name}: no such file; pass an existing file or - for stdin") from None
    except IsADirectoryError:
        raise StanceError(f"{name}: is a directory; pass a file or - for stdin") from None
    except PermissionError:
        raise StanceError(f"{name}: permission denied") from None
    except UnicodeDecodeError as exc:
        raise StanceError(f"{name}: not valid UTF-8 at byte {exc.start}; convert the file to UTF-8") from None


def read_sentences(name: str) -> list[str]:
    """Sentences in input order. JSONL when the first non-blank line is a JSON object, else plain lines."""
    lines = read_text(name).splitlines()
    first = next((l for l in lines if l.strip()), "")
    if not first.lstrip().startswith("{"):
        return [l.strip() for l in lines if l.strip()]
    texts = []
    where = "stdin" if name == "-" else name
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj = json_object(line, f"{where}:{n}")
        if not isinstance(obj.get("text"), str):
            raise StanceError(f"{where}:{n}: expected an object with a string 'text' field")
        texts.append(obj["text"])
    return texts
