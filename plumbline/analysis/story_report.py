"""The `plumbline synthesize` output: one JSON object per story."""

from __future__ import annotations

from typing import Any

from plumbline.analysis.prose import attributed
from plumbline.models import StoryWriteup, SynthSentence


def writeup_json(writeup: StoryWriteup) -> dict[str, Any]:
    """The contract of `plumbline synthesize`: story, headline, lead, sections with each
    sentence's source ids, the article's own bias score, assessment, questions and
    omissions (plus the coverage score and, when nothing could be written, an error).
    Added since, shape kept: each section's kind, each sentence's attribution with the
    sentence as printed ("X reported that …") and its paragraph, the perspectives by side,
    a note when only opinion covers the story, and each input article's kind."""
    synthesis = writeup.synthesis
    kinds = {
        writeup.input_ids.get(a.id) or f"article-{a.id}": a.kind.value
        for a in writeup.articles
        if a.kind is not None
    }
    if synthesis is None:
        return {
            "story": writeup.story,
            "headline": None,
            "lead": None,
            "sections": [],
            "bias_score": None,
            "coverage_bias_score": writeup.coverage_score,
            "assessment": None,
            "questions": [],
            "omissions": [],
            "perspectives": [],
            "kinds": kinds,
            "error": writeup.error or "nothing to write",
        }

    def sentence(s: SynthSentence) -> dict[str, Any]:
        data: dict[str, Any] = {"text": s.text, "sources": _ids(s, writeup.input_ids)}
        if s.attribution:
            data["attribution"] = s.attribution
            data["printed"] = attributed(s.text, s.attribution, lower=s.lower_first)
            if s.exclusive:
                data["exclusive"] = True
        if s.paragraph:
            data["paragraph"] = s.paragraph
        return data

    return {
        "story": writeup.story,
        "headline": synthesis.headline,
        "lead": " ".join(s.text for s in synthesis.lead),
        "sections": [
            {
                "title": section.title,
                "kind": section.kind,
                "sentences": [sentence(s) for s in section.sentences],
            }
            for section in synthesis.sections
        ],
        "bias_score": synthesis.bias_score,
        "coverage_bias_score": writeup.coverage_score,
        "assessment": " ".join(a.text for a in synthesis.assessment),
        "questions": [q.text for q in synthesis.questions],
        "omissions": [
            {
                "text": o.fact.text,
                "sources": _ids(o.fact, writeup.input_ids),
                "reported_by": [side.value for side in o.reported_by],
                "missing_from": [side.value for side in o.missing_from],
            }
            for o in synthesis.omissions
        ],
        "perspectives": [
            {
                "side": p.side.value,
                "label": f"How the {p.side.value} covered it",
                "outlet": p.outlet_name,
                "kind": p.kind.value,
                "title": p.title,
                "source": writeup.input_ids.get(p.article_id) or f"article-{p.article_id}",
                "quotes": [q.text for q in p.quotes],
            }
            for p in synthesis.perspectives
        ],
        "note": synthesis.note,
        "kinds": kinds,
    }


def _ids(sentence: SynthSentence, input_ids: dict[int, str | None]) -> list[Any]:
    """The input ids of the articles behind a sentence, each once, in citation order."""
    return list(
        dict.fromkeys(
            input_ids.get(ref.article_id) or f"article-{ref.article_id}" for ref in sentence.sources
        )
    )
