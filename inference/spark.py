"""Score a Parquet of articles or sentences with Spark: split into sentences on the executors with
the project's splitter, label claim sentences with the registered pyfunc model through
`mlflow.pyfunc.spark_udf`, and write one row per sentence.

>>> score_spark("articles.parquet", "sentences.parquet", "models:/claim-stance@champion")   # doctest: +SKIP
48213

pyspark and mlflow are imported inside `score_spark` only: the rest of `inference` never needs them.
Executors need pysbd, numpy, pandas, pyarrow and the model's requirements; `inference` itself is
shipped to them as a zip, so it need not be installed there.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path
from typing import Iterator

from inference.errors import StanceError
from inference.labels import LABELS, NO_CLAIM

# Output columns, in order: which article, which of its sentences, and how it was labelled.
COLUMNS = ("id", "index", "text", "label", *LABELS)


def split_frames(frames: Iterator["pd.DataFrame"]) -> Iterator["pd.DataFrame"]:  # noqa: F821
    """mapInPandas body: (id, text) rows -> (id, index, text, no_claim) rows, one a sentence.

    A row that is already one sentence comes out as itself with index 0.
    """
    import pandas as pd

    from inference.text import is_no_claim, split_sentences

    for frame in frames:
        ids, index, texts, no_claim = [], [], [], []
        for id_, text in zip(frame["id"], frame["text"]):
            for i, sentence in enumerate(split_sentences(text if isinstance(text, str) else "")):
                ids.append(id_)
                index.append(i)
                texts.append(sentence)
                no_claim.append(is_no_claim(sentence))
        yield pd.DataFrame({"id": pd.Series(ids, dtype=frame["id"].dtype), "index": pd.Series(index, dtype="int64"),
                            "text": pd.Series(texts, dtype=object), "no_claim": pd.Series(no_claim, dtype=bool)})


def _package_zip(folder: Path) -> Path:
    """`inference/` as a zip for SparkContext.addPyFile, so executors import the same splitter."""
    package = Path(__file__).resolve().parent
    # A fresh name each call: Spark refuses a second file of the same name from another path.
    target = folder / f"claimstance_inference_{uuid.uuid4().hex[:12]}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(package.rglob("*.py")):
            z.write(path, path.relative_to(package.parent).as_posix())
    return target


def _check_columns(path: str, names: list[str], text_type: str, text_is_string: bool) -> None:
    missing = [c for c in ("id", "text") if c not in names]
    if missing:
        raise StanceError(f"{path}: no {' or '.join(repr(c) for c in missing)} column; expected columns id and "
                          f"text, found {names}")
    if not text_is_string:
        raise StanceError(f"{path}: column 'text' is {text_type}; expected string")


def _check_local(path: str) -> None:
    """The input's columns, read with pyarrow before Spark starts: a wrong file fails in a second."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        schema = ds.dataset(path, format="parquet").schema
    except (pa.ArrowException, OSError) as exc:
        raise StanceError(f"{path}: not readable as Parquet ({str(exc).splitlines()[0][:200]})") from None
    text = schema.field("text").type if "text" in schema.names else None
    _check_columns(path, schema.names, str(text), text is not None and (pa.types.is_string(text)
                                                                        or pa.types.is_large_string(text)))


def score_spark(input_parquet: str | Path, output_parquet: str | Path, model_uri: str,
                master: str = "local[*]", overwrite: bool = False) -> int:
    """Label every sentence of the (id, text) rows in `input_parquet`; returns the rows written.

    Output Parquet (a Spark folder): id, index (sentence number within the row), text, label, and
    one probability column per label; no-claim lines get label "no-claim" and null probabilities.
    An existing output is an error unless `overwrite`. An already running SparkSession is used
    as it is (and left running); otherwise one is started on `master` and stopped at the end.
    """
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    # Python workers must run this interpreter (the one with pysbd, pyarrow, mlflow), not whatever
    # `python3` is; pyspark reads only this variable for it, when the context starts.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import mlflow
    from mlflow.exceptions import MlflowException
    from pyspark.errors import AnalysisException
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, StructField, StructType

    from inference.registry import tracking_uri

    input_parquet, output_parquet = str(input_parquet), str(output_parquet)
    if not Path(input_parquet).exists() and "://" not in input_parquet:
        raise StanceError(f"{input_parquet}: no such file or folder; pass a Parquet file with id and text columns")
    if Path(output_parquet).exists() and not overwrite:
        raise StanceError(f"{output_parquet}: already exists; remove it, pick another output, or overwrite")

    if Path(input_parquet).exists():
        _check_local(input_parquet)

    active = SparkSession.getActiveSession()
    spark = active or SparkSession.builder.master(master).appName("claimstance-score").getOrCreate()
    work = Path(tempfile.mkdtemp(prefix="stance-spark-"))
    cached = None
    try:
        spark.sparkContext.addPyFile(str(_package_zip(work)))
        try:
            frame = spark.read.parquet(input_parquet)
        except AnalysisException as exc:
            raise StanceError(f"{input_parquet}: not readable as Parquet ({str(exc).splitlines()[0][:200]})") from None
        text = frame.schema["text"].dataType if "text" in frame.columns else None
        _check_columns(input_parquet, frame.columns, text and text.simpleString(), isinstance(text, StringType))

        split_schema = StructType([StructField("id", frame.schema["id"].dataType), StructField("index", LongType()),
                                   StructField("text", StringType()), StructField("no_claim", BooleanType())])
        sentences = frame.select("id", "text").mapInPandas(split_frames, split_schema)
        # Both branches below read the sentences: split once, not twice.
        cached = sentences.persist()

        mlflow.set_tracking_uri(tracking_uri())
        result_type = StructType([StructField("label", StringType())]
                                 + [StructField(label, DoubleType()) for label in LABELS])
        try:
            predict = mlflow.pyfunc.spark_udf(spark, model_uri, result_type=result_type, env_manager="local")
        except MlflowException as exc:
            first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            raise StanceError(f"no model at {model_uri} in tracking store {tracking_uri()} ({first}); train one "
                              "with `stance train` or pass another model URI") from None

        claims = (cached.where(~F.col("no_claim"))
                  .withColumn("p", predict(F.col("text")))
                  .select("id", "index", "text", F.col("p.label").alias("label"),
                          *[F.col(f"p.{label}").alias(label) for label in LABELS]))
        no_claims = cached.where(F.col("no_claim")).select(
            "id", "index", "text", F.lit(NO_CLAIM).alias("label"),
            *[F.lit(None).cast(DoubleType()).alias(label) for label in LABELS])
        (claims.unionByName(no_claims).select(*COLUMNS)
         .write.mode("overwrite" if overwrite else "errorifexists").parquet(output_parquet))
        return spark.read.parquet(output_parquet).count()
    finally:
        if cached is not None:
            cached.unpersist()
        if active is None:
            spark.stop()
            shutil.rmtree(work, ignore_errors=True)
        else:  # the session left running may still ship the zip to new executors
            atexit.register(shutil.rmtree, work, True)
