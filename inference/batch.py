"""Score many articles in one process: read them from a folder, glob, JSONL or Parquet, and write one
record per article to a JSONL or Parquet file that a re-run resumes without duplicates or gaps.

>>> from inference.loader import load_classifier                            # doctest: +SKIP
>>> clf = load_classifier("models:/claim-stance@champion")                  # doctest: +SKIP
>>> score_batch(read_articles("news/"), clf, "scores.jsonl")                # doctest: +SKIP
BatchResult(scored=120, skipped=0)
>>> score_batch(read_articles("news/"), clf, "scores.jsonl")                # doctest: +SKIP
BatchResult(scored=0, skipped=120)

Each record: `id`, `content_hash` (SHA-256 of the text), `summary` and `sentences` as
`score_article` gives them (in Parquet, the fields every model gives are typed columns and the
rest is JSON in `details`; `read_records` reads either format back into the same dicts).

An article counts as done when a record with its id and content hash is already in the output;
an article whose text changed since is scored again and its old record dropped. The output is
only ever replaced whole (temp file, fsync, `os.replace`), once a chunk, so a crash loses at most
the chunk being scored and never leaves a half-written file.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from inference.batch_store import JsonlStore, ParquetStore, is_parquet, read_records
from inference.errors import StanceError
from inference.jsonl import json_object

__all__ = ["FORMATS", "Article", "BatchResult", "content_hash", "read_articles", "read_records", "score_batch"]

FORMATS = ("jsonl", "parquet")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Article:
    """One article to score; `id` names it in the output."""

    id: str
    text: str


class BatchResult(NamedTuple):
    scored: int
    skipped: int


def content_hash(text: str) -> str:
    """SHA-256 of the UTF-8 text, hex.

    >>> content_hash("")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------- reading


def read_articles(spec: str | Path) -> Iterator[Article]:
    """Articles from a folder (every *.txt below it, id = path relative to it), a glob pattern
    (id = the matched path), one .txt file, a JSONL file or a Parquet file with `id` and `text`.

    Bad input raises StanceError naming the file and line (or row), as the reader reaches it.

    >>> [a.id for a in read_articles("news/")]                              # doctest: +SKIP
    ['kursk/day1.txt', 'sudzha.txt']
    """
    spec = str(spec)
    path = Path(spec).expanduser()
    try:
        is_dir, is_file = path.is_dir(), path.is_file()
    except OSError as exc:  # e.g. a name longer than the OS allows
        raise StanceError(f"{spec[:200]}: cannot read ({exc.strerror or exc}); pass a folder, glob, .txt, .jsonl or "
                          ".parquet file") from None
    if is_dir:
        return _unique(_read_folder(path), str(path))
    if is_file:
        suffix = path.suffix.lower()
        if suffix in _PARQUET_SUFFIXES or (suffix not in _JSONL_SUFFIXES + (".txt",) and is_parquet(path)):
            return _unique(_read_parquet(path), str(path))
        if suffix in _JSONL_SUFFIXES:
            return _unique(_read_jsonl(path), str(path))
        if suffix == ".txt":
            return iter([Article(spec, _read_text(path))])
        raise StanceError(f"{spec}: unknown input type {suffix or '(no suffix)'!r}; expected a folder of .txt "
                          "files, a glob such as 'news/*.txt', a .txt, .jsonl or .parquet file")
    if glob.has_magic(spec):
        return _unique(_read_glob(spec), spec)
    raise StanceError(f"{spec}: no such file or folder; pass a folder of .txt files, a glob such as "
                      "'news/*.txt', or a .jsonl or .parquet file with id and text")


def _unique(articles: Iterator[tuple[str, Article]], source: str) -> Iterator[Article]:
    """Refuse a repeated id: the output is keyed by id, so a repeat would hide an article."""
    seen: dict[str, str] = {}
    for where, article in articles:
        if article.id in seen:
            raise StanceError(f"{where}: id {article.id!r} already used at {seen[article.id]}; "
                              f"give every article in {source} its own id")
        seen[article.id] = where
        yield article


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise StanceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StanceError(f"{path}:{line}: not valid UTF-8 (byte {exc.start}); convert the file to UTF-8") from None


def _read_folder(folder: Path) -> Iterator[tuple[str, Article]]:
    files = sorted(p for p in folder.rglob("*.txt") if p.is_file())
    if not files:
        raise StanceError(f"{folder}: no .txt files in this folder or below it; put one article a .txt file there")
    for p in files:
        yield str(p), Article(p.relative_to(folder).as_posix(), _read_text(p))


def _read_glob(pattern: str) -> Iterator[tuple[str, Article]]:
    files = sorted(p for p in glob.glob(os.path.expanduser(pattern), recursive=True) if os.path.isfile(p))
    if not files:
        raise StanceError(f"{pattern}: the pattern matches no files; check the path (quote it so the shell "
                          "leaves ** alone)")
    for p in files:
        yield p, Article(p, _read_text(Path(p)))


