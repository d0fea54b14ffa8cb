"""A story's source sentences as comparable statements: the pool that omissions and key
questions draw from.

Every sentence of every analyzed article of the story (wire copies included: an outlet
that runs a copy prints its sentences) is a statement, kept verbatim. Statements are
compared by TF-IDF cosine, fitted on the story's own sentences; a statement's centrality
is its cosine to the story's mean TF-IDF vector, as in synthesize.py. Two statements with
a cosine of at least SAME_FACT say much the same thing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

# the story article's own rules for page furniture, a leading dateline and a sentence that
# leans on the one before it ("But he …"), so both read sentences alike
from plumbline.analysis.clean import furniture, strip_lead_in
from plumbline.analysis.figures import Figure, differ, figures
from plumbline.analysis.prose import dangling
from plumbline.analysis.story import outlet_key
from plumbline.models import ArticleRecord, EvidenceRef, Lean, LeanMix, SourceRef, SynthSentence

if TYPE_CHECKING:  # scikit-learn loads when a story is written up, not on import
    from sklearn.feature_extraction.text import TfidfVectorizer

SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
SAME_FACT = 0.32  # cosine at which another outlet's sentence backs a statement
MIN_SHARED_WORDS = 3
MIN_WORDS, MAX_WORDS = 6, 60
QUOTE_WORDS = 30  # a statement quoted inside a question is cut to this many words

SIDE_ADJECTIVE = {
    Lean.LEFT: "left-leaning",
    Lean.CENTER: "center",
    Lean.RIGHT: "right-leaning",
    Lean.UNRATED: "unrated",
}

_QUOTED = re.compile(r"“[^”]*”?|\"[^\"]*\"?")


@dataclass(frozen=True, slots=True)
class Statement:
    """One source sentence of the story."""

    article: ArticleRecord
    index: int  # position in article.analysis.sentences
    text: str
    bias: float
    standalone: bool  # reads correctly without the sentence before it

    @property
    def outlet(self) -> str:
        return outlet_key(self.article)

    @property
    def outlet_name(self) -> str:
        return self.article.outlet_name or "Unknown outlet"

    @property
    def side(self) -> Lean:
        return self.article.outlet_lean


class StatementPool:
    """The statements of a story with their TF-IDF vectors and centrality."""

    def __init__(
        self,
        statements: list[Statement],
        matrix: Any,  # scipy sparse, one L2-normalized row per statement
        vectorizer: TfidfVectorizer,
    ) -> None:
        self.statements = statements
        self.matrix = matrix
        self.vectorizer = vectorizer
        analyzer = vectorizer.build_analyzer()
        self.words = [frozenset(analyzer(s.text)) for s in statements]
        self._figures: dict[int, list[Figure]] = {}
        centroid = np.asarray(matrix.mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid)) or 1.0
        self.centrality: np.ndarray[Any, np.dtype[np.float64]] = np.asarray(
            matrix @ (centroid / norm)
        ).ravel()

    def __len__(self) -> int:
        return len(self.statements)

    def similar(self, i: int) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Cosine of statement i to every statement."""
        return np.asarray((self.matrix @ self.matrix[i].T).toarray()).ravel()

    def similarity(self, rows: Sequence[int]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Cosines among the given statements (len(rows) × len(rows))."""
        sub = self.matrix[list(rows)]
        return np.asarray((sub @ sub.T).toarray())

    def figures(self, i: int) -> list[Figure]:
        """The counted numbers of statement i."""
        if i not in self._figures:
            self._figures[i] = figures(self.statements[i].text)
        return self._figures[i]

    def alike(self, i: int, j: int, cosine: float, threshold: float = SAME_FACT) -> bool:
        """Whether statements i and j, whose cosine is given, say much the same thing: the
        cosine is at least `threshold` and they share MIN_SHARED_WORDS content words (a
        short sentence can reach a high cosine on one or two words)."""
        return cosine >= threshold and len(self.words[i] & self.words[j]) >= MIN_SHARED_WORDS

    def sides(self) -> set[Lean]:
        """The rated sides whose outlets have statements in the pool."""
        return {s.side for s in self.statements if s.side in SIDES}

    def backers(
        self, i: int, cosines: np.ndarray[Any, np.dtype[np.float64]] | None = None
    ) -> list[int]:
        """Statement i and, from each other article, its most similar statement that says
        much the same thing (see `alike`) without giving another figure for what it counts
        ("19 people" does not back "12 people")."""
        cosines = self.similar(i) if cosines is None else cosines
        found = [i]
        seen = {self.statements[i].article.id}
        for j in np.argsort(-cosines):
            j = int(j)
            if cosines[j] < SAME_FACT:
                break
            article_id = self.statements[j].article.id
            if (
                article_id not in seen
                and self.alike(i, j, float(cosines[j]))
                and not differ(self.figures(i), self.figures(j))
            ):
                seen.add(article_id)
                found.append(j)
        return found

    def ref(self, i: int) -> SourceRef:
        s = self.statements[i]
        return SourceRef(s.article.id, s.index, s.outlet_name, s.side, s.text)

    def synth(
        self, i: int, cosines: np.ndarray[Any, np.dtype[np.float64]] | None = None
    ) -> SynthSentence:
        """Statement i, verbatim, with every source sentence that backs it (itself first)."""
        refs = [self.ref(j) for j in self.backers(i, cosines)]
        return SynthSentence(self.statements[i].text, refs, round(self.statements[i].bias, 4))

    def evidence(self, i: int) -> EvidenceRef:
        """Statement i as evidence: its outlet's row in the page's source list."""
        return ref_evidence(self.ref(i))


def article_anchor(article_id: int) -> str:
    """The story page's fragment id for an article's row in the source list."""
    return f"article-{article_id}"


def ref_evidence(ref: SourceRef) -> EvidenceRef:
    """A source sentence as evidence, pointing at its article's row in the source list."""
    label = f"{ref.outlet_name} ({SIDE_ADJECTIVE[ref.outlet_lean]}): “{ref.text}”"
    return EvidenceRef("sentence", label, article_anchor(ref.article_id), ref.article_id)


def statement_pool(articles: Sequence[ArticleRecord]) -> StatementPool | None:
    """The statements of every analyzed article, or None when there are none."""
    statements = [
        Statement(
            article=a,
            index=index,
            text=text,
            bias=sentence.bias or 0.0,
            standalone=text[:1].isupper() and not dangling(text),
        )
        for a in articles
        if a.analysis is not None
        for index, sentence in enumerate(a.analysis.sentences)
        if _usable(text := strip_lead_in(sentence.text))
    ]
    if not statements:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([s.text for s in statements])
    except ValueError:  # nothing but stop words
        return None
    return StatementPool(statements, matrix, vectorizer)


def quote(text: str, words: int = QUOTE_WORDS) -> str:
    """`text` in typographic quotes without its final full stop, cut at `words` words
    with an ellipsis."""
    parts = text.rstrip(" .").split()
    body = " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    return f"“{body}”"


def side_words(sides: Sequence[Lean], conjunction: str = "and") -> str:
    """ "left-leaning", "left-leaning and center", "center or right-leaning"."""
    return join_words([SIDE_ADJECTIVE[s] for s in sides], conjunction)


def lean_mix_evidence(mix: LeanMix) -> EvidenceRef:
    """The lean mix as evidence: the page's lean-mix bar."""
    label = f"lean mix: {mix.left} left, {mix.center} center, {mix.right} right"
    return EvidenceRef("lean_mix", label, "lean-mix")


def omission_evidence(missing_from: Sequence[Lean]) -> EvidenceRef:
    """That some sides leave a fact out, as evidence: the page's omissions list."""
    return EvidenceRef(
        "omission", f"not reported by {side_words(missing_from)} outlets", "omissions"
    )


def join_words(parts: Sequence[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def unquoted(text: str) -> str:
    """`text` without the words inside quotation marks: what the outlet writes in its
    own voice."""
    return _QUOTED.sub(" ", text)


def _usable(text: str) -> bool:
    n_words = len(text.split())
    return MIN_WORDS <= n_words <= MAX_WORDS and not text.endswith("?") and furniture(text) is None
