"""News, opinion or analysis: what kind of piece an article is.

Opinion pieces inform a story's perspectives, never its factual body or its headline, so
every article is labelled when it enters (import or extraction). The label comes from a
small multinomial logistic regression over signals a copy editor reads:

- the page's own marks: an opinion or analysis section in the URL ("/opinion/", "/ideas/",
  "/analysis/"), an outlet name such as "New York Times - Opinion", a title prefix
  ("Opinion:", "Analysis:"), an opinion label or an author bio that cleaning removed
  ("ANALYSIS/OPINION:", "… is a CNN contributor", "The views expressed …");
- a title that calls names outside quotation marks ("The Idiotic Fight over …", "… the
  most preposterous pick ever"): a judgment no news desk puts in its own headline;
- the title's form: a question, an explainer ("What we know", "Why …", "Here's how");
- the writer's voice outside quotations: first person, second person, "should/must",
  rhetorical questions, how often claims are attributed ("said", "according to");
- a voice model: TF-IDF word 1-2 grams of the text with its quotations blanked out and a
  logistic regression, trained on Article-Bias-Prediction articles that their URL or outlet
  marks as opinion against wire and newsroom news (distant labels; the demo corpus left out).

The weights live in the model file (:mod:`plumbline.analysis.modelfile`)
``plumbline/data/heads/article_kind.{npz,json}`` (numeric arrays only);
``scripts/train_kinds.py`` trains them and measures the labels against 200 demo articles
labelled by two annotators (``bench/data/article_kinds.jsonl``); see docs/methodology.md,
"News or opinion"."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis.clean import Removal
from plumbline.analysis.modelfile import ModelFile, load_model, packaged_model, write_model
from plumbline.analysis.tfidf import Analyzer, TfidfLinear
from plumbline.errors import ConfigurationError
from plumbline.models import ArticleKind, ArticleRecord

FloatArray = npt.NDArray[np.float64]

#: The model-file format; version 2 stores the voice model's analyzer ("voice_analyzer").
FORMAT = "plumbline-article-kind-2"
CLASSES = tuple(sorted(k.value for k in ArticleKind))  # analysis, news, opinion
VOICE_CHARS = 6000  # the voice model reads the first this many characters of the text
VOICE_SENTENCES = 60  # the voice features count over the first this many sentences
# below this many words, a text's voice is not read (the classifier was fitted and measured on
# full articles, the shortest of them 306 words; NeuS's 60-word leads read as opinion one
# time in four)
MIN_VOICE_WORDS = 150

_QUOTED = re.compile(r"“[^”]{0,600}”|\"[^\"\n]{0,600}\"")
_FIRST_SINGULAR = re.compile(r"\b(?:I|me|my|mine|myself|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll)\b")
# "US" in capitals is the country
_FIRST_PLURAL = re.compile(r"\b(?:[Ww]e|[Oo]ur|[Oo]urs|us|[Oo]urselves|[Ww]e're|[Ww]e’re)\b")
_SECOND = re.compile(r"\b(?:[Yy]ou|[Yy]our|[Yy]ours|[Yy]ou're|[Yy]ou’re)\b")
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|according to|announced|reported|stated|added|confirmed)\b",
    re.IGNORECASE,
)
_MODAL = re.compile(r"\b(?:should|must|ought to|need to|needs to|have to)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?[\"”’]?")

OPINION_URL = re.compile(
    r"/(?:opinions?|op-?eds?|commentary|editorials?|columns?|columnists?|voices|perspectives?|"
    r"blogs?|corner|ideas|views|contributors?|tipsheet|letters)(?:/|-|_|\.|$)",
    re.IGNORECASE,
)
ANALYSIS_URL = re.compile(
    r"/(?:analysis|news-analysis|explainers?|fact-?checks?|factcheck|features|the-fix|upshot|"
    r"research|interactive|graphics)(?:/|-|_|$)|[/-]analysis[/-]",
    re.IGNORECASE,
)
# the sections that hold nothing but opinion: a URL here is opinion whatever the model says
OPINION_SECTION = re.compile(
    r"/(?:opinions?|op-?eds?|commentary|editorials?|columns?|columnists?)(?:/|-|_|\.|$)",
    re.IGNORECASE,
)
OPINION_OUTLET = re.compile(r"opinion|editorial|op-ed|commentary|guest writer", re.IGNORECASE)
ANALYSIS_OUTLET = re.compile(
    r"fact ?check|fivethirtyeight|pew research|the 360|gallup|brookings|opensecrets|"
    r"the flip side",
    re.IGNORECASE,
)
OPINION_TITLE = re.compile(
    r"^\W*(?:opinion|op-ed|column|editorial|commentary|letters?|my turn|view)\s*[:|]|"
    r"\|\s*opinion\W*$",
    re.IGNORECASE,
)
ANALYSIS_TITLE = re.compile(
    r"^\W*(?:analysis|explainer|fact ?check|factbox|q&a|the big picture)\s*[:|]|\b(?:what (?:we|"
    r"you) (?:know|need to know)|explained|takeaways|things to know|here(?:'|’)s (?:what|how|"
    r"why))\b|^\W*(?:why|how|what|who|when|where|will|can|should|is|are|does|do)\b",
    re.IGNORECASE,
)

# names a news desk does not call anyone or anything in its own headline
JUDGING_TITLE = re.compile(
    r"\b(?:preposterous|ridiculous|ludicrous|absurd\w*|morons?|idiot\w*|stupid\w*|pathetic|"
    r"disgrace\w*|despicable|shameful|shameless|lunatic\w*|insane|hypocri\w*|deranged|"
    r"unhinged|disingenuous|incompeten\w*|dishonest|cowardly|cowards?|nonsense|sham|farce|"
    r"garbage|fools?|foolish)\b",
    re.IGNORECASE,
)
_QUOTED_TITLE = re.compile(r"[\"“‘'][^\"“”‘’']*[\"”’']")

FEATURES = (
    "voice",
    "first_singular",
    "first_plural",
    "second_person",
    "attribution",
    "modal",
    "questions",
    "page_label",
    "speakers",
    "opinion_url",
    "analysis_url",
    "opinion_outlet",
    "analysis_outlet",
    "opinion_title",
    "analysis_title",
    "question_title",
)


def voice_text(text: str) -> str:
    """The text as the voice model reads it: its first VOICE_CHARS characters with every
    quotation blanked out (what others say is not the writer's voice)."""
    return _QUOTED.sub(' " ', text[:VOICE_CHARS])


def features(
    *,
    url: str,
    title: str,
    text: str,
    outlet: str = "",
    removed: Sequence[Removal] = (),
    voice: float = 0.0,
) -> dict[str, float]:
    """The signals of one article (see the module docstring), as named in FEATURES;
    `text` is the cleaned text, `removed` what cleaning took out of it, `voice` the voice
    model's logit."""
    sentences = [m.group().strip() for m in _SENTENCE.finditer(text[: VOICE_CHARS * 2])]
    sentences = [s for s in sentences if len(s) > 20][:VOICE_SENTENCES]
    n = max(1, len(sentences))
    own = [_QUOTED.sub(" ", s) for s in sentences]
    title = title.strip()

    def share(pattern: re.Pattern[str], texts: Sequence[str]) -> float:
        return sum(1 for t in texts if pattern.search(t)) / n

    return {
        "voice": voice,
        "first_singular": share(_FIRST_SINGULAR, own),
        "first_plural": share(_FIRST_PLURAL, own),
        "second_person": share(_SECOND, own),
        "attribution": share(_ATTRIBUTION, sentences),
        "modal": share(_MODAL, own),
        "questions": sum(1 for t in own if t.rstrip('"”’ ').endswith("?")) / n,
        "page_label": float(sum(1 for r in removed if r.kind in ("bio", "opinion_label"))),
        "speakers": min(5.0, float(sum(1 for r in removed if r.kind == "speaker"))),
        "opinion_url": float(bool(OPINION_URL.search(url))),
        "analysis_url": float(bool(ANALYSIS_URL.search(url))),
        "opinion_outlet": float(bool(OPINION_OUTLET.search(outlet))),
        "analysis_outlet": float(bool(ANALYSIS_OUTLET.search(outlet))),
        "opinion_title": float(bool(OPINION_TITLE.search(title))),
        "analysis_title": float(bool(ANALYSIS_TITLE.search(title))),
        "question_title": float(title.endswith("?")),
    }


@dataclass(frozen=True, eq=False, slots=True)
class KindModel:
    """The voice model and the kind classifier over FEATURES (standardized with the
    stored mean and scale)."""

    voice: TfidfLinear  # logits of (news, opinion)
    mean: FloatArray
    scale: FloatArray
    coef: FloatArray  # (len(CLASSES), len(FEATURES))
    intercept: FloatArray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k, d = len(CLASSES), len(FEATURES)
        if (
            self.mean.shape != (d,)
            or self.scale.shape != (d,)
            or self.coef.shape != (k, d)
            or self.intercept.shape != (k,)
            or self.voice.intercept.shape != (2,)
        ):
            raise ConfigurationError("article kind model: arrays do not fit its features")
        if not np.all(self.scale > 0):
            raise ConfigurationError("article kind model: scales must be positive")

    def voice_logit(self, text: str) -> float:
        """log p(opinion) / p(news) of the writer's voice."""
        logits = self.voice.decision_function([voice_text(text)])[0]
        return float(logits[1] - logits[0])

    def probabilities(self, values: Mapping[str, float]) -> dict[str, float]:
        x = (np.array([values[f] for f in FEATURES]) - self.mean) / self.scale
        z = self.coef @ x + self.intercept
        e = np.exp(z - z.max())
        p = e / e.sum()
        return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``<path>.npz`` (numeric arrays only; the voice model's idf and coefficients
        as float16) and ``<path>.json`` (metadata)."""
        arrays = self.voice.arrays("voice", np.float16)
        arrays.update(mean=self.mean, scale=self.scale, coef=self.coef, intercept=self.intercept)
        doc = dict(self.metadata)
        doc.update(
            classes=list(CLASSES),
            features=list(FEATURES),
            voice_analyzer=self.voice.analyzer.to_json(),
        )
        return write_model(path, arrays, doc, FORMAT)

    @classmethod
    def load(cls, path: Path) -> KindModel:
        """Read a model written by :meth:`save` (``path`` with or without a suffix)."""
        return cls.from_model_file(load_model(path, format=FORMAT, required=_ARRAYS))

    @classmethod
    def from_model_file(cls, file: ModelFile) -> KindModel:
        """The model from its checked model file; its classes and features must be these."""
        if file.strings("classes") != CLASSES or file.strings("features") != FEATURES:
            raise file.error("not a model for these classes and features")
        analyzer = Analyzer.from_json(file.meta.get("voice_analyzer"), file.source)
        k, d = len(CLASSES), len(FEATURES)
        voice = TfidfLinear.from_model_file(file, "voice", analyzer)
        mean, scale = file.array("mean", (d,)), file.array("scale", (d,))
        coef, intercept = file.array("coef", (k, d)), file.array("intercept", (k,))
        try:
            return cls(voice, mean, scale, coef, intercept, metadata=file.meta)
        except ConfigurationError as exc:
            raise file.error(str(exc)) from exc


_ARRAYS = (*TfidfLinear.array_names("voice"), "mean", "scale", "coef", "intercept")


@functools.cache
def packaged_kind_model() -> KindModel:
    """The model shipped as ``plumbline/data/heads/article_kind.{npz,json}`` (cached)."""
    file = packaged_model(
        "article_kind", format=FORMAT, required=_ARRAYS, trained_by="scripts/train_kinds.py"
    )
    return KindModel.from_model_file(file)


def kind_probabilities(
    *, url: str, title: str, text: str, outlet: str = "", removed: Sequence[Removal] = ()
) -> dict[str, float]:
    """p(news), p(opinion), p(analysis) of an article (cleaned `text`; see `features`)."""
    model = packaged_kind_model()
    values = features(
        url=url,
        title=title,
        text=text,
        outlet=outlet,
        removed=removed,
        voice=model.voice_logit(text),
    )
    return model.probabilities(values)


def marked_opinion(values: Mapping[str, float], url: str, title: str = "") -> bool:
    """Whether the page itself says the piece is opinion: an opinion section in its URL,
    an opinion outlet name or title label, an opinion label or author bio removed from its
    text, or a title that calls names (JUDGING_TITLE, outside quotation marks). The
    classifier weighs the marks among other signals; a mark this plain decides."""
    return bool(
        OPINION_SECTION.search(url)
        or values["opinion_outlet"]
        or values["opinion_title"]
        or values["page_label"]
        or JUDGING_TITLE.search(_QUOTED_TITLE.sub(" ", title))
    )


def article_kind(
    *, url: str, title: str, text: str, outlet: str = "", removed: Sequence[Removal] = ()
) -> ArticleKind:
    """The kind of an article: opinion when the page marks it so (`marked_opinion`), else
    the classifier's most likely kind (see `kind_probabilities`); a text of fewer than
    MIN_VOICE_WORDS words is news unless its page marks it analysis."""
    model = packaged_kind_model()
    values = features(
        url=url,
        title=title,
        text=text,
        outlet=outlet,
        removed=removed,
        voice=model.voice_logit(text),
    )
    if marked_opinion(values, url, title):
        return ArticleKind.OPINION
    if len(text.split()) < MIN_VOICE_WORDS:
        # too little text for its voice to tell (the classifier knows full articles only):
        # the page's own analysis marks, else news
        analysis = values["analysis_url"] or values["analysis_outlet"] or values["analysis_title"]
        return ArticleKind.ANALYSIS if analysis else ArticleKind.NEWS
    p = model.probabilities(values)
    return ArticleKind(max(p, key=lambda c: p[c]))


def kind_of(article: ArticleRecord) -> ArticleKind:
    """An article's kind: the one stored when it entered, else labelled now from its stored
    URL, title, text and outlet name (articles stored before kinds were labelled)."""
    if article.kind is not None:
        return article.kind
    return article_kind(
        url=article.url, title=article.title, text=article.text, outlet=article.outlet_name or ""
    )