def _read_jsonl(path: Path) -> Iterator[tuple[str, Article]]:
    try:
        f = path.open("rb")
    except OSError as exc:
        raise StanceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with f:
        for n, raw in enumerate(f, 1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise StanceError(f"{where}: not valid UTF-8 (byte {exc.start} of the line); convert the file "
                                  "to UTF-8") from None
            if not line.strip():
                continue
            obj = json_object(line, where)
            yield where, Article(_id(obj.get("id"), where), _text(obj.get("text"), where))


def _id(value: Any, where: str) -> str:
    # Integer ids are common in exported tables; the output keeps every id as a string.
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    found = "no id" if value is None else f"id {value!r}"
    raise StanceError(f"{where}: expected a non-empty string or integer 'id', found {found}")


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    found = "no text" if value is None else f"text of type {type(value).__name__}"
    raise StanceError(f"{where}: expected a string 'text' field, found {found}")


def _read_parquet(path: Path) -> Iterator[tuple[str, Article]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise StanceError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0][:200]})") from None
    names = pf.schema_arrow.names
    missing = [c for c in ("id", "text") if c not in names]
    if missing:
        raise StanceError(f"{path}: no {' or '.join(repr(c) for c in missing)} column; expected columns id and "
                          f"text, found {names}")
    row = 0
    try:
        for batch in pf.iter_batches(columns=["id", "text"], batch_size=1024):
            for obj in batch.to_pylist():
                row += 1
                where = f"{path}: row {row}"
                yield where, Article(_id(obj["id"], where), _text(obj["text"], where))
    except pa.ArrowException as exc:  # e.g. invalid UTF-8 in a string column
        raise StanceError(f"{path}: near row {row + 1}: cannot read ({str(exc).splitlines()[0][:200]})") from None


# ---------------------------------------------------------------------------------------- writing


def score_batch(articles: Iterable[Article], clf, output_path: str | Path, fmt: str | None = None,
                progress: bool = False, chunk_size: int = 200, coverage: float | None = 0.9,
                explain: bool = True) -> BatchResult:
    """Score every article not yet in `output_path` with `clf` (a Classifier); returns (scored, skipped).

    fmt is "jsonl" or "parquet" (default: from the output suffix, .parquet/.pq else JSONL). The output
    is rewritten atomically after every `chunk_size` articles, and on an error or Ctrl-C with the
    articles already scored, so a re-run carries on where this one stopped. `coverage` and
    `explain` go to `score_article` (explain=False skips the top-words search: much faster).

    >>> score_batch(read_articles("articles.jsonl"), clf, "out.parquet", progress=True)   # doctest: +SKIP
    BatchResult(scored=5000, skipped=0)
    """
    from inference.article import score_article

    output = Path(output_path).expanduser()
    fmt = fmt or ("parquet" if output.suffix.lower() in _PARQUET_SUFFIXES else "jsonl")
    if fmt not in FORMATS:
        raise StanceError(f"output format {fmt!r} is not one of {', '.join(FORMATS)}")
    if chunk_size < 1:
        raise StanceError(f"chunk_size {chunk_size!r} must be at least 1")
    try:
        if output.is_dir():
            raise StanceError(f"{output}: is a folder; --output takes a file path")
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a parent that is a file, a name too long, no permission
        raise StanceError(f"{str(output)[:200]}: cannot write there ({exc.strerror or exc}); pick another "
                          "--output") from None
    store = (ParquetStore if fmt == "parquet" else JsonlStore)(output)

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(articles) if hasattr(articles, "__len__") else None, unit="article", desc="scoring")
    scored = skipped = 0
    pending: list[dict[str, Any]] = []
    this_run: set[str] = set()
    try:
        for article in articles:
            if article.id in this_run:
                raise StanceError(f"article id {article.id!r} appears twice in the input; "
                                  "give every article its own id")
            this_run.add(article.id)
            digest = content_hash(article.text)
            if store.done.get(article.id) == digest:
                skipped += 1
            else:
                scores = score_article(article.text, clf, coverage=coverage, explain=explain)
                pending.append({"id": article.id, "content_hash": digest, **scores})
                store.done[article.id] = digest
                scored += 1
            if bar is not None:
                bar.update()
                bar.set_postfix(skipped=skipped, refresh=False)
            if len(pending) >= chunk_size:
                chunk, pending = pending, []  # emptied first: a failed write is not retried below
                store.commit(chunk)
    except BaseException:
        # Keep what was scored before the failure (a bad article, Ctrl-C): a re-run skips it.
        if pending:
            store.commit(pending)
        raise
    finally:
        if bar is not None:
            bar.close()
    if pending or not output.exists():
        store.commit(pending)  # an empty input still leaves a valid (empty) output
    return BatchResult(scored, skipped)
