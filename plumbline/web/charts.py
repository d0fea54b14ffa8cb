"""Server-rendered SVG charts: numbers in, coordinates out; the templates draw them and
always give a text alternative (a caption and a data table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

WIDTH, HEIGHT = 600, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 8, 24


@dataclass(frozen=True, slots=True)
class WeekScore:
    week: date  # Monday of the ISO week
    mean: float  # mean article bias score, 0-100
    n: int


@dataclass(frozen=True, slots=True)
class HistoryChart:
    weeks: list[WeekScore]
    points: list[tuple[float, float, WeekScore]]  # x, y, the week
    path: str  # SVG path through the points
    width: int = WIDTH
    height: int = HEIGHT

    def y(self, score: float) -> float:
        return _y(score)


def weekly_scores(scores: Sequence[tuple[datetime, float]]) -> list[WeekScore]:
    """Mean bias score per ISO week, oldest first."""
    weeks: dict[date, list[float]] = {}
    for when, score in scores:
        day = when.date()
        weeks.setdefault(day - timedelta(days=day.weekday()), []).append(score)
    return [WeekScore(week, round(fmean(v), 1), len(v)) for week, v in sorted(weeks.items())]


def history_chart(scores: Sequence[tuple[datetime, float]]) -> HistoryChart | None:
    """The outlet page's score-history chart, or None with fewer than two weeks."""
    weeks = weekly_scores(scores)
    if len(weeks) < 2:
        return None
    span = (weeks[-1].week - weeks[0].week).days or 1
    inner = WIDTH - PAD_LEFT - PAD_RIGHT
    points = [
        (round(PAD_LEFT + inner * (w.week - weeks[0].week).days / span, 1), _y(w.mean), w)
        for w in weeks
    ]
    path = "M" + " L".join(f"{x},{y}" for x, y, _w in points)
    return HistoryChart(weeks, points, path)


def _y(score: float) -> float:
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return round(PAD_TOP + inner * (1 - max(0.0, min(100.0, score)) / 100), 1)
