"""Nothing is unpickled from a user path and no remote code runs: checked over the source itself.

Model files are read only through formats that cannot run code (JSON, safetensors, NumPy without
pickle). A new call that could execute a file's contents makes these tests fail and name the line.
"""

import ast
from pathlib import Path

import pytest

from conftest import ROOT

SOURCES = sorted(p for package in ("inference", "training") for p in (ROOT / package).rglob("*.py"))

# Calls that execute a file's contents, by the name they are called through.
UNSAFE_CALLS = {"pickle.load", "pickle.loads", "cloudpickle.load", "cloudpickle.loads", "joblib.load",
                "dill.load", "dill.loads", "marshal.loads", "eval", "exec"}


def _flag(node: ast.Call, name: str):
    """The constant a keyword argument is set to; `...` when set to an expression; None when absent."""
    value = next((k.value for k in node.keywords if k.arg == name), None)
    if value is None:
        return None
    return value.value if isinstance(value, ast.Constant) else ...


def unsafe_calls(path: Path) -> list[str]:
    """Every call in `path` that could run code from a file, as 'file:line: why'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        name, where = ast.unparse(node.func), f"{path.name}:{node.lineno}"
        if name in UNSAFE_CALLS:
            found.append(f"{where}: {name}")
        if name.endswith("torch.load") and _flag(node, "weights_only") is not True:
            found.append(f"{where}: torch.load without weights_only=True")
        if name.endswith(("np.load", "numpy.load")) and _flag(node, "allow_pickle") is not False:
            found.append(f"{where}: np.load without allow_pickle=False")
        if _flag(node, "trust_remote_code") not in (None, False):
            found.append(f"{where}: trust_remote_code set")
        if name.endswith("from_pretrained") and _flag(node, "local_files_only") is not True:
            found.append(f"{where}: from_pretrained without local_files_only=True")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_call_can_execute_a_model_file(path):
    assert unsafe_calls(path) == []


def test_the_scan_finds_planted_unsafe_calls(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle, torch, numpy as np\n"
                   "pickle.load(open('m'))\n"
                   "torch.load('w')\n"
                   "np.load('a.npy', allow_pickle=True)\n"
                   "AutoModel.from_pretrained('x', trust_remote_code=True)\n"
                   "AutoTokenizer.from_pretrained('x', local_files_only=True)\n")
    assert unsafe_calls(bad) == [
        "bad.py:2: pickle.load", "bad.py:3: torch.load without weights_only=True",
        "bad.py:4: np.load without allow_pickle=False", "bad.py:5: trust_remote_code set",
        "bad.py:5: from_pretrained without local_files_only=True"]
