"""Reading CLI inputs: a file or stdin, one sentence a line or JSONL with a `text` field."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from inference.errors import StanceError
from inference.jsonl import json_object


def read_text(name: str) -> str:
    """The whole of a file, or of stdin for '-', as UTF-8; unreadable input is a StanceError."""
    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        return data.decode("utf-8")
    except FileNotFoundError:
        raise StanceError(f"{name}: no such file; pass an existing file or - for stdin") from None
    except IsADirectoryError:
        raise StanceError(f"{name}: is a directory; pass a file or - for stdin") from None
    except PermissionError:
        raise StanceError(f"{name}: permission denied") from None
    except OSError as exc:  # e.g. a name too long, or a file used as a folder
        raise StanceError(f"{name[:200]}: cannot read ({exc.strerror or exc}); pass a readable file or - for "
                          "stdin") from None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise StanceError(f"{'stdin' if name == '-' else name}:{line}: not valid UTF-8 (byte {exc.start}); "
                          "convert the file to UTF-8") from None


def read_sentences(name: str) -> list[str]:
    """Sentences in input order. JSONL when the file is .jsonl or .ndjson or its first non-blank line
    is a JSON object, else plain lines."""
    # Only newlines end a line: str.splitlines() also splits at U+2028, \x85, \x0c ..., which JSON
    # strings may hold raw, and it would shift the line numbers in errors.
    lines = re.split(r"\r\n|\r|\n", read_text(name))
    first = next((l for l in lines if l.strip()), "")
    if not (first.lstrip().startswith("{") or name.lower().endswith((".jsonl", ".ndjson"))):
        return [l.strip() for l in lines if l.strip()]
    texts = []
    where = "stdin" if name == "-" else name
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        obj = json_object(line, f"{where}:{n}")
        if not isinstance(obj.get("text"), str):
            found = "no text" if obj.get("text") is None else f"text of type {type(obj['text']).__name__}"
            raise StanceError(f"{where}:{n}: expected an object with a string 'text' field, found {found}; "
                              'write each line as {"text": "..."}')
        texts.append(obj["text"])
    return texts
