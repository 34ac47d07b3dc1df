"""Where `score_batch` keeps its output: JSONL or Parquet stores that know which articles are done.

A store reads the existing output once (`done`: id -> content hash, refusing a file that is not
ours), and `commit(records)` rewrites the whole file with the new records and without the stale
ones (temp file, fsync, `os.replace`), so a crash never leaves a half-written output.
`read_records` reads either format back into the dicts `score_article` gives.

>>> [r["summary"]["claims"] for r in read_records("scores.parquet")]      # doctest: +SKIP
[14, 9]
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from inference.errors import StanceError
from inference.labels import LABELS


def is_parquet(path: Path) -> bool:
    """Whether the file starts with Parquet's magic bytes."""
    with path.open("rb") as f:
        return f.read(4) == b"PAR1"

def _atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Call write(temp) on a temp file beside `target`, fsync it, then os.replace it over `target`."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dfd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def _not_ours(output: Path, why: str) -> StanceError:
    return StanceError(f"{output}: {why}; it is not an output of `stance score`, so it is left alone: "
                       "move it away or pick another --output")


class _Store:
    """What an output holds: `done` maps id -> content hash. Subclasses read it and commit chunks."""

    def __init__(self, output: Path, done: dict[str, str]):
        self.output = output
        self.done = done
        self._before = dict(done)  # as the file was when this run began
        self._stale: set[tuple[str, str]] = set()  # (id, old hash) records to drop: their text changed

    def _note(self, records: list[dict[str, Any]]) -> None:
        for r in records:
            old = self._before.get(r["id"])
            if old is not None and old != r["content_hash"]:
                self._stale.add((r["id"], old))


class JsonlStore(_Store):
    def __init__(self, output: Path):
        done: dict[str, str] = {}
        if output.exists():
            with output.open("rb") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                        done[obj["id"]] = obj["content_hash"]
                    except (ValueError, TypeError, KeyError, RecursionError):
                        raise _not_ours(output, f"line {n} is not a record with id and content_hash") from None
        super().__init__(output, done)

    def commit(self, records: list[dict[str, Any]]) -> None:
        """Old lines (less stale ones) then the chunk, into a temp file that replaces the output."""
        self._note(records)

        def write(tmp: Path) -> None:
            with tmp.open("wb") as out:
                if self.output.exists():
                    with self.output.open("rb") as old:
                        if not self._stale:
                            shutil.copyfileobj(old, out, 1 << 20)
                        else:
                            for line in old:
                                obj = json.loads(line) if line.strip() else None
                                if obj is None or (obj["id"], obj["content_hash"]) not in self._stale:
                                    out.write(line)
                for r in records:
                    out.write(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n")

        _atomic_write(self.output, write)


# Parquet columns: the parts of a record every model gives are typed columns, so they can be
# queried; the rest (conformal sets, top words, speakers: fields that vary with the model and grow
# with the scorer) is kept losslessly as JSON in `details`. `read_records` merges them back.
_SUMMARY_CORE = ("sentences", "claims", "no_claim", "counts", "shares")
_SENTENCE_CORE = ("index", "text", "label", "probs")


def _schema():
    import pyarrow as pa

    probs = pa.struct([(label, pa.float64()) for label in LABELS])
    sentence = pa.struct([("index", pa.int64()), ("text", pa.string()), ("label", pa.string()), ("probs", probs)])
    summary = pa.struct([("sentences", pa.int64()), ("claims", pa.int64()), ("no_claim", pa.int64()),
                         ("counts", pa.struct([(label, pa.int64()) for label in LABELS])),
                         ("shares", pa.struct([(label, pa.float64()) for label in LABELS]))])
    return pa.schema([("id", pa.string()), ("content_hash", pa.string()), ("summary", summary),
                      ("sentences", pa.list_(sentence)), ("details", pa.string())])


def _to_row(record: dict[str, Any]) -> dict[str, Any]:
    summary, sentences = record["summary"], record["sentences"]
    details = {"summary": {k: v for k, v in summary.items() if k not in _SUMMARY_CORE},
               "sentences": [{k: v for k, v in s.items() if k not in _SENTENCE_CORE} for s in sentences]}
    return {"id": record["id"], "content_hash": record["content_hash"],
            "summary": {k: summary.get(k) for k in _SUMMARY_CORE},
            "sentences": [{k: s.get(k) for k in _SENTENCE_CORE} for s in sentences],
            "details": json.dumps(details, ensure_ascii=False)}


def _from_row(row: dict[str, Any]) -> dict[str, Any]:
    details = json.loads(row["details"]) if row.get("details") else {"summary": {}, "sentences": []}
    extra = details["sentences"] or [{}] * len(row["sentences"])
    return {"id": row["id"], "content_hash": row["content_hash"],
            "summary": {**row["summary"], **details["summary"]},
            "sentences": [{**s, **e} for s, e in zip(row["sentences"], extra)]}


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a `score_batch` output, JSONL or Parquet, each as `score_article` gave it
    plus id and content_hash.

    >>> [r["summary"]["claims"] for r in read_records("scores.parquet")]      # doctest: +SKIP
    [14, 9]
    """
    path = Path(path)
    if is_parquet(path):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            yield from (_from_row(row) for row in batch.to_pylist())
        return
    with path.open("rb") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


class ParquetStore(_Store):
    def __init__(self, output: Path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.schema = _schema()
        done: dict[str, str] = {}
        if output.exists():
            try:
                found = pq.read_schema(output)
                if not found.equals(self.schema):
                    raise _not_ours(output, f"its columns are {found.names}, expected {self.schema.names}")
                keys = pq.read_table(output, columns=["id", "content_hash"]).to_pydict()
            except (pa.ArrowException, OSError) as exc:
                raise _not_ours(output, f"not readable as Parquet ({str(exc).splitlines()[0][:200]})") from None
            done = dict(zip(keys["id"], keys["content_hash"]))
        super().__init__(output, done)

    def commit(self, records: list[dict[str, Any]]) -> None:
        """Old row groups (less stale rows) then one for the chunk, into a temp file that replaces the output."""
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        self._note(records)
        table = pa.Table.from_pylist([_to_row(r) for r in records], schema=self.schema)

        def write(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, self.schema) as writer:
                if self.output.exists():
                    stale = pa.array(sorted(f"{i}\0{h}" for i, h in self._stale), pa.string())
                    for batch in pq.ParquetFile(self.output).iter_batches(batch_size=4096):
                        if len(stale):
                            key = pc.binary_join_element_wise(batch["id"], batch["content_hash"], "\0")
                            batch = batch.filter(pc.invert(pc.is_in(key, value_set=stale)))
                        writer.write_batch(batch)
                if len(table):
                    writer.write_table(table)

        _atomic_write(self.output, write)
