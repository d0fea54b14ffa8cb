"""`plumbline synthesize FILE|-`: one write-up per distinct story, in the contract's shape."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from plumbline.cli import app
from tests.plumbline_fixtures import demo_lines
from tests.test_story_restructure import FED, VOLCANO

CONTRACT_KEYS = {
    "story",
    "headline",
    "lead",
    "sections",
    "bias_score",
    "assessment",
    "questions",
    "omissions",
}


def _lines(records: list[dict[str, object]], story: str) -> list[str]:
    return [json.dumps({**r, "story": story}) for r in records]


def _run(tmp_path: Path, lines: list[str]) -> tuple[list[dict[str, object]], str]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["synthesize", str(source)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_one_line_per_story_with_sources_named_by_input_id(tmp_path: Path) -> None:
    real = [
        {"id": str(r["ID"]), "title": r["title"], "text": r["content_original"],
         "outlet": r["source"]}
        for r in demo_lines(("2020-06-02",))[:4]
    ]  # fmt: skip
    out, _ = _run(tmp_path, _lines(real, "real") + _lines(FED, "fed"))
    assert [o["story"] for o in out] == ["real", "fed"]
    line = out[0]
    cited = [
        source
        for section in line["sections"]  # type: ignore[attr-defined]
        for sentence in section["sentences"]
        for source in sentence["sources"]
    ]
    assert set(cited) <= {r["id"] for r in real}  # four unrelated articles: maybe a lead alone
    for story, records in (("real", real), ("fed", FED)):
        line = next(o for o in out if o["story"] == story)
        assert set(line) >= CONTRACT_KEYS
        assert line["headline"] in {r["title"] for r in records}  # never invented
        assert isinstance(line["lead"], str) and line["lead"]
        assert isinstance(line["questions"], list) and isinstance(line["omissions"], list)
        assert line["bias_score"] is None or 0 <= float(line["bias_score"]) <= 100  # type: ignore[arg-type]


def test_every_sentence_is_a_source_sentence(tmp_path: Path) -> None:
    out, _ = _run(tmp_path, _lines(VOLCANO, "v"))
    texts = " ".join(str(r["text"]) for r in VOLCANO)
    for section in out[0]["sections"]:  # type: ignore[attr-defined]
        for sentence in section["sentences"]:
            assert sentence["text"].rstrip(".") in texts


def test_unusable_lines_are_reported_and_the_rest_written(tmp_path: Path) -> None:
    lines = [
        *_lines(FED, "fed"),
        json.dumps({"id": "no-story", "title": "A title", "text": "Some text."}),
        json.dumps({"id": "empty", "title": "", "text": "", "story": "fed"}),
        "not json",
        json.dumps({"id": "x", "title": "<script>alert(1)</script>", "text": "", "story": "s"}),
    ]
    out, errors = _run(tmp_path, lines)
    assert [o["story"] for o in out] == ["fed", "s"]
    assert 'line 3: needs a "story"' in errors
    assert "line 4: needs a title or a text" in errors
    assert "line 5: not valid JSON" in errors


def test_standard_input_and_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synthesize", "-"], input="\n".join(_lines(FED, "f")))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["story"] == "f"
    missing = CliRunner().invoke(app, ["synthesize", str(tmp_path / "absent.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
