"""`stance evaluate`, `stance compare` and `stance card`: what reviewers read before a model ships."""

from __future__ import annotations

import json
from pathlib import Path

from inference.errors import StanceError


def register_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="evaluate a model on a dataset split, a JSONL file or a shared set; write reports")
    p.add_argument("--model", required=True, help="model URI or folder")
    p.add_argument("--data", required=True, help="<dataset>:<split> (kursk:test, kursk:contrast), a JSONL path, or "
                                                 "shared:kursk-news-dev | shared:emergent | shared:conll2010-wiki")
    p.add_argument("--out", default=None, help="report folder (default reports/<data>)")
    p.add_argument("--no-log", action="store_true", help="do not log an evaluation run to MLflow")
    p.set_defaults(func=run_evaluate)


def run_evaluate(args) -> int:
    from inference.labels import LABELS
    from inference.loader import load_classifier
    from training.evalsets import load_eval_set
    from training.evaluate import evaluate
    from training.report import write_reports

    dataset = load_eval_set(args.data)
    clf = load_classifier(args.model)
    result = evaluate(clf, dataset)
    out = Path(args.out or Path("reports") / args.data.replace(":", "_").replace("/", "_"))
    files = write_reports(result, out, f"{args.model} on {args.data}")
    m = result["metrics"]
    lo, hi = result["intervals"]["macro_f1"]
    print(f"{args.data}: {len(dataset['rows'])} sentences; macro-F1 {m['macro_f1']:.3f} [{lo:.3f}, {hi:.3f}], "
          f"accuracy {m['accuracy']:.3f}, ECE {result['ece']:.3f}; F1 " + ", ".join(f"{l} {m['f1_' + l]:.3f}" for l in LABELS))
    for k, v in result.get("binary", {}).items():
        print(f"  {k}: {v:.3f}")
    if "conformal" in result:
        c = result["conformal"]
        print(f"  conformal: coverage {c['coverage']:.3f} at target {c['coverage_target']}, mean set size {c['set_size']:.2f}")
    if result.get("contrast"):
        print(f"  contrast groups fully right: {result['contrast']['fully_right']:.1%} of {result['contrast']['groups']}")
    print(f"reports: {', '.join(str(f) for f in files)}")
    if not args.no_log:
        from training.tracking import log_evaluation

        flat = {**m, "ece": result["ece"], **result.get("binary", {}),
                **({f"conformal_{k}": v for k, v in result["conformal"].items()} if "conformal" in result else {})}
        run_id = log_evaluation(args.model, args.data, flat, files)
        print(f"evaluation run: {run_id}")
    return 0


def register_compare(sub) -> None:
    p = sub.add_parser("compare", help="the same data through two models: paired bootstrap CI, McNemar, verdict")
    p.add_argument("model_a", metavar="URI_A")
    p.add_argument("model_b", metavar="URI_B")
    p.add_argument("--data", required=True)
    p.add_argument("--json", action="store_true", help="print the full comparison as JSON")
    p.set_defaults(func=run_compare)


def run_compare(args) -> int:
    from inference.labels import LABELS
    from inference.loader import load_classifier
    from training.evalsets import load_eval_set
    from training.evaluate import compare

    dataset = load_eval_set(args.data)
    pred_a = load_classifier(args.model_a).predict(dataset["texts"])
    pred_b = load_classifier(args.model_b).predict(dataset["texts"])
    result = compare(dataset["labels"], pred_a, pred_b)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.data} ({len(dataset['texts'])} sentences)")
    print(f"A {args.model_a}: macro-F1 {result['macro_f1_a']:.3f}")
    print(f"B {args.model_b}: macro-F1 {result['macro_f1_b']:.3f}")
    print("per-label F1 delta (B - A): " + ", ".join(f"{l} {result['per_label_f1_delta'][l]:+.3f}" for l in LABELS))
    t = result["mcnemar"]["table"]
    print(f"McNemar: A right/B wrong {t[0][1]}, A wrong/B right {t[1][0]}, p={result['mcnemar']['pvalue']:.3g}")
    print(f"verdict: {result['verdict']}")
    return 0


def register_card(sub) -> None:
    p = sub.add_parser("card", help="write the model card from the manifest and evaluation reports; attach it to the version")
    p.add_argument("--model", required=True, help="a registered version (models:/claim-stance/N or @alias) or a folder")
    p.add_argument("--evals", nargs="*", default=[], help="report folders written by `stance evaluate`")
    p.add_argument("--out", default="reports/MODEL_CARD.md")
    p.set_defaults(func=run_card)


def run_card(args) -> int:
    from inference.loader import load_classifier
    from training.card import model_card

    clf = load_classifier(args.model)
    evals = []
    for folder in args.evals:
        path = Path(folder) / "metrics.json"
        if not path.is_file():
            raise StanceError(f"{path}: not found; run `stance evaluate --out {folder}` first")
        evals.append(json.loads(path.read_text()))
    text = model_card(args.model, clf.manifest, evals)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    from training.tracking import attach_card

    where = attach_card(args.model, text)
    print(f"model card: {out}" + (f"; attached to {where}" if where else ""))
    return 0
