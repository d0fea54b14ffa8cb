"""Which lean should a reader see for an article: the outlet's (a table lookup) or the
article's own (the packaged ``lean`` head)? Measured on Article-Bias-Prediction's media split
test articles, overall and on the articles from outlets that never occur in training
(issue 16, item 3).

    .venv/bin/python bench/lean_sources.py [--data-dir ../shared/data]

Rows (macro F1 and accuracy in %, and the share of articles each covers):

- *article head*: the packaged lean head on title + text (what the site would show as
  article lean);
- *outlet table*: the product's own lookup, by the article's domain, in the packaged outlet
  table (``outlets.json``) and then ``abp_outlet_leans.json``, exactly as an imported article
  gets its outlet lean. Both files are majority labels of Article-Bias-Prediction's articles
  per outlet, test articles included, and the dataset's article labels *are* outlet ratings
  (AllSides), so this row is close to the labels by construction: it shows what the outlet
  lean a reader sees agrees with, not a prediction;
- *outlet from training only*: the majority label of the article's outlet among the training
  articles (what an outlet table built from other articles gives); test outlets unseen in
  training are not covered, and there the head is the only signal;
- *outlet, else head*: the table where it covers the article, the head elsewhere.

Macro F1 on a covered subset is over the articles covered (the share is printed beside it).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.metrics import accuracy_score, f1_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_lean import load_articles, read_split  # noqa: E402

from plumbline.analysis.lean import CLASSES, packaged_lean_head  # noqa: E402
from plumbline.ingest.dedupe import hostname, parent_domains  # noqa: E402
from plumbline.ingest.sources import abp_domain_leans, packaged_outlets  # noqa: E402

I64 = npt.NDArray[np.int64]


@functools.cache
def table_domains() -> dict[str, str]:
    return {d: o.lean.value for o in packaged_outlets() for d in o.domains}


def table_lean(url: str, source_url: str) -> int | None:
    """The class index of the outlet lean the product gives an article from this address."""
    host = hostname(url) or hostname(source_url)
    if not host:
        return None
    by_domain = table_domains()
    leans = abp_domain_leans()
    for domain in parent_domains(host):
        lean = by_domain.get(domain) or (leans[domain][1].value if domain in leans else None)
        if lean in CLASSES:
            return CLASSES.index(lean)
    return None


def figures(gold: I64, predicted: I64, covered: npt.NDArray[np.bool_]) -> str:
    if not covered.any():
        return "   —       —     0.0%"
    g, p = gold[covered], predicted[covered]
    f1 = 100 * f1_score(g, p, average="macro", labels=[0, 1, 2])
    acc = 100 * accuracy_score(g, p)
    return f"{f1:6.2f}  {acc:6.2f}  {100 * covered.mean():5.1f}%"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    root = args.data_dir / "article-bias-prediction"
    train = read_split(root / "splits" / "media" / "train.tsv")
    test = read_split(root / "splits" / "media" / "test.tsv")
    articles = load_articles(root / "articles.jsonl.gz", {i for i, _ in train + test})
    gold = np.asarray([label for _, label in test], dtype=np.int64)
    started = time.perf_counter()
    head = packaged_lean_head().predict_proba(
        [(articles[i]["title"], articles[i]["text"]) for i, _ in test]
    )
    print(f"lean head: {len(test)} test articles in {time.perf_counter() - started:.0f} s")
    head_label = head.argmax(axis=1).astype(np.int64)
    by_outlet: dict[str, Counter[int]] = {}
    for i, label in train:
        by_outlet.setdefault(articles[i]["source"], Counter())[label] += 1
    sources = [articles[i]["source"] for i, _ in test]
    unseen = np.asarray([s not in by_outlet for s in sources])
    table = [table_lean(articles[i]["url"], articles[i]["source_url"]) for i, _ in test]
    table_label = np.asarray([-1 if t is None else t for t in table], dtype=np.int64)
    table_covered = table_label >= 0
    trained = [by_outlet[s].most_common(1)[0][0] if s in by_outlet else -1 for s in sources]
    trained_label = np.asarray(trained, dtype=np.int64)
    trained_covered = trained_label >= 0
    either = np.where(table_covered, table_label, head_label)
    everyone = np.ones(len(test), dtype=bool)
    unseen_outlets = {s for s, u in zip(sources, unseen, strict=True) if u}
    print(
        f"{len(test)} test articles from {len(set(sources))} outlets; "
        f"{int(unseen.sum())} from {len(unseen_outlets)} outlets "
        "unseen in training\n"
    )
    print(f"{'':28} {'all test articles':>22}    {'unseen outlets':>22}")
    print(f"{'':28} {'F1':>6}  {'acc':>6}  {'covers':>6}    {'F1':>6}  {'acc':>6}  {'covers':>6}")
    rows = (
        ("article head", head_label, everyone),
        ("outlet table", table_label, table_covered),
        ("outlet from training only", trained_label, trained_covered),
        ("outlet table, else head", either, everyone),
    )
    for name, predicted, covered in rows:
        overall = figures(gold, predicted, covered)
        sub = figures(gold[unseen], predicted[unseen], covered[unseen])
        print(f"{name:28} {overall}    {sub}")
    missed = table_covered & (table_label != gold)
    print(
        f"\noutlet table disagrees with the label on {int(missed.sum())} of "
        f"{int(table_covered.sum())} covered articles "
        f"({Counter(s for s, m in zip(sources, missed, strict=True) if m).most_common(3)})"
    )


if __name__ == "__main__":
    main()
