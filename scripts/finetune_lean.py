"""Fine-tune all-MiniLM-L6-v2 for article lean on Article-Bias-Prediction's media split, with
an outlet adversary behind gradient reversal (issue 16, item 3).

    .venv/bin/python scripts/finetune_lean.py [--adversary 0.3] [--train-articles 12000]

The encoder reads an article as title + the start of its text (``--max-length`` word
pieces); a lean head (left / center / right) on the mean of its last layer learns from the
training articles' labels, and an outlet classifier on the same vector learns which outlet
wrote the article while a gradient-reversal layer (weight ``--adversary``; 0: none) pushes
the encoder to forget it (Ganin & Lempitsky 2015), so that the lean cannot come from an
outlet's house style — the failure the media split (test outlets unseen in training) is
built to expose. ``--train-articles`` draws a stratified subset of the 26,590 training
articles (seed 0) to fit two CPU cores; all validation and test articles are used. The
epoch is chosen on validation macro F1; test macro F1 is printed overall and for the
articles from outlets unseen in training, beside the shipped lexical head's 60.0 / 56.5.

Predictions per epoch are cached in ``--cache-dir``; CPU only, needs the ``train``
dependency group. About 15 minutes an epoch for 12,000 articles at 192 word pieces on two
cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from tqdm import tqdm

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from finetune_bias import minilm_path  # noqa: E402
from lean_encoder_features import reverse_gradient  # noqa: E402
from train_lean import load_articles, read_split  # noqa: E402

I64 = npt.NDArray[np.int64]
SPLITS = ("train", "valid", "test")


def article_text(article: dict[str, str]) -> str:
    return f"{article['title']}. {article['text'][:3000]}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--adversary", type=float, default=0.3, help="gradient-reversal weight")
    parser.add_argument("--train-articles", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=192)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--cache-dir", type=Path, default=REPO / "var" / "train-cache" / "finetune_lean"
    )
    args = parser.parse_args()
    import torch
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    root = args.data_dir / "article-bias-prediction"
    splits = {s: read_split(root / "splits" / "media" / f"{s}.tsv") for s in SPLITS}
    articles = load_articles(root / "articles.jsonl.gz", {i for r in splits.values() for i, _ in r})
    ids = {s: [i for i, _ in rows] for s, rows in splits.items()}
    y = {s: np.asarray([label for _, label in rows], dtype=np.int64) for s, rows in splits.items()}
    train_rows = np.arange(len(ids["train"]))
    if args.train_articles < len(train_rows):
        train_rows, _ = train_test_split(
            train_rows, train_size=args.train_articles, random_state=0, stratify=y["train"]
        )
    outlet_names = sorted({articles[ids["train"][i]]["source"] for i in train_rows})
    outlet = np.asarray(
        [outlet_names.index(articles[ids["train"][i]]["source"]) for i in train_rows]
    )
    seen = {articles[i]["source"] for i in ids["train"]}
    unseen = np.asarray([articles[i]["source"] not in seen for i in ids["test"]])
    texts = {s: [article_text(articles[i]) for i in ids[s]] for s in SPLITS}
    setting = (
        f"adv{args.adversary:g}-n{len(train_rows)}-e{args.epochs}-lr{args.lr:g}"
        f"-b{args.batch}-len{args.max_length}"
    )
    cache = args.cache_dir / setting
    cache.mkdir(parents=True, exist_ok=True)
    print(f"{len(train_rows)} training articles from {len(outlet_names)} outlets; {setting}")

    lam = args.adversary
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    encoder = AutoModel.from_pretrained(minilm_path())
    hidden = encoder.config.hidden_size
    head = torch.nn.Linear(hidden, 3)
    adversary = torch.nn.Sequential(
        torch.nn.Linear(hidden, hidden), torch.nn.GELU(), torch.nn.Linear(hidden, len(outlet_names))
    )
    modules = (encoder, head, adversary)
    parameters = [p for m in modules for p in m.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train_rows) + args.batch - 1) // args.batch)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * steps), steps)

    def pooled(batch: list[str]) -> Any:
        encoded = tokenizer(
            batch, padding=True, truncation=True, max_length=args.max_length, return_tensors="pt"
        )
        states = encoder(**encoded).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        return (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def predict(split: str) -> I64:
        for m in modules:
            m.train(False)
        out: list[int] = []
        with torch.no_grad():
            for start in tqdm(range(0, len(texts[split]), 64), desc=split, mininterval=10):
                out += head(pooled(texts[split][start : start + 64])).argmax(1).tolist()
        return np.asarray(out, dtype=np.int64)

    rng = np.random.default_rng(0)
    best: tuple[float, int] = (-1.0, 0)
    stored_epochs = [cache / f"epoch{e}.json" for e in range(1, args.epochs + 1)]
    cached = all(f.exists() for f in stored_epochs)  # else every epoch is trained again
    for epoch, stored in enumerate(stored_epochs, start=1):
        if cached:
            print(f"epoch {epoch}: cached predictions in {stored}; delete to train again")
            record = json.loads(stored.read_text("utf-8"))
        else:
            started = time.perf_counter()
            for m in modules:
                m.train(True)
            order = rng.permutation(len(train_rows))
            batches = range(0, len(order), args.batch)
            for start in tqdm(batches, desc=f"epoch {epoch}", unit="batch", mininterval=10):
                rows = order[start : start + args.batch]
                vectors = pooled([texts["train"][train_rows[r]] for r in rows])
                target = torch.tensor(y["train"][train_rows[rows]])
                loss = torch.nn.functional.cross_entropy(head(vectors), target)
                if lam:
                    outlet_logits = adversary(reverse_gradient(vectors, lam))
                    outlet_target = torch.tensor(outlet[rows])
                    loss = loss + torch.nn.functional.cross_entropy(outlet_logits, outlet_target)
                optimizer.zero_grad()
                loss.backward()  # type: ignore[no-untyped-call]
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimizer.step()
                schedule.step()
            record = {"valid": predict("valid").tolist(), "test": predict("test").tolist()}
            stored.write_text(json.dumps(record), "utf-8")
            print(f"epoch {epoch}: {(time.perf_counter() - started) / 60:.1f} min")
        valid, test = np.asarray(record["valid"]), np.asarray(record["test"])
        figures = (
            100 * f1_score(y["valid"], valid, average="macro"),
            100 * f1_score(y["test"], test, average="macro"),
            100 * f1_score(y["test"][unseen], test[unseen], average="macro"),
        )
        print(
            f"epoch {epoch}: macro F1 valid {figures[0]:.2f}, test {figures[1]:.2f}, "
            f"test unseen outlets {figures[2]:.2f}",
            flush=True,
        )
        if figures[0] > best[0]:
            best = (figures[0], epoch)
    print(f"chosen on validation: epoch {best[1]} (lexical head for comparison: 60.0 / 56.5)")


if __name__ == "__main__":
    main()
