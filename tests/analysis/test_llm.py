"""The LLM back end's client and checks, against a real HTTP server on 127.0.0.1 that
answers in the OpenAI chat format with scripted (good, invented, hostile) text. The real
model runs in tests/analysis/test_llm_server.py."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import pytest

from plumbline.analysis.faithful import check_synthesis
from plumbline.analysis.llm import ChatClient, Rewriter, rewrite_synthesis
from plumbline.errors import LLMError
from plumbline.models import (
    AssessmentSentence,
    EvidenceRef,
    KeyQuestion,
    Lean,
    Omission,
    SourceRef,
    Synthesis,
    SynthSection,
    SynthSentence,
)
from plumbline.settings import Settings
from tests.chatserver import Answer, ChatServer, Request

SOURCE = (
    "President Biden signed the $1.2 trillion infrastructure bill on Monday, the White House said."
)
OTHER = "Biden signed the infrastructure bill at the White House on Monday."
ARTICLES = {1: SOURCE + " Republicans criticized it.", 2: OTHER}
TEMPLATE = "Coverage scores 58/100: about 58% of the text reads as loaded."
QUESTION = "Why do right-leaning outlets call the bill a spending spree?"


def _sentence(text: str = SOURCE) -> SynthSentence:
    return SynthSentence(
        text,
        [SourceRef(1, 0, "Reuters", Lean.CENTER, text), SourceRef(2, 3, "AP", Lean.CENTER, OTHER)],
        bias=0.2,
    )


def _synthesis() -> Synthesis:
    evidence = [EvidenceRef("coverage", "coverage score 58/100", "coverage")]
    return Synthesis(
        headline="Biden signs infrastructure bill",
        headline_article_id=1,
        lead=[_sentence()],
        sections=[SynthSection("What happened", [_sentence(OTHER)])],
        bias_score=20.0,
        assessment=[AssessmentSentence(TEMPLATE, evidence)],
        questions=[KeyQuestion(QUESTION, "framing", evidence)],
        omissions=[Omission(_sentence(), [Lean.CENTER], [Lean.LEFT])],
    )


def _answers(mapping: dict[str, str | None]) -> ChatServer:
    """A server that answers each request with the text mapped to the first key found in
    its user message (the text itself when no key matches)."""

    def answer(request: Request) -> Answer:
        for key, text in mapping.items():
            if key in request.user:
                return Answer.text(text)
        return Answer.text(request.user.rsplit("\n", 1)[-1])

    return ChatServer(answer)


_OPEN: list[ChatClient] = []


def _client(server: ChatServer) -> ChatClient:
    client = ChatClient(server.base_url, model="m")
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


# ------------------------------------------------------------------ the client
def test_client_posts_an_openai_chat_completion() -> None:
    with _answers({}) as server:
        with ChatClient(server.base_url, model="tiny", api_key="s3cret", max_tokens=50) as client:
            assert client.complete("Be brief.", "Say hi.\nhello") == "hello"
            assert client.complete("Be brief.", "Again.\nhello") == "hello"
        request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.payload["model"] == "tiny"
    assert request.payload["max_tokens"] == 50
    assert request.payload["temperature"] == 0.0
    assert [m["role"] for m in request.payload["messages"]] == ["system", "user"]


def test_a_base_url_ending_in_v1_is_not_doubled_and_no_key_sends_no_header() -> None:
    with _answers({}) as server:
        with ChatClient(server.base_url + "/v1/") as client:
            client.complete("s", "u")
        request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers
    assert "model" not in request.payload


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (Answer(b'{"error": "model crashed"}', status=500), "HTTP 500"),
        (Answer(b"<html>not json</html>"), "not a chat completion"),
        (Answer(b'{"choices": []}'), "not a chat completion"),
        (Answer(json.dumps({"choices": [{"message": {"content": 7}}]}).encode()), "no text"),
        (Answer(b"x" * 300_000), "exceeds"),
        (Answer.text("late"), "timed out"),
    ],
)
def test_client_failures_raise_llm_error_without_the_key(answer: Answer, message: str) -> None:
    slow = Answer(answer.body, answer.status, delay=1.5) if message == "timed out" else answer
    with (
        ChatServer(lambda _request: slow) as server,
        ChatClient(server.base_url, api_key="s3cret", timeout=0.5) as client,
        pytest.raises(LLMError, match=message) as caught,
    ):
        client.complete("s", "u")
    assert "s3cret" not in str(caught.value)


def test_an_unreachable_endpoint_raises_llm_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        ChatClient(f"http://127.0.0.1:{port}", timeout=2) as client,
        pytest.raises(LLMError, match="unreachable"),
    ):
        client.complete("s", "u")


def test_settings_hide_the_key_and_build_the_client() -> None:
    settings = Settings(llm_base_url="http://127.0.0.1:9/", llm_model="m", llm_api_key="s3cret")
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())
    client = ChatClient.from_settings(settings)
    assert client.url == "http://127.0.0.1:9/v1/chat/completions"
    assert client.label == "llm:m"
    assert "s3cret" not in repr(client)
    with pytest.raises(ValueError):
        Settings(llm_base_url="file:///etc/passwd")


# ----------------------------------------------------------------- the checks
def test_a_faithful_rewrite_is_accepted_and_marked() -> None:
    fluent = "On Monday, President Biden signed the $1.2 trillion infrastructure bill."
    with _answers({"to rewrite:\n" + SOURCE: fluent}) as server:
        rewritten = rewrite_synthesis(_synthesis(), ARTICLES, _client(server))
    assert rewritten.lead[0].text == fluent and rewritten.lead[0].rewritten
    assert rewritten.omissions[0].fact is rewritten.lead[0]  # asked once, used twice
    assert rewritten.backend == "llm:m"
    assert rewritten.fallbacks == 0
    assert rewritten.headline == "Biden signs infrastructure bill"
    assert check_synthesis(rewritten, ARTICLES, [rewritten.headline]) == []


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Senator Manchin signed the $1.2 trillion infrastructure bill on Monday.", "name"),
        ("President Biden signed the $2 trillion infrastructure bill on Monday.", "number"),
        ("President Biden did not sign the infrastructure bill on Monday.", "negation"),
        ("Biden vetoed the bill after protests erupted across Ohio on Monday.", "content words"),
        ("", "empty"),
        (None, "empty"),
        ("**President Biden** signed the infrastructure bill on Monday.", "markup"),
        ("<script>alert(1)</script> Biden signed the bill on Monday.", "markup"),
        ("Biden signed the bill on Monday. " * 20, "characters"),
        ("President Biden signed the\n\ninfrastructure bill on Monday.", "paragraph"),
        ("Did President Biden sign the infrastructure bill on Monday?", "statement"),
        ("President Biden signed the infrastructure bill on", "end a sentence"),
    ],
)
def test_unsupported_or_hostile_rewrites_fall_back_and_are_logged(
    answer: str | None, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    original = _synthesis()
    with _answers({"to rewrite:\n" + SOURCE: answer}) as server, caplog.at_level(logging.INFO):
        rewritten = rewrite_synthesis(original, ARTICLES, _client(server))
    assert rewritten.lead[0] == original.lead[0] and not rewritten.lead[0].rewritten
    assert rewritten.fallbacks == 1
    assert rewritten.backend == "extractive"
    rejections = [r.getMessage() for r in caplog.records if "rejected, kept" in r.getMessage()]
    assert len(rejections) == 1 and reason in rejections[0]


def test_a_rewrite_more_loaded_than_its_source_falls_back() -> None:
    fluent = "On Monday, President Biden signed the $1.2 trillion infrastructure bill."
    with _answers({"to rewrite:\n" + SOURCE: fluent}) as server:
        client = _client(server)
        calm = Rewriter(client, scorer=lambda texts: [0.25 for _ in texts])
        loaded = Rewriter(client, scorer=lambda texts: [0.9 for _ in texts])
        kept = calm.rewrite(_synthesis(), ARTICLES)
        dropped = loaded.rewrite(_synthesis(), ARTICLES)
    assert kept.lead[0].rewritten and kept.lead[0].bias == 0.25
    assert not dropped.lead[0].rewritten and dropped.lead[0].bias == 0.2
    assert dropped.omissions[0].fact == dropped.lead[0]
    assert (calm.counts.accepted, loaded.counts.accepted, loaded.counts.rejected) == (1, 0, 1)


def test_assessment_and_questions_must_keep_every_number_and_name() -> None:
    kept = "About 58% of the text reads as loaded: coverage scores 58/100."
    lost = "About half of the text reads as loaded."
    question = "Why do right-leaning outlets call the bill a spending spree?"
    with _answers({TEMPLATE: kept, QUESTION: question}) as server:
        good = rewrite_synthesis(_synthesis(), ARTICLES, _client(server))
    with _answers({TEMPLATE: lost, QUESTION: "Right-leaning outlets call it a spree."}) as server:
        bad = rewrite_synthesis(_synthesis(), ARTICLES, _client(server))
    assert good.assessment[0].text == kept
    assert good.questions[0].text == question  # given back as it was: unchanged
    assert bad.assessment[0].text == TEMPLATE and bad.questions[0].text == QUESTION
    assert bad.fallbacks == 2 and bad.backend == "extractive"


def test_the_given_synthesis_is_never_modified() -> None:
    original = _synthesis()
    before = repr(original)
    with _answers({"to rewrite:\n" + SOURCE: "Biden signed the bill on Monday."}) as server:
        rewrite_synthesis(original, ARTICLES, _client(server))
    assert repr(original) == before


def test_an_endpoint_failure_mid_story_raises() -> None:
    with ChatServer(lambda _r: Answer(b"overloaded", status=503)) as server:
        with pytest.raises(LLMError, match="503"):
            rewrite_synthesis(_synthesis(), ARTICLES, _client(server))
        assert len(server.requests) == 1  # no retries
