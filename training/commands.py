"""The training side's `stance` subcommands (`train`, `data`), plugged in by entry points."""

from __future__ import annotations

import sys

from inference.labels import LABELS


def register_train(sub) -> None:
    p = sub.add_parser("train", help="train a model from an experiment config and register it in MLflow")
    p.add_argument("--config", required=True, help="experiment TOML, e.g. experiments/baseline.toml")
    p.add_argument("--promote", action="store_true", help="point the champion alias at the new model even if it is not better")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from training.config import load_config

    cfg = load_config(args.config)
    from training.train import train

    result = train(cfg, promote=args.promote)
    m = result["metrics"]
    print(f"run id:      {result['run_id']}")
    print(f"dataset:     {result['dataset']['name']} {result['dataset']['version']} ({result['dataset']['hash'][:12]})")
    for split in ("train", "validation", "test", "contrast"):
        if f"{split}_macro_f1" in m:
            per = "  ".join(f"{l} {m[f'{split}_f1_{l}']:.3f}" for l in LABELS)
            print(f"{split:<11}  macro-F1 {m[f'{split}_macro_f1']:.3f}  accuracy {m[f'{split}_accuracy']:.3f}  F1: {per}")
    print(f"model URI:   {result['model_uri']}")
    verdict = "now" if result["promoted"] else "not"
    print(f"{result['alias']}:    {verdict} {result['registered_model']}@{result['alias']} ({result['reason']})")
    return 0


def register_data(sub) -> None:
    p = sub.add_parser("data", help="dataset tools")
    dsub = p.add_subparsers(dest="data_command", required=True, metavar="DATA_COMMAND")
    v = dsub.add_parser("validate", help="check a dataset folder or JSONL file; every problem with file:line")
    v.add_argument("path", nargs="?", default="datasets/kursk")
    v.set_defaults(func=run_validate)


def run_validate(args) -> int:
    from training.validate import summary, validate_path

    problems = validate_path(args.path)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in {args.path}", file=sys.stderr)
        return 1
    from pathlib import Path

    if Path(args.path).is_dir():
        print(summary(args.path))
    print(f"{args.path}: OK")
    return 0
