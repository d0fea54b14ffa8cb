"""The `plumbline analyze` output: one JSON object per article."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from plumbline.analysis.article import ArticleAnalyzer
from plumbline.ingest.importers import MAX_TEXT_CHARS, JsonLine, read_json_lines

BATCH = 32


def analysis_json(item_id: Any, analyzer: ArticleAnalyzer, title: str, text: str) -> dict[str, Any]:
    return _to_json(item_id, analyzer.analyze([(title, text)])[0].analysis)


def _to_json(item_id: Any, analysis: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "bias_score": analysis.bias_score,
        "lean": {
            "left": analysis.lean.left,
            "center": analysis.lean.center,
            "right": analysis.lean.right,
        },
        "sentences": [{"text": s.text, "bias": s.bias} for s in analysis.sentences],
        "loaded_phrases": [p.text for p in analysis.loaded_phrases],
    }


def analyze_text(analyzer: ArticleAnalyzer, title: str, text: str) -> dict[str, Any]:
    """The same object as a --jsonl line, for one plain-text article (its id is null)."""
    return analysis_json(None, analyzer, title, text[:MAX_TEXT_CHARS])


def analyze_stream(analyzer: ArticleAnalyzer, stream: IO[bytes]) -> Iterator[dict[str, Any]]:
    """One result per non-blank input line, in order; a bad line gives {"id", "error"}."""
    pending: list[tuple[Any, str, str]] = []
    out: list[dict[str, Any] | None] = []

    def flush() -> Iterator[dict[str, Any]]:
        results = analyzer.analyze([(t, x) for _i, t, x in pending]) if pending else []
        it = iter(zip(pending, results, strict=True))
        for slot in out:
            if slot is None:
                (item_id, _t, _x), result = next(it)
                yield _to_json(item_id, result.analysis)
            else:
                yield slot
        pending.clear()
        out.clear()

    for line in read_json_lines(stream):
        parsed = _parse(line)
        if isinstance(parsed, dict):
            out.append(parsed)
        else:
            pending.append(parsed)
            out.append(None)
        if len(pending) >= BATCH:
            yield from flush()
    yield from flush()


def _parse(line: JsonLine) -> tuple[Any, str, str] | dict[str, Any]:
    number, data = line.number, line.data
    if data is None:
        return {"id": None, "error": f"line {number}: {line.error}"}
    item_id = data.get("id")
    title, text = data.get("title") or "", data.get("text") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        return {"id": item_id, "error": f"line {number}: title and text must be strings"}
    return item_id, title[:1000], text[:MAX_TEXT_CHARS]
