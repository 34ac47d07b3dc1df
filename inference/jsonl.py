"""One JSONL line to one JSON object, with the error users see when it is not one.

>>> json_object('{"text": "x"}', "in.jsonl:1")
{'text': 'x'}
"""

from __future__ import annotations

import json
import re
from typing import Any

from inference.errors import StanceError

# A \uD800-\uDFFF escape: JSON accepts one unpaired, but the string it gives cannot be written as UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def json_object(line: str, where: str) -> dict[str, Any]:
    """Parse `line` as a JSON object or raise StanceError naming `where` (file:line)."""
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise StanceError(f"{where}: not valid JSON ({exc}); give one JSON object a line") from None
    except RecursionError:
        raise StanceError(f"{where}: JSON nested too deeply to read; give one flat JSON object a line") from None
    if not isinstance(obj, dict):
        raise StanceError(f"{where}: expected a JSON object, found {type(obj).__name__}; give one object a line, "
                          'e.g. {"text": "..."}')
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise StanceError(f"{where}: a string holds an unpaired surrogate escape (\\ud800-\\udfff), which is not "
                              "text; escape characters outside the BMP as a pair or write them as UTF-8") from None
    return obj
