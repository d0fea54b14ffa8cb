"""Article lean from the frozen MiniLM encoder, with and without outlet-adversarial
training: a first measurement for issue 16 (item 3).

    .venv/bin/python scripts/lean_encoder_features.py [--data-dir ../shared/data]
        [--cache /tmp/plumbline-lean-features.npz]

Article-Bias-Prediction, media split (test outlets unseen in training). Each article is
read as the product reads it: one pass of the shipped int8 encoder over its title and first
8 sentences; its features are the title vector, the mean sentence vector and the mean of the
sentences' layer-4 means (1,152 numbers, cached in ``--cache``). Models, all chosen on the
validation split and reported on the test split (macro F1, and on the test articles from
outlets that never occur in training):

- logistic regression (C in 0.01, 0.1, 1);
- a one-hidden-layer network (256 units, dropout 0.2) trained for up to 12 epochs, the epoch
  chosen on validation, with an outlet classifier behind a gradient-reversal layer of
  weight lambda (0: no adversary; 0.3; 1): the features are pushed to carry lean but not
  the outlet, so that the model cannot learn outlets' house styles (Ganin & Lempitsky 2015,
  as Baly et al. 2020 do for this split).

Needs the ``train`` dependency group (PyTorch) for the network.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_lean import load_articles, read_split  # noqa: E402

from plumbline.analysis.embed import Embedder  # noqa: E402
from plumbline.analysis.text import split_sentences  # noqa: E402

SPLITS = ("train", "valid", "test")
SENTENCES = 8
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


def features(articles: list[dict[str, str]], embedder: Embedder) -> F32:
    """Title vector, mean sentence vector and mean layer-4 means of each article."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for article in articles:
        sentences = [s.text for s in split_sentences(article["text"])[:SENTENCES]]
        sentences = sentences or [article["title"] or "."]
        spans.append((len(texts), len(sentences)))
        texts.append(article["title"] or ".")
        texts.extend(sentences)
    encoded = embedder.encode_layers(texts)
    rows = [
        np.concatenate(
            [
                encoded.vectors[start],
                encoded.vectors[start + 1 : start + 1 + n].mean(axis=0),
                encoded.layer_means[start + 1 : start + 1 + n].mean(axis=0),
            ]
        )
        for start, n in spans
    ]
    return np.asarray(rows, dtype=np.float32)


def reverse_gradient(h: Any, weight: float) -> Any:
    """`h` unchanged on the way forward; its gradient times -`weight` on the way back (the
    gradient-reversal layer of Ganin & Lempitsky 2015)."""
    return _reversal().apply(h, weight)


@functools.cache
def _reversal() -> Any:
    import torch

    class Reverse(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, h: torch.Tensor, weight: float) -> torch.Tensor:
            ctx.weight = weight
            return h.view_as(h)

        @staticmethod
        def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
            return -ctx.weight * grad, None

    return Reverse


def adversarial(
    x: dict[str, F32], y: I64, outlets: I64, n_outlets: int, lam: float, valid_y: I64
) -> tuple[int, I64, I64]:
    """(epoch chosen on validation, validation and test predictions) of the network."""
    import torch

    torch.manual_seed(0)
    tensors = {s: torch.tensor(v) for s, v in x.items()}
    target, group = torch.tensor(y), torch.tensor(outlets)
    encoder = torch.nn.Sequential(
        torch.nn.Dropout(0.2),
        torch.nn.Linear(tensors["train"].shape[1], 256),
        torch.nn.GELU(),
        torch.nn.Dropout(0.2),
    )
    head = torch.nn.Linear(256, 3)
    adversary = torch.nn.Sequential(
        torch.nn.Linear(256, 256), torch.nn.GELU(), torch.nn.Linear(256, n_outlets)
    )
    modules = (encoder, head, adversary)
    optimizer = torch.optim.AdamW(
        [p for m in modules for p in m.parameters()], lr=1e-3, weight_decay=0.01
    )
    best: tuple[float, int, I64, I64] = (-1.0, 0, y[:0], y[:0])
    for epoch in range(12):
        for module in modules:
            module.train()
        order = torch.randperm(len(target))
        for start in range(0, len(order), 256):
            rows = order[start : start + 256]
            hidden = encoder(tensors["train"][rows])
            loss = torch.nn.functional.cross_entropy(head(hidden), target[rows])
            if lam:
                outlet_logits = adversary(reverse_gradient(hidden, lam))
                loss = loss + torch.nn.functional.cross_entropy(outlet_logits, group[rows])
            optimizer.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
        for module in modules:
            module.eval()
        with torch.no_grad():
            valid = head(encoder(tensors["valid"])).argmax(1).numpy()
            test = head(encoder(tensors["test"])).argmax(1).numpy()
        score = float(f1_score(valid_y, valid, average="macro"))
        if score > best[0]:
            best = (score, epoch, valid, test)
    return best[1], best[2], best[3]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/plumbline-lean-features.npz"))
    args = parser.parse_args()
    root = args.data_dir / "article-bias-prediction"
    splits = {s: read_split(root / "splits" / "media" / f"{s}.tsv") for s in SPLITS}
    articles = load_articles(root / "articles.jsonl.gz", {i for r in splits.values() for i, _ in r})
    ids = {s: [i for i, _ in rows] for s, rows in splits.items()}
    y = {s: np.asarray([label for _, label in rows], dtype=np.int64) for s, rows in splits.items()}
    if args.cache.exists():
        with np.load(args.cache, allow_pickle=False) as stored:
            raw = {s: stored[s] for s in SPLITS}
    else:
        embedder = Embedder(threads=2)
        raw = {}
        for s in SPLITS:
            started = time.perf_counter()
            raw[s] = features([articles[i] for i in ids[s]], embedder)
            print(f"{s}: {len(ids[s])} articles in {time.perf_counter() - started:.0f} s")
        np.savez(args.cache, **raw)
    scaler = StandardScaler().fit(raw["train"])
    x = {s: scaler.transform(raw[s]).astype(np.float32) for s in SPLITS}
    seen = {articles[i]["source"] for i in ids["train"]}
    unseen = np.asarray([articles[i]["source"] not in seen for i in ids["test"]])

    def report(name: str, valid: I64, test: I64) -> None:
        figures = [
            f1_score(y["valid"], valid, average="macro"),
            f1_score(y["test"], test, average="macro"),
            f1_score(y["test"][unseen], test[unseen], average="macro"),
        ]
        print(f"| {name} | " + " | ".join(f"{100 * v:.2f}" for v in figures) + " |", flush=True)

    print("| model (chosen on validation) | valid macro F1 | test | test, unseen outlets |")
    print("|---|---|---|---|")
    for c in (0.01, 0.1, 1.0):
        model = LogisticRegression(C=c, max_iter=3000).fit(x["train"], y["train"])
        report(f"logistic regression, C {c}", model.predict(x["valid"]), model.predict(x["test"]))
    names = sorted(seen)
    outlets = np.asarray([names.index(articles[i]["source"]) for i in ids["train"]])
    for lam in (0.0, 0.3, 1.0):
        epoch, valid, test = adversarial(x, y["train"], outlets, len(names), lam, y["valid"])
        report(f"network, outlet adversary lambda {lam} (epoch {epoch + 1})", valid, test)


if __name__ == "__main__":
    main()
