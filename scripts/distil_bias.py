"""Distil the fine-tuned sentence-bias teacher into all-MiniLM-L6-v2 on unlabelled news
sentences, measured on BABE's outer folds (issue 16, item 1).

For each outer fold (the folds of ``scripts/train_heads.py`` and ``finetune_bias.py``):

1. the teacher is the encoder ``finetune_bias.py --save-models`` fine-tuned on the other
   four folds (its ``foldN.safetensors``): it never saw the test fold;
2. the teacher gives p(biased) for ``--sentences`` sentences drawn from the
   Article-Bias-Prediction articles (media split, training articles; 8 to 60 words each;
   seed 0), cached per fold;
3. a fresh MiniLM with a sentence head (mean pooling, as the product pools) learns from
   the training folds' BABE sentences (their gold labels) and the drawn sentences (the
   teacher's probabilities as soft targets), by cross-entropy;
4. a stratified 10% of the training folds (seed 1, as ``finetune_bias.py``) chooses the
   epoch; the test fold's macro F1 at p >= 0.5 is reported beside the teacher's.

CPU only; needs the ``train`` dependency group. Each fold: about 6-10 minutes of teacher
inference and about 15 minutes an epoch for the student on two cores.

    .venv/bin/python scripts/distil_bias.py --teacher-model /path/to/all-mpnet-base-v2 \\
        --teacher-weights /tmp/ft/all-mpnet-base-v2-mt1-topall-e3-lr2e-05-b16-len128 --folds 1
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from finetune_bias import minilm_path  # noqa: E402
from train_heads import N_FOLDS, SEED, load_babe  # noqa: E402
from train_lean import load_articles, read_split  # noqa: E402

from plumbline.analysis.text import split_sentences  # noqa: E402

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def draw_sentences(data_dir: Path, count: int) -> list[str]:
    """`count` sentences of 8-60 words from the ABP media split's training articles."""
    root = data_dir / "article-bias-prediction"
    rows = read_split(root / "splits" / "media" / "train.tsv")
    articles = load_articles(root / "articles.jsonl.gz", {i for i, _ in rows})
    pool: list[str] = []
    for article_id, _label in rows:
        for sentence in split_sentences(articles[article_id]["text"]):
            words = len(sentence.text.split())
            if 8 <= words <= 60:
                pool.append(sentence.text)
    random.Random(SEED).shuffle(pool)
    return pool[:count]


class Classifier:
    """An encoder with a sentence head on the mean of its last layer."""

    def __init__(self, model_path: Path, weights: Path | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.encoder = AutoModel.from_pretrained(model_path)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)
        if weights is not None:
            from safetensors.torch import load_file

            state = load_file(str(weights))
            encoder = {
                k[len("encoder.") :]: v for k, v in state.items() if k.startswith("encoder.")
            }
            result = self.encoder.load_state_dict(encoder, strict=False)
            buffers = {n for n, _ in self.encoder.named_buffers()}
            if set(result.missing_keys) - buffers or result.unexpected_keys:
                raise SystemExit(f"{weights} does not fit {model_path}: {result}")
            self.head.load_state_dict(
                {
                    k[len("sentence_head.") :]: v
                    for k, v in state.items()
                    if k.startswith("sentence_head.")
                }
            )

    def parameters(self) -> list[Any]:
        return [*self.encoder.parameters(), *self.head.parameters()]

    def train(self, mode: bool) -> None:
        self.encoder.train(mode)
        self.head.train(mode)

    def logits(self, texts: list[str], max_length: int) -> Any:
        encoded = self.tokenizer(
            texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
        )
        hidden = self.encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(pooled)

    def probabilities(self, texts: list[str], max_length: int, desc: str) -> F64:
        """p(biased) of each text, batched by length."""
        torch = self.torch
        self.train(False)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros(len(texts), dtype=np.float64)
        with torch.no_grad():
            for start in tqdm(range(0, len(order), 64), desc=desc, unit="batch", mininterval=10):
                rows = order[start : start + 64]
                probs = torch.softmax(self.logits([texts[i] for i in rows], max_length), dim=-1)
                out[rows] = probs[:, 1].numpy()
        return out


