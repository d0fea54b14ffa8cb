"""Readers' answers to "Is this loaded?" about the phrases the model highlighted: one vote
per reader, article and phrase; tallies for the
methodology page, the export and bench/ (feedback.py sums them up)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from plumbline.errors import InvalidInput, NotFound
from plumbline.models import PhraseVote
from plumbline.storage.base import Store, utcnow
from plumbline.storage.schema import ArticleRow
from plumbline.storage.schema_readers import PhraseVoteRow

#: Votes one reader may cast in all (a flood from one browser stops here).
MAX_VOTES_PER_READER = 5_000


class SqlFeedbackStore(Store):
    def record_vote(self, reader_id: int, vote: PhraseVote, weight: float) -> bool:
        """Store a reader's answer; a second answer about the same phrase replaces the
        first. Returns True when the vote is new. Two answers at once (a double click)
        meet the unique constraint: the second is then stored as a replacement."""
        try:
            return self._record_vote(reader_id, vote, weight)
        except IntegrityError:
            return self._record_vote(reader_id, vote, weight)

    def _record_vote(self, reader_id: int, vote: PhraseVote, weight: float) -> bool:
        now = utcnow()
        with self.session() as s:
            if s.get(ArticleRow, vote.article_id) is None:
                raise NotFound(f"no article {vote.article_id}")
            row = s.scalar(
                select(PhraseVoteRow).where(
                    PhraseVoteRow.reader_id == reader_id,
                    PhraseVoteRow.article_id == vote.article_id,
                    PhraseVoteRow.phrase == vote.phrase,
                )
            )
            if row is not None:
                row.loaded, row.weight, row.updated_at = vote.loaded, weight, now
                return False
            count = s.scalar(
                select(func.count())
                .select_from(PhraseVoteRow)
                .where(PhraseVoteRow.reader_id == reader_id)
            )
            if (count or 0) >= MAX_VOTES_PER_READER:
                raise InvalidInput(f"at most {MAX_VOTES_PER_READER} answers per reader")
            s.add(
                PhraseVoteRow(
                    reader_id=reader_id,
                    article_id=vote.article_id,
                    phrase=vote.phrase,
                    loaded=vote.loaded,
                    weight=weight,
                    created_at=now,
                    updated_at=now,
                )
            )
            return True

    def reader_votes(
        self, reader_id: int, article_ids: Sequence[int]
    ) -> dict[tuple[int, str], bool]:
        """The reader's answers about these articles' phrases."""
        if not article_ids:
            return {}
        with self.session() as s:
            rows = s.execute(
                select(PhraseVoteRow.article_id, PhraseVoteRow.phrase, PhraseVoteRow.loaded).where(
                    PhraseVoteRow.reader_id == reader_id,
                    PhraseVoteRow.article_id.in_(list(article_ids)[:1000]),
                )
            ).all()
            return {(a, p): bool(loaded) for a, p, loaded in rows}

    def tallies(self, *, min_votes: int = 1) -> Iterator[tuple[int, str, float, int, int]]:
        """(article id, phrase, mean model weight, yes, no) for every phrase readers
        judged at least `min_votes` times, the most judged first."""
        yes = func.sum(case((PhraseVoteRow.loaded, 1), else_=0))
        total = func.count()
        query = (
            select(
                PhraseVoteRow.article_id,
                PhraseVoteRow.phrase,
                func.avg(PhraseVoteRow.weight),
                yes,
                total,
            )
            .group_by(PhraseVoteRow.article_id, PhraseVoteRow.phrase)
            .having(total >= max(1, min_votes))
            .order_by(total.desc(), PhraseVoteRow.article_id, PhraseVoteRow.phrase)
        )
        with self.session() as s:
            for article_id, phrase, weight, yes_count, count in s.execute(query):
                yes_n = int(yes_count)
                yield article_id, phrase, float(weight or 0.0), yes_n, int(count) - yes_n

    def answering_readers(self) -> int:
        """How many readers have answered about any phrase."""
        with self.session() as s:
            return int(s.scalar(select(func.count(func.distinct(PhraseVoteRow.reader_id)))) or 0)
