"""Train, measure and export the loaded-word head (issue 16): which words of a sentence an
expert would mark as biased.

    .venv/bin/python scripts/train_loaded_words.py [--data-dir ../shared/data] [--cache-dir DIR]

Data: BABE ``final_labels_SG2.csv`` ("No agreement" dropped: 3,673 sentences) and its
``biased_words``. Each sentence goes through the product's encoder (``Embedder``, the
default int8 ONNX back end, one pass); each word piece's hidden states of layer 4 and of
the last layer (768 numbers, :class:`plumbline.analysis.embed.TokenHead` with the identity
gives them) are the features, and the target is 1 for the pieces of a marked word, 0 for
the pieces of other words (punctuation, numbers and special tokens are left out). A word's
p is its pieces' highest (``bias.word_scores``).

Protocol: the outer folds of ``scripts/train_heads.py`` (stratified 5-fold, seed 0). In each
fold a logistic regression (C = 1) is fit on 90% of the training sentences; the other 10%
(stratified, seed 1) choose the word rule: a word is loaded when p >= t, or when its rate in
the loaded-word lexicon (fit on that 90%, as the shipped lexicon is) is >= r (r = 1.01: the
lexicon left out). The test fold is scored with the rule, the lexicon refit on all its
training sentences. Token precision, recall and F1 are micro over distinct words per
sentence (``bench/bias_evidence.py``'s matching). The lexicon alone (the same protocol with
only r chosen) is the baseline. The shipped head is fit on all sentences, and its rule is
the one with the best F1 over all out-of-fold predictions; both go to
``plumbline/data/heads/loaded_words.{npz,json}``.

The word-piece states are cached in ``--cache-dir`` (about 400 MB), so a rerun only refits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_heads import N_FOLDS, SEED, BiasLexicon, load_babe  # noqa: E402

from plumbline.analysis.bias import LOADED_WORDS_HEAD, word_scores, word_spans  # noqa: E402
from plumbline.analysis.embed import DEFAULT_BACKEND, Embedder, Span, TokenHead  # noqa: E402
from plumbline.analysis.heads import LinearHead  # noqa: E402

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
C = 1.0
THRESHOLDS = [round(x, 3) for x in np.arange(0.05, 0.951, 0.025)]
RATES = [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.01]  # 1.01: the lexicon left out
NO_P = 1.01  # a threshold no p reaches: the lexicon alone


class Pieces:
    """Each sentence's word-piece states, spans and targets."""

    def __init__(self, texts: list[str], gold: list[set[str]], cache: Path) -> None:
        key = hashlib.sha1("\x00".join([DEFAULT_BACKEND, *texts]).encode()).hexdigest()[:16]
        path = cache / f"loaded-words-{key}.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as stored:
                states, spans, counts = stored["states"], stored["spans"], stored["counts"]
        else:
            started = time.perf_counter()
            identity = TokenHead(np.eye(768, dtype=np.float32))
            encoded = Embedder(threads=2).encode_layers(texts, token_head=identity)
            states = np.concatenate([t.scores for t in encoded.tokens]).astype(np.float16)
            spans = np.concatenate([np.asarray(t.spans, dtype=np.int32) for t in encoded.tokens])
            counts = np.asarray([len(t.spans) for t in encoded.tokens], dtype=np.int64)
            cache.mkdir(parents=True, exist_ok=True)
            np.savez(path, states=states, spans=spans, counts=counts)
            print(f"encoded {len(texts)} sentences in {time.perf_counter() - started:.0f} s")
        starts = np.concatenate([[0], np.cumsum(counts)])
        self.texts = texts
        self.gold = gold
        self.states = [states[starts[i] : starts[i + 1]] for i in range(len(texts))]
        self.spans: list[list[Span]] = [
            [(int(a), int(b)) for a, b in spans[starts[i] : starts[i + 1]]]
            for i in range(len(texts))
        ]
        self.targets = [self._targets(i) for i in range(len(texts))]

    def _targets(self, i: int) -> npt.NDArray[np.int8]:
        words = word_spans(self.texts[i])
        out = np.full(len(self.spans[i]), -1, dtype=np.int8)
        for k, (start, end) in enumerate(self.spans[i]):
            if end <= start:
                continue
            for s, e, key in words:
                if start < e and end > s:
                    out[k] = 1 if key in self.gold[i] else 0
                    break
        return out

    def fit(self, rows: I64) -> tuple[StandardScaler, LogisticRegression]:
        x = np.concatenate([self.states[i][self.targets[i] >= 0] for i in rows]).astype(np.float32)
        y = np.concatenate([self.targets[i][self.targets[i] >= 0] for i in rows])
        scaler = StandardScaler().fit(x)
        model = LogisticRegression(C=C, max_iter=3000).fit(scaler.transform(x), y)
        return scaler, model

    def words(
        self, rows: I64, fitted: tuple[StandardScaler, LogisticRegression]
    ) -> list[dict[str, float]]:
        scaler, model = fitted
        out = []
        for i in rows:
            p = model.predict_proba(scaler.transform(self.states[i].astype(np.float32)))[:, 1]
            out.append(word_scores(self.texts[i], self.spans[i], p.tolist()))
        return out


