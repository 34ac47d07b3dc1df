"""The training side's `stance` subcommands (`train`, `data`), plugged in by entry points."""

from __future__ import annotations

import sys

from inference.labels import LABELS


def register_train(sub) -> None:
    p = sub.add_parser("train", help="train a model from an experiment config and register it in MLflow")
    p.add_argument("--config", required=True, help="experiment TOML, e.g. experiments/baseline.toml")
    p.add_argument("--promote", action="store_true", help="point the champion alias at the new model even if it is not better")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto", help="for transformer kinds (default: cuda if visible)")
    p.add_argument("--seeds", type=int, default=1, help="train N seeds as nested runs; register the best, log mean/std")
    p.add_argument("--resume", action="store_true", help="continue a transformer fine-tune from its last checkpoint")
    p.set_defaults(func=run_train)


def run_train(args) -> int:
    from inference.registry import check_reachable
    from training.config import load_config

    cfg = load_config(args.config)
    check_reachable()  # before the heavy imports and the data: a dead server is reported in seconds
    from training.train import train

    if args.seeds < 1:
        from inference.errors import StanceError

        raise StanceError(f"--seeds {args.seeds}: expected an integer >= 1")
    result = train(cfg, promote=args.promote, device=args.device, seeds=args.seeds, resume=args.resume)
    m = result["metrics"]
    print(f"run id:      {result['run_id']}")
    print(f"dataset:     {result['dataset']['name']} {result['dataset']['version']} ({result['dataset']['hash'][:12]})")
    for split in ("train", "validation", "test", "contrast"):
        if f"{split}_macro_f1" in m:
            per = "  ".join(f"{l} {m[f'{split}_f1_{l}']:.3f}" for l in LABELS)
            print(f"{split:<11}  macro-F1 {m[f'{split}_macro_f1']:.3f}  accuracy {m[f'{split}_accuracy']:.3f}  F1: {per}")
    if "temperature" in m:
        print(f"calibration: temperature {m['temperature']:.3f}, validation ECE {m['validation_ece_before']:.3f} -> "
              f"{m['validation_ece_after']:.3f}; test coverage at 0.9: {m.get('test_coverage_90', float('nan')):.3f} "
              f"(mean set size {m.get('test_set_size_90', float('nan')):.2f})")
    for key, (mean, std) in result["seeds"].items():
        print(f"{key} over {args.seeds} seeds: {mean:.3f} +- {std:.3f}")
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
    a = dsub.add_parser("audit", help="rank likely label errors (cleanlab over cross-validated baseline) and report reviews")
    a.add_argument("path", nargs="?", default="datasets/kursk")
    a.add_argument("--folds", type=int, default=5)
    a.add_argument("--out", default="reports/audit.md", help="where to write the Markdown report")
    a.set_defaults(func=run_audit)
    g = dsub.add_parser("agreement", help="Cohen's kappa of the double-annotation record; checks it against the labels")
    g.add_argument("path", nargs="?", default="datasets/kursk")
    g.set_defaults(func=run_agreement)


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


def run_audit(args) -> int:
    from pathlib import Path

    from training.audit import audit, to_markdown

    result = audit(args.path, folds=args.folds)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(to_markdown(result))
    print(f"{result['sentences']} sentences, out-of-fold macro-F1 {result['oof_macro_f1']:.3f}; "
          f"flagged {len(result['flagged'])}: changed {result['changed']}, kept {result['kept']}, "
          f"unreviewed {result['unreviewed']}; report: {out}")
    return 0


def run_agreement(args) -> int:
    from training.agreement import agreement, to_text

    result = agreement(args.path)
    for m in result["mismatches"]:
        print(m)
    print(to_text(result))
    if result["mismatches"]:
        print(f"{len(result['mismatches'])} record(s) disagree with {args.path}", file=sys.stderr)
        return 1
    return 0
