"""Evidence for the bias analysis: loaded phrases, the article bias score, BASIL ranking.

    .venv/bin/python bench/bias_evidence.py [--data-dir ../shared/data]
        [--cache-dir /tmp/plumbline-heads-cache] [--draws 1000]

1. **Loaded phrases, the lexicon rule** (``plumbline.analysis.bias.loaded_phrases`` without
   word scores: what the reference back end shows; the shipped rule with the loaded-word
   head is measured by ``scripts/train_loaded_words.py``) against the words BABE's
   experts marked (``biased_words`` of ``final_labels_SG2.csv``, "No agreement" dropped).
   Stratified 5-fold CV (seed 0, the folds of ``scripts/train_heads.py``); in each outer
   fold the lexicon, the n-gram model AND the sentence head (C and side weights by its inner
   CV) are fit on the training folds only, with ``train_heads``'s own functions, and phrases
   are predicted on the held-out fold. The extraction rule (thresholds on p(s) and on the
   word's rate, at most k words per sentence) is chosen on the training folds' inner
   out-of-fold predictions (inner 5 folds, seed 1: lexicon and head refit without each inner
   fold; the n-gram logits are the training fold's cross-fitted ones, so a validation row's
   logit comes from a model fit without its inner fold, while the refit's training rows'
   logits come from models that saw it: an approximation, confined to the rule choice),
   never on the test fold. p(s) is calibrated as the shipped head's: when the packaged head
   carries Platt scaling, each fold fits its own on the training fold's inner out-of-fold
   logits. Token matching: lower-cased word tokens (``bias.word_keys``),
   distinct per sentence; a predicted token is correct when it is one of the sentence's
   marked words.
   Micro precision / recall / F1 over all tokens of all sentences, and over the sentences
   labeled biased only. Baseline: every lexicon word with rate >= t in every sentence.
2. **Article bias score**: pseudo-articles of 10-20 held-out sentences of one outer fold
   (out-of-fold p(s)), predicted score ``bias.weighted_share`` vs the actual share of words
   in sentences labeled biased; (A) random draws (BABE's natural mix, about half biased),
   (B) draws whose biased share is itself uniform on [0, 1]. Reliability table (10 bins),
   mean absolute error, Pearson and Spearman correlation. Also: token precision of the
   phrases shown for such an article (top 12).
3. **BASIL ranking**: the product's analyzer (``ArticleAnalyzer(Embedder())``) on title +
   body of the 300 BASIL articles; Spearman correlation of the article bias score with the
   share of sentences with a lexical span, with any span, and spans per 100 words (95%
   bootstrap intervals), within-event pair agreement, and the mean per outlet.
4. **Not enough text**: the score is None for empty and short texts.

Embeddings are cached under ``--cache-dir`` (BABE: the same file as train_heads.py). One CPU
thread for torch and BLAS.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.stats import pearsonr, spearmanr  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_heads import (  # noqa: E402
    HEAD_GRID,
    N_FOLDS,
    SEED,
    CachedEmbedder,
    HeadModel,
    HeadParams,
    SideFeatures,
    describe,
    fit_platt,
    load_babe,
    select_head,
    sigmoid,
)

from plumbline.analysis import bias  # noqa: E402
from plumbline.analysis.article import ArticleAnalyzer  # noqa: E402
from plumbline.analysis.embed import Embedder, Encoded, TokenHead  # noqa: E402
from plumbline.analysis.heads import packaged_head  # noqa: E402
from plumbline.models import LoadedPhrase, Sentence  # noqa: E402
from plumbline.settings import Settings  # noqa: E402

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Vectors = npt.NDArray[np.float32]

GRID_SENTENCE_BIAS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
GRID_WORD_RATE = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
GRID_MAX_WORDS: tuple[int | None, ...] = (1, 2, 3, 4, None)
SHOWN = 12  # phrases shown per article (loaded_phrases' default limit)
_HEAD = packaged_head("sentence_bias")
PLATT = (_HEAD.calib_scale, _HEAD.calib_shift) != (1.0, 0.0)  # as the shipped head


def log(msg: str = "") -> None:
    print(msg, flush=True)


# --- 1. loaded phrases ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A loaded-phrase rule: the keyword arguments of ``bias.loaded_phrases``."""

    min_sentence_bias: float
    min_word_rate: float
    max_words_per_sentence: int | None

    def __str__(self) -> str:
        k = "all" if self.max_words_per_sentence is None else self.max_words_per_sentence
        return f"p(s)>={self.min_sentence_bias:g}, rate>={self.min_word_rate:g}, k={k}"

    def phrases(
        self, sentences: Sequence[Sentence], lexicon: Mapping[str, float], limit: int
    ) -> list[LoadedPhrase]:
        return bias.loaded_phrases(
            sentences,
            limit=limit,
            lexicon=lexicon,
            min_sentence_bias=self.min_sentence_bias,
            min_word_rate=self.min_word_rate,
            max_words_per_sentence=self.max_words_per_sentence,
        )