def counts(
    scores: list[dict[str, float]],
    gold: list[set[str]],
    rates: dict[str, float],
    min_p: float,
    min_rate: float,
    gate: float = 0.0,
    sentence_p: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.int64]:
    """(hits, predicted, marked) when a word is loaded at p >= min_p, or at rate >= min_rate
    in a sentence whose p(s) is >= `gate` (`sentence_p`: each sentence's p(s))."""
    hit = predicted = 0
    for i, (row, marked) in enumerate(zip(scores, gold, strict=True)):
        lexicon_ok = gate <= 0 or (sentence_p is not None and sentence_p[i] >= gate)
        chosen = {
            k
            for k, p in row.items()
            if p >= min_p or (lexicon_ok and rates.get(k, 0.0) >= min_rate)
        }
        predicted += len(chosen)
        hit += len(chosen & marked)
    return np.asarray([hit, predicted, sum(len(g) for g in gold)], dtype=np.int64)


def prf(c: npt.NDArray[np.int64]) -> tuple[float, float, float]:
    p = c[0] / c[1] if c[1] else 0.0
    r = c[0] / c[2] if c[2] else 0.0
    return float(p), float(r), float(2 * p * r / (p + r) if p + r else 0.0)


def choose(
    scores: list[dict[str, float]],
    gold: list[set[str]],
    rates: dict[str, float],
    *,
    with_head: bool = True,
) -> tuple[float, float]:
    """The (min_p, min_rate) with the best F1 (the lexicon alone without `with_head`)."""
    grid = [(t, r) for t in THRESHOLDS for r in RATES] if with_head else [(NO_P, r) for r in RATES]
    return max(grid, key=lambda rule: prf(counts(scores, gold, rates, *rule))[2])


def choose_gated(
    scores: list[dict[str, float]],
    gold: list[set[str]],
    rates: dict[str, float],
    sentence_p: npt.NDArray[np.float64],
    gates: list[float],
) -> tuple[float, float, float]:
    """The (min_p, min_rate, gate) with the best F1: lexicon words count only in sentences
    with p(s) >= gate."""
    grid = [(t, r, g) for t in THRESHOLDS for r in RATES[:-1] for g in gates]
    return max(grid, key=lambda rule: prf(counts(scores, gold, rates, *rule, sentence_p))[2])


