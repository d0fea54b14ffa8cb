"""Optional LLM back end: an OpenAI-compatible chat endpoint rephrases the extractive
synthesis into fluent prose, sentence by sentence, and phrases the assessment and the key
questions.

Nothing the model writes is trusted. Each rewritten sentence is given only the source
sentences that back the extractive one and must pass the same faithfulness check
(`faithful.check_sentence`) against them; an assessment sentence or a question must keep
every name, number, quotation and negation of the generated text it rephrases and add none
beyond it and its evidence. A rewrite that fails, that carries markup, that runs long or
that scores as more loaded than its source is dropped for the extractive text, counted in
`Synthesis.fallbacks` and logged with its reasons. The headline is never rewritten: it is
always a source's own title.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from plumbline.analysis import bias, faithful
from plumbline.analysis.embed import Embedder
from plumbline.errors import LLMError
from plumbline.models import (
    AssessmentSentence,
    KeyQuestion,
    Omission,
    Synthesis,
    SynthSection,
    SynthSentence,
)
from plumbline.settings import Settings

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 256_000  # a chat completion for one sentence is a few hundred bytes
MAX_BIAS_INCREASE = 0.1  # a rewrite may not score this much more loaded than its source
_MARKUP = re.compile(r"[<>*#`\[\]{}|\\_~]|https?://|&[a-z]+;")
_PREAMBLE = re.compile(
    r"^(?:here(?:'s| is)[^:\n]*|rewritten(?: sentence)?|rephrased(?: \w+)?|sentence|question"
    r"|answer|neutral version)\s*:\s*",
    re.IGNORECASE,
)

SENTENCE_PROMPT = (
    "You are a news copy editor. Rewrite the sentence you are given as one plain, neutral, "
    "fluent English sentence. Use only facts stated in the source sentences. Do not add "
    "names, numbers, dates, quotations, opinions or any fact that is not in them. Answer "
    "with the rewritten sentence only."
)
ASSESSMENT_PROMPT = (
    "You are a news copy editor. Rephrase the sentence you are given as one fluent, neutral "
    "English sentence. Keep every name, number and quotation exactly as written and add "
    "nothing. Answer with the sentence only."
)
QUESTION_PROMPT = (
    "You are a news copy editor. Rephrase the question you are given as one fluent, neutral "
    "English question. Keep every name, number and quotation exactly as written and add "
    "nothing. Answer with the question only."
)

_QUOTES = {'"': '"', "“": "”"}
_QUOTE = re.compile('["“”]')
_T = TypeVar("_T")

BiasScorer = Callable[[Sequence[str]], Sequence[float]]


class ChatClient:
    """POSTs OpenAI-style chat completions to `base_url` (with or without a trailing /v1).
    One request per call, no retries: a failure raises LLMError and the caller keeps the
    extractive text. The API key is sent as a bearer token and never appears in an error.
    The connection is kept between calls; `close()` (or a with block) ends it."""

    def __init__(
        self,
        base_url: str,
        *,
        model: str = "",
        api_key: str = "",
        timeout: float = 60.0,
        max_tokens: int = 160,
        temperature: float = 0.0,
    ) -> None:
        base = base_url.rstrip("/")
        self.url = (
            f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"
        )
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._http: httpx.Client | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        return cls(
            settings.llm_base_url,
            model=settings.llm_model,
            api_key=key,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
        )

    @property
    def label(self) -> str:
        """The back end as a synthesis names it: llm:<model> (or llm:<host>)."""
        return f"llm:{self.model or urlsplit(self.url).hostname}"

    def __repr__(self) -> str:
        return f"ChatClient({self.url!r}, model={self.model!r})"

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(self, system: str, user: str) -> str:
        """The assistant's answer to one system + user turn."""
        payload: dict[str, Any] = {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": False,
        }
        if self.model:
            payload["model"] = self.model
        headers = {"Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        body = self._post(payload, headers)
        try:
            data = json.loads(body)
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(
                f"LLM endpoint's answer is not a chat completion: {body[:200]!r}"
            ) from exc
        if content is None:
            return ""
        if not isinstance(content, str):
            raise LLMError("LLM endpoint's answer has no text content")
        return content

    def _post(self, payload: dict[str, Any], headers: dict[str, str]) -> bytes:
        deadline = time.monotonic() + self.timeout
        if self._http is None:
            self._http = httpx.Client(timeout=self.timeout, follow_redirects=False)
        try:
            with self._http.stream("POST", self.url, json=payload, headers=headers) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise LLMError(f"LLM endpoint's answer exceeds {MAX_ANSWER_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise LLMError(f"LLM endpoint took longer than {self.timeout:g} s")
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise LLMError(f"LLM endpoint timed out after {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"LLM endpoint unreachable: {type(exc).__name__}: {exc}") from exc
        if status != 200:
            text = bytes(body[:200]).decode("utf-8", "replace")
            raise LLMError(f"LLM endpoint answered HTTP {status}: {text}")
        return bytes(body)


@dataclass(slots=True)
class RewriteCounts:
    """What became of the model's answers, over every synthesis a Rewriter saw."""

    accepted: int = 0  # passed every check and replaced the extractive text
    unchanged: int = 0  # the model gave the text back as it was
    rejected: int = 0  # failed a check: the extractive text stayed (Synthesis.fallbacks)


class Rewriter:
    """Rewrites syntheses with a ChatClient and keeps only what passes the checks.
    `scorer` (see `bias_scorer`) re-scores accepted sentences' p(biased); without it a
    rewrite keeps its source sentence's score."""

    def __init__(self, client: ChatClient, *, scorer: BiasScorer | None = None) -> None:
        self.client = client
        self.scorer = scorer
        self.counts = RewriteCounts()

    def rewrite(self, synthesis: Synthesis, article_texts: Mapping[int, str]) -> Synthesis:
        """A new synthesis with each sentence, assessment sentence and question replaced by
        the model's version where that passes the checks. Raises LLMError when the endpoint
        fails; the given synthesis is never modified."""
        story = _StoryRewrite(self, article_texts)
        lead = [story.sentence(s) for s in synthesis.lead]
        sections = [
            SynthSection(sec.title, [story.sentence(s) for s in sec.sentences])
            for sec in synthesis.sections
        ]
        omissions = [
            Omission(story.sentence(o.fact), list(o.reported_by), list(o.missing_from))
            for o in synthesis.omissions
        ]
        assessment = [
            AssessmentSentence(story.claim(a.text, [e.label for e in a.evidence]), a.evidence)
            for a in synthesis.assessment
        ]
        questions = [
            KeyQuestion(story.claim(q.text, [e.label for e in q.evidence]), q.kind, q.evidence)
            for q in synthesis.questions
        ]
        lead, sections, omissions = story.rescore(lead, sections, omissions)
        body = [*lead, *(s for sec in sections for s in sec.sentences)]
        self.counts.accepted += story.accepted
        self.counts.unchanged += story.unchanged
        self.counts.rejected += story.rejected
        log.info(
            "LLM rewrite of %r: %d accepted, %d unchanged, %d rejected",
            synthesis.headline[:80],
            story.accepted,
            story.unchanged,
            story.rejected,
        )
        return replace(
            synthesis,
            lead=lead,
            sections=sections,
            omissions=omissions,
            assessment=assessment,
            questions=questions,
            bias_score=(
                bias.weighted_share([s.text for s in body], [s.bias or 0.0 for s in body])
                if body
                else synthesis.bias_score
            ),
            backend=self.client.label if story.accepted else synthesis.backend,
            fallbacks=synthesis.fallbacks + story.rejected,
        )


def rewrite_synthesis(
    synthesis: Synthesis,
    article_texts: Mapping[int, str],
    client: ChatClient,
    *,
    scorer: BiasScorer | None = None,
) -> Synthesis:
    """`synthesis` rephrased by the LLM behind `client`, every rewrite checked; see Rewriter."""
    return Rewriter(client, scorer=scorer).rewrite(synthesis, article_texts)


def bias_scorer(embedder: Embedder) -> BiasScorer:
    """p(biased) of sentences with the packaged sentence-bias head, as the analysis scores
    source sentences."""

    def score(texts: Sequence[str]) -> Sequence[float]:
        return [float(p) for p in bias.sentence_bias(embedder.encode_layers(texts), texts)]

    return score


class _StoryRewrite:
    """One synthesis's requests, checks and counts."""

    def __init__(self, rewriter: Rewriter, article_texts: Mapping[int, str]) -> None:
        self.client = rewriter.client
        self.scorer = rewriter.scorer
        self.article_texts = article_texts
        self.accepted = self.unchanged = self.rejected = 0
        self._done: dict[tuple[object, ...], SynthSentence] = {}
        self._accepted: list[tuple[SynthSentence, SynthSentence]] = []  # (original, rewrite)

    def sentence(self, original: SynthSentence) -> SynthSentence:
        """The rewrite of one synthesized sentence, or the sentence itself (asked once per
        sentence: an omitted fact may repeat a sentence of the body)."""
        key = (original.text, *((r.article_id, r.sentence_index) for r in original.sources))
        if key not in self._done:
            self._done[key] = self._sentence(original)
        return self._done[key]

    def _sentence(self, original: SynthSentence) -> SynthSentence:
        if not original.sources:
            return original
        cited = [ref.text for ref in original.sources]
        user = "Source sentences:\n{}\n\nSentence to rewrite:\n{}".format(
            "\n".join(f"- {text}" for text in cited), original.text
        )
        answer = _clean(self.client.complete(SENTENCE_PROMPT, user))
        if _same(answer, original.text):
            self.unchanged += 1
            return original
        candidate = replace(original, text=answer, rewritten=True)
        reasons = _form(answer, original.text, cited, question=False)
        reasons += faithful.check_sentence(candidate, self.article_texts)
        if reasons:
            return self._reject(original.text, answer, reasons, original)
        self.accepted += 1
        self._accepted.append((original, candidate))
        return candidate

    def claim(self, template: str, labels: Sequence[str]) -> str:
        """An assessment sentence or question phrased by the model, or the template."""
        question = template.rstrip().endswith("?")
        user = "Facts it rests on:\n{}\n\n{}:\n{}".format(
            "\n".join(f"- {label}" for label in labels) or "- (none)",
            "Question" if question else "Sentence",
            template,
        )
        prompt = QUESTION_PROMPT if question else ASSESSMENT_PROMPT
        answer = _clean(self.client.complete(prompt, user))
        if _same(answer, template):
            self.unchanged += 1
            return template
        reasons = _form(answer, template, [template, *labels], question=question)
        reasons += faithful.unsupported(answer, [template, *labels])
        reasons += _dropped(template, answer)
        if reasons:
            return self._reject(template, answer, reasons, template)
        self.accepted += 1
        return answer

    def rescore(
        self,
        lead: list[SynthSentence],
        sections: list[SynthSection],
        omissions: list[Omission],
    ) -> tuple[list[SynthSentence], list[SynthSection], list[Omission]]:
        """Score accepted rewrites with the bias head; one more loaded than its source is
        dropped for the source."""
        if self.scorer is None or not self._accepted:
            return lead, sections, omissions
        scores = self.scorer([new.text for _old, new in self._accepted])
        swap: dict[int, SynthSentence] = {}
        for (old, new), p in zip(self._accepted, scores, strict=True):
            before = old.bias if old.bias is not None else 0.0
            if p > before + MAX_BIAS_INCREASE:
                self.accepted -= 1
                reason = f"more loaded than its source: p(biased) {p:.2f} > {before:.2f}"
                swap[id(new)] = self._reject(old.text, new.text, [reason], old)
            else:
                new.bias = round(float(p), 4)

        def pick(s: SynthSentence) -> SynthSentence:
            return swap.get(id(s), s)

        return (
            [pick(s) for s in lead],
            [SynthSection(sec.title, [pick(s) for s in sec.sentences]) for sec in sections],
            [Omission(pick(o.fact), o.reported_by, o.missing_from) for o in omissions],
        )

    def _reject(self, original: str, answer: str, reasons: list[str], keep: _T) -> _T:
        self.rejected += 1
        log.info(
            "LLM rewrite rejected, kept the extractive text %r: %s; the model wrote %r",
            original[:120],
            "; ".join(reasons),
            answer[:200],
        )
        return keep


def _same(answer: str, original: str) -> bool:
    return faithful.normalize(answer).rstrip(" .") == faithful.normalize(original).rstrip(" .")


def _clean(answer: str) -> str:
    """The model's answer without chat decoration: surrounding whitespace and quotes, a
    "Here is the rewritten sentence:" preamble, a trailing blank-line remainder."""
    text = _PREAMBLE.sub("", answer.strip()).strip()
    closing = _QUOTES.get(text[:1])
    if closing and len(text) > 1 and text.endswith(closing) and not _QUOTE.search(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _form(answer: str, original: str, material: Sequence[str], *, question: bool) -> list[str]:
    """Reasons the answer's shape is wrong, whatever it says: several paragraphs, markup or
    links the material lacks, far longer than the original, a question where a statement
    belongs or the reverse."""
    reasons = []
    if "\n" in answer.strip():
        reasons.append("more than one paragraph")
    pool = " ".join(material)
    marks = sorted({m for m in _MARKUP.findall(answer) if m not in pool})
    if marks:
        reasons.append(f"markup or link not in its sources: {' '.join(marks)}")
    if not answer.rstrip("\"”’' )").endswith((".", "!", "?")):
        reasons.append("does not end a sentence")
    if len(answer) > 2 * len(original) + 40:
        reasons.append(f"{len(answer)} characters for a {len(original)}-character original")
    if question != answer.rstrip().endswith("?"):
        reasons.append("a question must stay a question" if question else "not a statement")
    return reasons


def _dropped(template: str, answer: str) -> list[str]:
    """Names, numbers, quotations and negations of the template the answer lost: the same
    check run the other way round."""
    lost = []
    for reason in faithful.unsupported(template, [answer]):
        kind, _, what = reason.partition(" not in ")
        if kind in ("name", "number", "quotation", "negation"):
            detail = what.partition(": ")[2]
            lost.append(f"drops the {kind} {detail}".rstrip())
    return lost