PREVIOUS_RULE = Rule(0.5, 0.1, None)  # the rule before this measurement
SHIPPED_RULE = Rule(
    bias.PHRASE_MIN_SENTENCE_BIAS, bias.PHRASE_MIN_WORD_RATE, bias.PHRASE_MAX_WORDS_PER_SENTENCE
)
GRID = [Rule(p, r, k) for p in GRID_SENTENCE_BIAS for r in GRID_WORD_RATE for k in GRID_MAX_WORDS]
BASELINE_GRID = [Rule(0.0, r, None) for r in GRID_WORD_RATE]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.predicted += other.predicted
        self.gold += other.gold

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / self.predicted if self.predicted else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


class Candidates:
    """Every sentence's distinct lexicon words as flat arrays, to score many rules at once.

    A rule keeps word w of sentence s when p(s) >= t_p, rate(w) >= t_r and w is among the
    k highest-rate lexicon words of s (ties by spelling): exactly what loaded_phrases keeps,
    whose tokens are checked against it on every test fold.
    """

    def __init__(
        self,
        texts: Sequence[str],
        probs: F64,
        lexicons: Sequence[Mapping[str, float]],
        gold: Sequence[set[str]],
    ) -> None:
        rows: list[int] = []
        self.key: list[str] = []
        rates: list[float] = []
        ranks: list[int] = []
        hits: list[bool] = []
        for row, (text, lexicon) in enumerate(zip(texts, lexicons, strict=True)):
            found = {k: lexicon[k] for k in bias.word_keys(text) if lexicon.get(k, 0.0) > 0.0}
            ordered = sorted(found.items(), key=lambda item: (-item[1], item[0]))
            for rank, (key, rate) in enumerate(ordered):
                rows.append(row)
                self.key.append(key)
                rates.append(rate)
                ranks.append(rank)
                hits.append(key in gold[row])
        self.row = np.asarray(rows, dtype=np.int64)
        self.rate = np.asarray(rates, dtype=np.float64)
        self.rank = np.asarray(ranks, dtype=np.int64)
        self.hit = np.asarray(hits, dtype=bool)
        self.prob = probs[self.row]
        self.gold_per_row = np.asarray([len(g) for g in gold], dtype=np.int64)

    def words(self, row: int, rule: Rule) -> set[str]:
        """The words `rule` keeps in sentence `row`."""
        lo, hi = np.searchsorted(self.row, [row, row + 1])
        kept = self.kept(rule)[lo:hi]
        return {self.key[lo + i] for i in np.flatnonzero(kept)}

    def kept(self, rule: Rule) -> npt.NDArray[np.bool_]:
        mask = (self.prob >= rule.min_sentence_bias) & (self.rate >= rule.min_word_rate)
        if rule.max_words_per_sentence is not None:
            mask &= self.rank < rule.max_words_per_sentence
        return mask

    def counts(self, rule: Rule, rows: npt.NDArray[np.bool_] | None = None) -> Counts:
        mask = self.kept(rule)
        gold = self.gold_per_row
        if rows is not None:
            mask &= rows[self.row]
            gold = gold[rows]
        return Counts(int((mask & self.hit).sum()), int(mask.sum()), int(gold.sum()))

    def best(self, rules: Sequence[Rule]) -> tuple[Rule, float]:
        """The rule with the highest micro F1 (first in grid order on ties)."""
        scored = [(self.counts(rule).prf()[2], -i) for i, rule in enumerate(rules)]
        f1, neg_index = max(scored)
        return rules[-neg_index], f1