class SentenceBias:
    """p(s) of BABE sentences from the shipped sentence head's recipe (train_heads.py: the
    same features, grid and inner CV) fit on given rows only; not Platt-calibrated (the
    calibration is close to the identity, a = 1.03-1.15, b = -0.03)."""

    def __init__(self, texts: list[str], marked: list[list[str]], labels: I64, cache: Path):
        from train_heads import CachedEmbedder, SideFeatures

        encoded = CachedEmbedder(cache).encode_layers(texts, "babe-sentences")
        self.x = np.hstack([encoded.vectors, encoded.layer_means]).astype(np.float64)
        self.side = SideFeatures(texts, marked, labels)
        self.labels = labels

    def p(self, fit: I64, rows: I64) -> npt.NDArray[np.float64]:
        from train_heads import HEAD_GRID, HeadModel, select_head

        side_fit, side_rows, _ = self.side.split(fit, rows)
        params, _ = select_head(self.x[fit], side_fit, self.labels[fit], HEAD_GRID)
        model = HeadModel(*params).fit(self.x[fit], side_fit, self.labels[fit])
        logit = model.decision(self.x[rows], side_rows)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/plumbline-heads-cache"))
    parser.add_argument(
        "--out", type=Path, default=REPO / "plumbline" / "data" / "heads" / LOADED_WORDS_HEAD
    )
    parser.add_argument(
        "--sentence-gates",
        default="",
        help="also measure a p(s) gate for lexicon words, e.g. 0,0.2,0.3,0.4,0.5 (refits the "
        "sentence head in each fold: a few minutes more); the shipped rule then includes it",
    )
    args = parser.parse_args()
    gates = [float(g) for g in args.sentence_gates.split(",") if g.strip()]
    texts, marked, labels = load_babe(args.data_dir)
    sentence_bias = SentenceBias(texts, marked, labels, args.cache_dir) if gates else None
    oof_p = np.zeros(len(texts), dtype=np.float64)
    gold = [{key for w in ws for _s, _e, key in word_spans(w)} for ws in marked]
    lexicon = BiasLexicon(texts, marked)
    pieces = Pieces(texts, gold, args.cache_dir)
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    totals = {"head or lexicon": np.zeros(3, np.int64), "head alone": np.zeros(3, np.int64)}
    totals["lexicon alone"] = np.zeros(3, np.int64)
    oof: list[dict[str, float]] = [{} for _ in texts]
    oof_rates: list[dict[str, float]] = [{} for _ in texts]
    fold_f1 = []
    for number, (train, test) in enumerate(outer.split(texts, labels), start=1):
        fit, dev = train_test_split(
            train, test_size=0.1, random_state=SEED + 1, stratify=labels[train]
        )
        fitted = pieces.fit(np.asarray(fit))
        dev_words, test_words = pieces.words(dev, fitted), pieces.words(test, fitted)
        dev_gold, test_gold = [gold[i] for i in dev], [gold[i] for i in test]
        dev_rates, test_rates = lexicon.fit(np.asarray(fit)), lexicon.fit(train)
        gated: tuple[float, float, float] | None = None
        if sentence_bias is not None:
            dev_p = sentence_bias.p(np.asarray(fit), np.asarray(dev))
            test_p = sentence_bias.p(train, test)
            oof_p[test] = test_p
            gated = choose_gated(dev_words, dev_gold, dev_rates, dev_p, gates)
            c = counts(test_words, test_gold, test_rates, *gated, test_p)
            totals.setdefault("head, or lexicon with a p(s) gate", np.zeros(3, np.int64))
            totals["head, or lexicon with a p(s) gate"] += c
            print(f"fold {number}: gated rule {gated} F1 {prf(c)[2]:.3f}", flush=True)
        rules = {
            "head or lexicon": choose(dev_words, dev_gold, dev_rates),
            "head alone": (
                choose(dev_words, dev_gold, {}, with_head=True)[0],
                RATES[-1],
            ),
            "lexicon alone": choose(dev_words, dev_gold, dev_rates, with_head=False),
        }
        line = []
        for name, rule in rules.items():
            c = counts(test_words, test_gold, test_rates, *rule)
            totals[name] += c
            line.append(f"{name} {prf(c)[2]:.3f} (p >= {rule[0]}, rate >= {rule[1]})")
            if name == "head or lexicon":
                fold_f1.append(prf(c)[2])
        print(f"fold {number}: " + "; ".join(line), flush=True)
        for i, words in zip(test, test_words, strict=True):
            oof[i] = words
            oof_rates[i] = test_rates
    print(f"\n{len(texts)} sentences, {sum(len(g) for g in gold)} marked words")
    print("| rule (chosen on each fold's development sentences) | P | R | F1 |")
    print("|---|---|---|---|")
    for name, c in totals.items():
        p, r, f = prf(c)
        print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} |")
    print(f"head or lexicon, fold F1 {np.mean(fold_f1):.3f} ± {np.std(fold_f1, ddof=1):.3f}")

    # the shipped rule: best F1 over all out-of-fold predictions (each with its fold's lexicon)
    def pooled(rule: tuple[float, float]) -> float:
        total = np.zeros(3, np.int64)
        for words, g, rates in zip(oof, gold, oof_rates, strict=True):
            total += counts([words], [g], rates, *rule)
        return prf(total)[2]

    rule = max(((t, r) for t in THRESHOLDS for r in RATES), key=pooled)
    print(f"shipped rule: p >= {rule[0]} or rate >= {rule[1]} (out-of-fold F1 {pooled(rule):.3f})")
    gate = 0.0
    if sentence_bias is not None:

        def pooled_gated(rule: tuple[float, float, float]) -> float:
            total = np.zeros(3, np.int64)
            for i, (words, g, rates) in enumerate(zip(oof, gold, oof_rates, strict=True)):
                total += counts([words], [g], rates, *rule, oof_p[i : i + 1])
            return prf(total)[2]

        best = max(
            ((t, r, g) for t in THRESHOLDS for r in RATES[:-1] for g in gates), key=pooled_gated
        )
        print(
            f"best gated rule over all out-of-fold predictions: {best}, F1 {pooled_gated(best):.3f}"
        )
        nested = prf(totals["head, or lexicon with a p(s) gate"])[2]
        if nested > prf(totals["head or lexicon"])[2] and best[2] > 0:
            rule, gate = (best[0], best[1]), best[2]
    scaler, model = pieces.fit(np.arange(len(texts)))
    head = LinearHead(
        classes=("other", "loaded"),
        coef=model.coef_.astype(np.float64),
        intercept=model.intercept_.astype(np.float64),
        mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64),
        metadata={
            "input": "each word piece's hidden states of layer 4 and of the last layer of "
            "Embedder().encode_layers(texts, token_head=...) (768-d); a word's p is its "
            "pieces' highest",
            "word_min_p": rule[0],
            "word_min_rate": rule[1],
            "lexicon_min_sentence_p": gate,
            "trained_on": "BABE final_labels_SG2.csv biased_words (3,673 sentences), "
            "scripts/train_loaded_words.py",
            "token_f1_nested_cv": round(
                prf(totals["head, or lexicon with a p(s) gate" if gate else "head or lexicon"])[2],
                4,
            ),
            "trained": dt.date.today().isoformat(),
            "license": "derived from BABE (AGPL-3.0)",
        },
    )
    for path in head.save(args.out):
        print(f"wrote {path}")
    print(json.dumps({k: [round(x, 4) for x in prf(c)] for k, c in totals.items()}))


if __name__ == "__main__":
    main()