def student_fold(
    texts: list[str],
    targets: F64,
    fit: I64,
    dev: I64,
    test: I64,
    dev_labels: I64,
    args: argparse.Namespace,
    label: str,
) -> tuple[F64, int, list[float]]:
    """Trains MiniLM on `fit` rows (soft targets); the test fold's p at the epoch best on dev."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    model = Classifier(minilm_path())
    parameters = model.parameters()
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(fit) + args.batch - 1) // args.batch)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)
    order = np.random.default_rng(SEED)
    best: tuple[float, int, F64] = (-1.0, 0, np.zeros(0))
    dev_scores: list[float] = []
    for epoch in range(1, args.epochs + 1):
        model.train(True)
        shuffled = order.permutation(fit)
        batches = range(0, len(shuffled), args.batch)
        for start in tqdm(batches, desc=f"{label} epoch {epoch}", unit="batch", mininterval=10):
            rows = shuffled[start : start + args.batch]
            logits = model.logits([texts[i] for i in rows], args.max_length)
            p = torch.tensor(targets[rows], dtype=torch.float32)
            soft = torch.stack([1.0 - p, p], dim=1)
            loss = -(soft * torch.log_softmax(logits, dim=-1)).sum(1).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            schedule.step()
        dev_p = model.probabilities([texts[i] for i in dev], args.max_length, "dev")
        score = float(f1_score(dev_labels, dev_p >= 0.5, average="macro"))
        dev_scores.append(score)
        print(f"{label} epoch {epoch}: dev macro F1 {score:.4f}", flush=True)
        if score > best[0]:
            test_p = model.probabilities([texts[i] for i in test], args.max_length, "test")
            best = (score, epoch, test_p)
    return best[2], best[1], dev_scores


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--teacher-model", type=Path, required=True, help="the base model folder")
    parser.add_argument(
        "--teacher-weights",
        type=Path,
        required=True,
        help="finetune_bias.py's cache folder with foldN.safetensors and foldN.json",
    )
    parser.add_argument("--sentences", type=int, default=20000, help="unlabelled sentences")
    parser.add_argument(
        "--use-sentences",
        type=int,
        default=None,
        help="train the student on only the first N of them (the teacher's labels are cached "
        "for all)",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", default="1,2,3,4,5", help="which outer folds to run (1-5)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "var" / "train-cache" / "distil_bias",
        help="teacher probabilities and student predictions per fold",
    )
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    babe, _marked, labels = load_babe(args.data_dir)
    cache = args.cache_dir / f"{args.teacher_weights.name}-n{args.sentences}"
    cache.mkdir(parents=True, exist_ok=True)
    pool_file = cache / "sentences.json"
    if pool_file.exists():
        pool = json.loads(pool_file.read_text("utf-8"))
    else:
        pool = draw_sentences(args.data_dir, args.sentences)
        pool_file.write_text(json.dumps(pool), "utf-8")
    print(f"{len(pool)} unlabelled sentences; cache {cache}")
    texts = babe + pool
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    wanted = {int(f) for f in args.folds.split(",")}
    results: list[dict[str, float]] = []
    for number, (train, test) in enumerate(outer.split(babe, labels), start=1):
        if number not in wanted:
            continue
        teacher_json = json.loads((args.teacher_weights / f"fold{number}.json").read_text("utf-8"))
        if teacher_json["test"] != test.tolist():
            raise SystemExit(f"the teacher's fold {number} was made for other folds")
        teacher_f1 = float(
            f1_score(labels[test], np.asarray(teacher_json["sentence"]) >= 0.5, average="macro")
        )
        used = len(pool) if args.use_sentences is None else min(args.use_sentences, len(pool))
        soft_file = cache / f"teacher-fold{number}.npy"  # all the drawn sentences
        part_file = cache / f"teacher-fold{number}-n{used}.npy"  # only the first `used`
        if soft_file.exists():
            soft = np.load(soft_file)[:used]
        elif part_file.exists():
            soft = np.load(part_file)
        else:
            teacher = Classifier(
                args.teacher_model, args.teacher_weights / f"fold{number}.safetensors"
            )
            started = time.perf_counter()
            soft = teacher.probabilities(pool[:used], args.max_length, f"teacher fold {number}")
            if used < len(pool):
                soft_file = part_file
            np.save(soft_file, soft)
            print(
                f"teacher fold {number}: {len(soft)} sentences in "
                f"{time.perf_counter() - started:.0f} s"
            )
            del teacher
        print(
            f"teacher fold {number}: p >= 0.5 for {float((soft >= 0.5).mean()):.1%} "
            "of the drawn sentences"
        )
        fit, dev = train_test_split(
            train, test_size=0.1, random_state=SEED + 1, stratify=labels[train]
        )
        targets = np.concatenate([labels.astype(np.float64), soft])
        fit_rows = np.concatenate([np.asarray(fit), len(babe) + np.arange(used)])
        stored = cache / (
            f"student-fold{number}-n{used}-e{args.epochs}-lr{args.lr:g}-b{args.batch}.json"
        )
        if stored.exists():
            saved = json.loads(stored.read_text("utf-8"))
            test_p, epoch = np.asarray(saved["test_p"]), int(saved["epoch"])
        else:
            started = time.perf_counter()
            test_p, epoch, dev_scores = student_fold(
                texts,
                targets,
                fit_rows,
                np.asarray(dev),
                test,
                labels[dev],
                args,
                f"student fold {number}",
            )
            stored.write_text(
                json.dumps({"test_p": test_p.tolist(), "epoch": epoch, "dev": dev_scores}), "utf-8"
            )
            print(f"student fold {number}: {(time.perf_counter() - started) / 60:.1f} min")
        student_f1 = float(f1_score(labels[test], test_p >= 0.5, average="macro"))
        results.append(
            {"fold": number, "teacher": teacher_f1, "student": student_f1, "epoch": epoch}
        )
        print(
            f"fold {number}: teacher macro F1 {teacher_f1:.4f}; distilled MiniLM {student_f1:.4f} "
            f"(epoch {epoch} chosen on dev)",
            flush=True,
        )
    if results:
        print(
            json.dumps(
                {
                    "folds": [r["fold"] for r in results],
                    "teacher_mean": round(float(np.mean([r["teacher"] for r in results])), 4),
                    "student_mean": round(float(np.mean([r["student"] for r in results])), 4),
                    "per_fold": results,
                }
            )
        )


if __name__ == "__main__":
    main()