def gold_words(marked: Sequence[Sequence[str]]) -> list[set[str]]:
    return [{k for w in words for k in bias.word_keys(w)} for words in marked]


def predicted_words(phrases: Sequence[LoadedPhrase]) -> set[str]:
    return {k for phrase in phrases for k in bias.word_keys(phrase.text)}


@dataclass(slots=True)
class FoldResult:
    test: I64
    probs: F64  # out-of-fold p(s) of the test rows
    lexicon: dict[str, float]
    chosen: Rule
    baseline: Rule
    f1_by_rule: dict[str, float]


def inner_out_of_fold(
    side: SideFeatures, x: F64, y: I64, train: I64, side_train: F64, params: HeadParams
) -> tuple[F64, list[dict[str, float]]]:
    """Logit of p(s) and lexicon of each training row from a lexicon and head fit without its
    inner fold (the inner folds of train_heads: stratified 5-fold, seed 1), as on a test fold.
    The n-gram logit column is ``side_train``'s (cross-fitted on the same inner folds)."""
    logits = np.zeros(len(train), dtype=np.float64)
    lexicons: list[dict[str, float]] = [{} for _ in train]
    builder = side.lexicon
    inner = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED + 1)
    for fit, val in inner.split(np.zeros(len(train)), y[train]):
        lexicon = builder.fit(train[fit])
        fit_side = np.column_stack([builder.crossfit(train[fit], y), side_train[fit, 3]])
        val_side = np.column_stack([builder.features(train[val], lexicon), side_train[val, 3]])
        model = HeadModel(*params).fit(x[train[fit]], fit_side, y[train[fit]])
        logits[val] = model.decision(x[train[val]], val_side)
        for row in val:
            lexicons[row] = lexicon
    return logits, lexicons


