"""One JSONL line to one JSON object, with the error users see when it is not one.

>>> json_object('{"text": "x"}', "in.jsonl:1")
{'text': 'x'}
"""

from __future__ import annotations

import json
from typing import Any

from inference.errors import StanceError


def json_object(line: str, where: str) -> dict[str, Any]:
    """Parse `line` as a JSON object or raise StanceError naming `where` (file:line)."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise StanceError(f"{where}: not valid JSON ({exc}); give one JSON object a line") from None
    if not isinstance(obj, dict):
        raise StanceError(f"{where}: expected a JSON object, found {type(obj).__name__}")
    return obj
