"""The `plumbline analyze` contract, exactly as documented in the issue."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plumbline.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()

ARTICLE = (
    "The city council approved the new budget on Tuesday by a vote of seven to two. "
    "The plan raises spending on road repairs by four percent and adds two bus routes. "
    "Critics blasted the reckless, wasteful scheme as a disgraceful giveaway to cronies. "
    "The mayor will sign the budget next week, according to her office."
)


def test_jsonl_gives_one_line_per_input_with_the_contract_keys() -> None:
    lines = [
        {"id": "a", "title": "Council passes budget", "text": ARTICLE},
        {"id": 7, "title": "Short", "text": "Too short."},
    ]
    stdin = "".join(json.dumps(x) + "\n" for x in lines)
    result = runner.invoke(app, ["analyze", "--jsonl", "-"], input=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", 7]
    first = out[0]
    assert set(first) == {"id", "bias_score", "lean", "sentences", "loaded_phrases"}
    assert 0 <= first["bias_score"] <= 100
    assert set(first["lean"]) == {"left", "center", "right"}
    assert abs(sum(first["lean"].values()) - 1) < 1e-3
    assert all(set(s) == {"text", "bias"} and 0 <= s["bias"] <= 1 for s in first["sentences"])
    assert any("reckless" in p or "disgraceful" in p for p in first["loaded_phrases"])
    assert out[1]["bias_score"] is None  # not enough text


def test_jsonl_file_with_bad_lines_reports_them_in_order(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"id": 1, "title": "T", "text": "'
        + ARTICLE
        + '"}\nnot json\n[1]\n\n{"id": 2, "text": 5}\n'
    )
    result = runner.invoke(app, ["analyze", "--jsonl", str(path)])
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4
    assert out[0]["id"] == 1 and "bias_score" in out[0]
    assert "error" in out[1] and "error" in out[2]
    assert out[3]["id"] == 2 and "error" in out[3]


def test_plain_text_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE)
    from_file = json.loads(runner.invoke(app, ["analyze", str(path)]).stdout)
    from_stdin = json.loads(runner.invoke(app, ["analyze", "-"], input=ARTICLE).stdout)
    assert from_file == from_stdin
    assert set(from_file) == {"id", "bias_score", "lean", "sentences", "loaded_phrases"}
    assert from_file["id"] is None


def test_analyze_needs_exactly_one_input() -> None:
    assert runner.invoke(app, ["analyze"]).exit_code == 2
    assert runner.invoke(app, ["analyze", "x.txt", "--jsonl", "y.jsonl"]).exit_code == 2


def test_an_oversized_line_is_one_error_and_later_lines_keep_their_numbers(
    tmp_path: Path,
) -> None:
    from plumbline.ingest.importers import MAX_LINE_BYTES

    huge = json.dumps({"id": "huge", "title": "T", "text": "x" * (MAX_LINE_BYTES + 10)})
    path = tmp_path / "in.jsonl.gz"
    lines = [huge, "{not json", json.dumps({"id": "ok", "title": "Title", "text": ARTICLE})]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))  # compressed input too
    result = runner.invoke(app, ["analyze", "--jsonl", str(path)])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o.get("error", "")[:7]) for o in out] == [
        (None, "line 1:"),
        (None, "line 2:"),
        ("ok", ""),
    ]
    assert "longer than" in out[0]["error"] and "not valid JSON" in out[1]["error"]