def evaluate_phrases(
    texts: list[str], marked: list[list[str]], y: I64, x: F64
) -> tuple[list[FoldResult], F64, list[dict[str, float]]]:
    log("== 1. Loaded phrases vs BABE biased_words (token level) ==")
    gold = gold_words(marked)
    side = SideFeatures(texts, marked, y)
    biased = y == 1
    n_gold = sum(len(g) for g in gold)
    absent = sum(len(g - set(bias.word_keys(t))) for g, t in zip(gold, texts, strict=True))
    in_biased = sum(len(gold[i]) for i in np.flatnonzero(biased))
    log(
        f"  {len(texts)} sentences, {n_gold} marked tokens ({in_biased} in biased sentences; "
        f"{absent} not found among their sentence's tokens)"
    )
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    folds: list[FoldResult] = []
    totals: dict[str, tuple[Counts, Counts]] = {}
    oof_probs = np.zeros(len(y), dtype=np.float64)
    oof_lexicons: list[dict[str, float]] = [{} for _ in texts]
    not_in_lexicon = 0
    mismatches = 0
    for fold, (train, test) in enumerate(outer.split(np.zeros(len(y)), y)):
        t0 = time.perf_counter()
        side_train, side_test, lexicon = side.split(train, test)
        params, _ = select_head(x[train], side_train, y[train], HEAD_GRID)
        model = HeadModel(*params).fit(x[train], side_train, y[train])
        test_logits = model.decision(x[test], side_test)
        inner_logits, inner_lexicons = inner_out_of_fold(side, x, y, train, side_train, params)
        # Calibrated as the shipped head is: Platt scaling fit on out-of-fold logits (here the
        # training fold's inner ones), when the packaged head carries it.
        a, b = fit_platt(inner_logits, y[train]) if PLATT else (1.0, 0.0)
        probs = sigmoid(a * test_logits + b)
        inner_probs = sigmoid(a * inner_logits + b)
        oof_probs[test] = probs
        for row in test:
            oof_lexicons[row] = lexicon
            not_in_lexicon += len({k for k in gold[row] if k not in lexicon})

        inner = Candidates(
            [texts[i] for i in train], inner_probs, inner_lexicons, [gold[i] for i in train]
        )
        chosen, inner_f1 = inner.best(GRID)
        baseline, _ = inner.best(BASELINE_GRID)

        rules = {
            "baseline_t0.1": Rule(0.0, 0.1, None),
            "baseline_tuned": baseline,
            "previous": PREVIOUS_RULE,
            "chosen": chosen,
        }
        check = Candidates(
            [texts[i] for i in test], probs, [lexicon] * len(test), [gold[i] for i in test]
        )
        f1_by_rule: dict[str, float] = {}
        for name, rule in rules.items():
            fold_all, fold_biased = Counts(), Counts()
            for j, row in enumerate(test):
                sentence = Sentence(texts[row], 0, len(texts[row]), bias=float(probs[j]))
                found = predicted_words(rule.phrases([sentence], lexicon, limit=10**6))
                counts = Counts(len(found & gold[row]), len(found), len(gold[row]))
                fold_all.add(counts)
                if biased[row]:
                    fold_biased.add(counts)
                mismatches += found != check.words(j, rule)
            f1_by_rule[name] = fold_all.prf()[2]
            total = totals.setdefault(name, (Counts(), Counts()))
            total[0].add(fold_all)
            total[1].add(fold_biased)
        folds.append(FoldResult(test, probs, lexicon, chosen, baseline, f1_by_rule))
        log(
            f"  fold {fold + 1}: head {describe(params)}, Platt a={a:.3f} b={b:+.3f}; chosen on "
            f"inner folds: {chosen} "
            f"(inner F1 {inner_f1:.3f}); baseline t={baseline.min_word_rate:g}; test F1 "
            f"previous {f1_by_rule['previous']:.3f}, chosen {f1_by_rule['chosen']:.3f} "
            f"({time.perf_counter() - t0:.0f} s)"
        )
    log(
        f"  marked tokens missing from the fold's lexicon (recall ceiling of any lexicon rule): "
        f"{not_in_lexicon} of {n_gold} ({100 * not_in_lexicon / n_gold:.1f}%)"
    )
    log(f"  loaded_phrases vs the vectorized rule: {mismatches} sentence(s) differ")
    labels = {
        "baseline_t0.1": "baseline: every lexicon word with rate >= 0.1, every sentence",
        "baseline_tuned": "baseline: every lexicon word with rate >= t (t on inner folds)",
        "previous": f"previous rule ({PREVIOUS_RULE})",
        "chosen": "new rule chosen on inner folds of each training set",
    }
    log("")
    log(f"  {'rule':<66} {'all sentences P/R/F1':>22} {'biased only P/R/F1':>22}")
    for name, label in labels.items():
        all_c, biased_c = totals[name]
        pa, ra, fa = all_c.prf()
        pb, rb, fb = biased_c.prf()
        folds_f1 = [f.f1_by_rule[name] for f in folds]
        log(
            f"  {label:<66} {pa:6.3f} {ra:6.3f} {fa:6.3f}    {pb:6.3f} {rb:6.3f} {fb:6.3f}"
            f"   (fold F1 {np.mean(folds_f1):.3f} ± {np.std(folds_f1):.3f})"
        )
    log("  chosen per fold: " + "; ".join(str(f.chosen) for f in folds))

    everything = Candidates(texts, oof_probs, oof_lexicons, gold)
    ranked = sorted(GRID, key=lambda r: -everything.counts(r).prf()[2])
    log("  on all out-of-fold predictions (how the shipped rule is chosen), top 5:")
    for rule in ranked[:5]:
        p, r, f = everything.counts(rule).prf()
        log(f"    {rule!s:<36} P {p:.3f} R {r:.3f} F1 {f:.3f}")
    best, _ = everything.best(GRID)
    p, r, f = everything.counts(SHIPPED_RULE).prf()
    log(
        f"  selected for shipping: {best}; shipped in bias.py: {SHIPPED_RULE} "
        f"({'same' if best == SHIPPED_RULE else 'DIFFERENT: update the constants'}); "
        f"shipped rule on the same out-of-fold predictions: P {p:.3f} R {r:.3f} F1 {f:.3f}"
    )
    return folds, oof_probs, oof_lexicons


# --- 2. article score calibration ------------------------------------------------------------


