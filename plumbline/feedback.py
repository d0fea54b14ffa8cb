"""Readers check the model: "Is this loaded? yes / no" on each highlighted phrase.

A vote needs no account: the browser gets the strictly necessary reader cookie when it
casts its first vote (as when it saves a story), and the store keeps one answer per reader,
article and phrase. Only phrases the model highlighted in that article can be voted on, so
a forged form cannot plant labels. Reached as `Plumbline.feedback`; the web layer only
parses the form and sets the cookie."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from plumbline.accounts import new_token
from plumbline.analysis.wording import shown_phrases
from plumbline.errors import InvalidInput
from plumbline.models import AgreementBand, PhraseAgreement, PhraseVerdict, PhraseVote

if TYPE_CHECKING:
    from plumbline.storage.protocols import ArticleStore, FeedbackStore, ReaderStore

MAX_PHRASE_CHARS = 120
ANSWERS = {"yes": True, "no": False}
#: The model-weight bands agreement is reported in ([low, high); the last one holds 1.0).
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.0))


def summarize(tallies: Iterable[tuple[float, int, int]], readers: int) -> PhraseAgreement:
    """Agreement from per-phrase tallies (the model's weight for the phrase, readers'
    yes and no answers). Every phrase readers are asked about is one the model flagged, so
    a "yes" agrees with the model; two readers agree when they gave the same answer about
    the same phrase."""
    votes = yes_total = phrases = decided = decided_yes = pairs = agreeing = 0
    band_votes = [0] * len(BANDS)
    band_yes = [0] * len(BANDS)
    for weight, yes, no in tallies:
        if yes + no == 0:
            continue
        phrases += 1
        votes += yes + no
        yes_total += yes
        if yes != no:
            decided += 1
            decided_yes += yes > no
        pairs += (yes + no) * (yes + no - 1) // 2
        agreeing += yes * (yes - 1) // 2 + no * (no - 1) // 2
        band = next(
            (i for i, (low, high) in enumerate(BANDS) if low <= weight < high), len(BANDS) - 1
        )
        band_votes[band] += yes + no
        band_yes[band] += yes
    return PhraseAgreement(
        votes=votes,
        readers=readers,
        phrases=phrases,
        yes=yes_total,
        decided=decided,
        decided_yes=decided_yes,
        pairs=pairs,
        pairs_agreeing=agreeing,
        bands=[
            AgreementBand(low, high, band_votes[i], band_yes[i])
            for i, (low, high) in enumerate(BANDS)
        ],
    )


class PhraseFeedback:
    def __init__(self, store: FeedbackStore, readers: ReaderStore, articles: ArticleStore) -> None:
        self.store = store
        self.readers = readers
        self.articles = articles

    def vote(self, token: str | None, article: str | int, phrase: str, answer: str) -> str:
        """Record the reader's answer about `phrase` in `article`; returns the reader
        token to keep in the cookie (a new one when the browser had none). Raises
        InvalidInput for an answer other than yes/no, or a phrase the model did not
        highlight in that article; NotFound for an unknown article."""
        loaded = ANSWERS.get(answer.strip().lower())
        if loaded is None:
            raise InvalidInput("answer yes or no")
        text = " ".join(phrase.split()).lower()
        if not text or len(text) > MAX_PHRASE_CHARS:
            raise InvalidInput("that is not a phrase the model highlighted")
        from plumbline.storage.base import row_id  # SQLAlchemy loads with the first answer

        article_id = row_id(article)
        if article_id is None:
            raise InvalidInput("that is not an article of this site")
        record = self.articles.article(article_id, with_analysis=True)
        weights = [
            p.weight
            for p in (shown_phrases(record.analysis) if record.analysis else [])
            if " ".join(p.text.split()).lower() == text
        ]
        if not weights:
            raise InvalidInput(f"“{text}” is not a phrase the model highlighted in this article")
        reader_id = self.readers.reader_id(token) if token else None
        if reader_id is None:
            token = new_token()
            reader_id = self.readers.create_reader(token)
        self.store.record_vote(reader_id, PhraseVote(article_id, text, loaded), max(weights))
        assert token is not None
        return token

    def reader_votes(
        self, token: str | None, article_ids: Sequence[int]
    ) -> dict[tuple[int, str], bool]:
        """The browser's earlier answers about these articles' phrases."""
        reader_id = self.readers.reader_id(token) if token else None
        return self.store.reader_votes(reader_id, article_ids) if reader_id is not None else {}

    def agreement(self) -> PhraseAgreement:
        """How often readers agree with the highlighted phrases, and with each other."""
        tallies = [(weight, yes, no) for _a, _p, weight, yes, no in self.store.tallies()]
        return summarize(tallies, self.store.answering_readers())

    def verdicts(self, *, min_votes: int = 1) -> Iterator[PhraseVerdict]:
        """Every judged phrase with its sentence and the readers' tally: labelled data."""
        for article_id, phrase, weight, yes, no in self.store.tallies(min_votes=min_votes):
            record = self.articles.article(article_id, with_analysis=True)
            sentence, start = "", -1
            if record.analysis is not None:
                indexes = [
                    p.sentence_index
                    for p in record.analysis.loaded_phrases
                    if " ".join(p.text.split()).lower() == phrase
                ]
                sentences = record.analysis.sentences
                for index in indexes:
                    if 0 <= index < len(sentences):
                        sentence = sentences[index].text
                        start = sentence.lower().find(phrase)
                        break
            yield PhraseVerdict(
                article_id=article_id,
                url=record.url,
                outlet=record.outlet_name or "",
                phrase=phrase,
                sentence=sentence,
                start=start,
                end=start + len(phrase) if start >= 0 else -1,
                model_weight=round(weight, 4),
                yes=yes,
                no=no,
            )