def describe_scores(title: str, predicted: F64, actual: F64) -> None:
    log(f"  {title}")
    log(f"    {'score bin':<10} {'n':>5} {'mean predicted':>15} {'actual share':>13}")
    index = np.clip((predicted // 10).astype(int), 0, 9)
    for b in range(10):
        mask = index == b
        label = f"{10 * b}-{10 * b + 10}"
        if mask.any():
            log(
                f"    {label:<10} {int(mask.sum()):>5} {predicted[mask].mean():>15.1f} "
                f"{actual[mask].mean():>13.1f}"
            )
        else:
            log(f"    {label:<10} {0:>5} {'-':>15} {'-':>13}")
    mae = float(np.abs(predicted - actual).mean())
    bias_mean = float((predicted - actual).mean())
    r = float(pearsonr(predicted, actual)[0])
    rho = float(spearmanr(predicted, actual)[0])
    slope, intercept = (float(v) for v in np.polyfit(predicted, actual, 1))
    constant = float(np.abs(actual - actual.mean()).mean())
    log(
        f"    MAE {mae:.1f} points, mean error {bias_mean:+.1f}, Pearson r {r:.3f}, "
        f"Spearman {rho:.3f}; least squares actual = {slope:.2f} x predicted "
        f"{intercept:+.1f}; actual range {actual.min():.0f}-{actual.max():.0f}, predicted "
        f"{predicted.min():.0f}-{predicted.max():.0f}; a constant guess (the mean actual "
        f"share, {actual.mean():.1f}) has MAE {constant:.1f}"
    )


def evaluate_article_score(
    texts: list[str], marked: list[list[str]], y: I64, folds: list[FoldResult], draws: int
) -> None:
    log("")
    log("== 2. Article bias score on pseudo-articles of held-out BABE sentences ==")
    rng = np.random.default_rng(SEED)
    gold = gold_words(marked)
    natural: list[tuple[float, float]] = []
    mixed: list[tuple[float, float]] = []
    shown: dict[str, Counts] = {"previous": Counts(), "chosen": Counts()}
    shown_count: dict[str, int] = {"previous": 0, "chosen": 0}
    for fold in folds:
        prob = dict(zip(fold.test.tolist(), fold.probs.tolist(), strict=True))
        pos = fold.test[y[fold.test] == 1]
        neg = fold.test[y[fold.test] == 0]
        for _ in range(draws):
            size = int(rng.integers(10, 21))
            pick = rng.choice(fold.test, size=size, replace=False)
            natural.append(score_pair(pick, texts, y, prob))
            sentences = [Sentence(texts[i], 0, len(texts[i]), bias=prob[i]) for i in pick]
            for name, rule in (("previous", PREVIOUS_RULE), ("chosen", fold.chosen)):
                phrases = rule.phrases(sentences, fold.lexicon, limit=SHOWN)
                shown_count[name] += len(phrases)
                for phrase in phrases:
                    keys = set(bias.word_keys(phrase.text))
                    row = int(pick[phrase.sentence_index])
                    shown[name].add(Counts(len(keys & gold[row]), len(keys), 0))
            share = rng.uniform()
            n_pos = int(rng.binomial(size, share))
            mix = np.concatenate(
                [
                    rng.choice(pos, size=n_pos, replace=False),
                    rng.choice(neg, size=size - n_pos, replace=False),
                ]
            )
            mixed.append(score_pair(mix, texts, y, prob))
    for title, pairs in (
        (f"(A) {len(natural)} random draws of 10-20 sentences (natural mix)", natural),
        (f"(B) {len(mixed)} draws with the biased share uniform on [0, 1]", mixed),
    ):
        arr = np.asarray(pairs, dtype=np.float64)
        describe_scores(title, arr[:, 0], arr[:, 1])
    for name in ("previous", "chosen"):
        n = shown_count[name] / len(natural)
        log(
            f"  phrases shown per pseudo-article (top {SHOWN}), {name} rule: {n:.1f} phrases, "
            f"token precision {shown[name].prf()[0]:.3f}"
        )


def score_pair(
    rows: npt.NDArray[np.int64], texts: list[str], y: I64, prob: Mapping[int, float]
) -> tuple[float, float]:
    chosen = [texts[i] for i in rows]
    predicted = bias.weighted_share(chosen, [prob[int(i)] for i in rows])
    words = np.asarray([len(t.split()) for t in chosen], dtype=np.float64)
    actual = 100.0 * float((words * y[rows]).sum() / words.sum())
    return predicted, actual


# --- 3. BASIL ----------------------------------------------------------------------------


class CachingEmbedder(Embedder):
    """The product's embedder, its vectors kept on disk keyed by a hash of the texts."""

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(threads=1)
        self.cache_dir = cache_dir
        cache_dir.mkdir(parents=True, exist_ok=True)

    def encode_layers(
        self, texts: Sequence[str], *, max_tokens: int = 128, token_head: TokenHead | None = None
    ) -> Encoded:
        if token_head is not None:  # word scores are not cached: the product's own pass
            return super().encode_layers(texts, max_tokens=max_tokens, token_head=token_head)
        digest = hashlib.sha256(f"{self.model_path.name}|{max_tokens}|layers".encode())
        for text in texts:
            digest.update(b"\x00" + text.encode("utf-8"))
        path = self.cache_dir / f"bias-evidence-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            cached: Vectors = np.load(path, allow_pickle=False)
            half = cached.shape[1] // 2
            return Encoded(cached[:, :half], cached[:, half:])
        encoded = super().encode_layers(texts, max_tokens=max_tokens)
        if len(texts) > 100:
            both = np.hstack([encoded.vectors, encoded.layer_means])
            np.save(path.with_suffix(".tmp.npy"), both, allow_pickle=False)
            os.replace(path.with_suffix(".tmp.npy"), path)
        return encoded


@dataclass(slots=True)
class BasilArticle:
    event: str
    outlet: str
    title: str
    text: str
    sentences: int
    words: int
    lex_sentences: int
    any_sentences: int
    spans: int


def load_basil(data_dir: Path) -> tuple[list[BasilArticle], int]:
    articles: list[BasilArticle] = []
    title_spans = 0
    for path in sorted(glob.glob(str(data_dir / "basil" / "articles" / "*" / "*.json"))):
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        ann_path = path.replace("/articles/", "/annotations/").replace(".json", "_ann.json")
        ann = json.loads(Path(ann_path).read_text(encoding="utf-8"))
        if ann["uuid"] != doc["uuid"]:
            raise ValueError(f"annotation {ann_path} does not belong to {path}")
        sentences = [s for paragraph in doc["body-paragraphs"] for s in paragraph]
        lex: set[int] = set()
        anything: set[int] = set()
        spans = 0
        for span in ann["phrase-level-annotations"]:
            start, end, txt = int(span["start"]), int(span["end"]), span["txt"]
            hits = [i for i, s in enumerate(sentences) if s[start:end] == txt]
            if not hits:
                if doc["title"][start:end] != txt:
                    raise ValueError(f"span {txt!r} not found in {path}")
                title_spans += 1
                continue
            spans += 1
            anything.add(hits[0])
            if span["bias"] == "lex":
                lex.add(hits[0])
        text = "\n".join(" ".join(paragraph) for paragraph in doc["body-paragraphs"])
        articles.append(
            BasilArticle(
                event=doc["triplet-uuid"],
                outlet=str(doc["source"]).lower(),
                title=doc["title"],
                text=text,
                sentences=len(sentences),
                words=len(text.split()),
                lex_sentences=len(lex),
                any_sentences=len(anything),
                spans=spans,
            )
        )
    return articles, title_spans


def spearman_ci(a: F64, b: F64, rng: np.random.Generator, n: int = 1000) -> tuple[float, float]:
    values = []
    for _ in range(n):
        pick = rng.integers(0, len(a), len(a))
        values.append(float(spearmanr(a[pick], b[pick])[0]))
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def evaluate_basil(data_dir: Path, analyzer: ArticleAnalyzer) -> None:
    log("")
    log("== 3. BASIL: article bias score vs expert bias spans ==")
    articles, title_spans = load_basil(data_dir)
    t0 = time.perf_counter()
    results = analyzer.analyze([(a.title, a.text) for a in articles])
    log(
        f"  {len(articles)} articles, {sum(a.sentences for a in articles)} BASIL sentences, "
        f"{sum(a.spans for a in articles)} body spans ({title_spans} title spans left out); "
        f"analyzed in {time.perf_counter() - t0:.0f} s"
    )
    scores = [r.analysis.bias_score for r in results]
    none = sum(s is None for s in scores)
    keep = [i for i, s in enumerate(scores) if s is not None]
    score = np.asarray([scores[i] for i in keep], dtype=np.float64)
    kept = [articles[i] for i in keep]
    lexicon = bias.loaded_words()
    density = np.asarray(
        [
            100.0
            * sum(lexicon.get(k, 0.0) >= bias.PHRASE_MIN_WORD_RATE for k in bias.word_keys(a.text))
            / max(a.words, 1)
            for a in kept
        ]
    )
    targets = {
        "(a) share of sentences with >= 1 lexical span": np.asarray(
            [a.lex_sentences / a.sentences for a in kept]
        ),
        "(b) share of sentences with any span": np.asarray(
            [a.any_sentences / a.sentences for a in kept]
        ),
        "(c) spans per 100 words": np.asarray([100.0 * a.spans / a.words for a in kept]),
    }
    log(f"  scored {len(kept)} (None: {none})")
    rng = np.random.default_rng(SEED)
    log(
        f"  baseline: loaded-word density = lexicon words with rate >= "
        f"{bias.PHRASE_MIN_WORD_RATE:g} per 100 words (no model)"
    )
    log(f"  {'target':<48} {'score: Spearman [95% CI]':>28} {'loaded-word density':>20}")
    for name, target in targets.items():
        rho = float(spearmanr(score, target)[0])
        low, high = spearman_ci(score, target, rng)
        base = float(spearmanr(density, target)[0])
        log(f"  {name:<48} {rho:>8.3f} [{low:.3f}, {high:.3f}] {base:>20.3f}")
    # Within an event the topic is fixed: do the outlets' scores order like their spans?
    by_event: dict[str, list[int]] = {}
    for j, a in enumerate(kept):
        by_event.setdefault(a.event, []).append(j)
    for name, target in targets.items():
        agree = pairs = 0
        for members in by_event.values():
            for i, j in ((i, j) for i in members for j in members if i < j):
                if target[i] != target[j] and score[i] != score[j]:
                    pairs += 1
                    agree += (target[i] > target[j]) == (score[i] > score[j])
        log(f"  within-event pair agreement, {name}: {agree}/{pairs} = {agree / pairs:.3f}")
    log(f"  {'outlet':<8} {'n':>4} {'score mean ± sd':>16} {'(a)':>7} {'(b)':>7} {'(c)':>7}")
    for outlet in ("fox", "nyt", "hpo"):
        idx = [j for j, a in enumerate(kept) if a.outlet == outlet]
        values = [float(np.mean([t[j] for j in idx])) for t in targets.values()]
        log(
            f"  {outlet:<8} {len(idx):>4} {score[idx].mean():>9.1f} ± {score[idx].std():<5.1f}"
            f" {values[0]:>7.3f} {values[1]:>7.3f} {values[2]:>7.2f}"
        )


def check_short_texts(analyzer: ArticleAnalyzer) -> None:
    log("")
    log(f"== 4. Not enough text (fewer than {analyzer.min_words} words gives None) ==")
    sentence = "The city council approved the new budget on Tuesday after a long debate."
    texts = ["", "Too short to score.", " ".join([sentence] * 3), " ".join([sentence] * 4)]
    cases = {f"{len(text.split())} words: {text[:20]!r}": text for text in texts}
    results = analyzer.analyze([("A title", text) for text in cases.values()])
    for name, result in zip(cases, results, strict=True):
        log(f"  {name:<22} -> {result.analysis.bias_score}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/plumbline-heads-cache"))
    parser.add_argument("--draws", type=int, default=1000, help="pseudo-articles per fold")
    args = parser.parse_args(argv)

    import torch
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    torch.set_num_threads(1)
    threadpool_limits(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    start = time.perf_counter()
    texts, marked, y = load_babe(args.data_dir)
    encoded = CachedEmbedder(args.cache_dir).encode_layers(texts, "babe-sentences")
    x = np.hstack([encoded.vectors, encoded.layer_means]).astype(np.float64)
    folds, _probs, _lexicons = evaluate_phrases(texts, marked, y, x)
    evaluate_article_score(texts, marked, y, folds, args.draws)
    defaults = Settings.model_fields
    analyzer = ArticleAnalyzer(
        CachingEmbedder(args.cache_dir),
        max_sentences=int(defaults["max_sentences_per_article"].default),
        min_words=int(defaults["min_words_for_score"].default),
    )
    evaluate_basil(args.data_dir, analyzer)
    check_short_texts(analyzer)
    log("")
    log(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
