"""Server-rendered SVG charts: numbers in, coordinates out; the templates draw them and
always give a text alternative (a caption and a data table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from plumbline.analysis.timeline import settled
from plumbline.models import DietWeek, StoryTimeline

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


@dataclass(frozen=True, slots=True)
class SideSeries:
    side: str  # left / center / right / unrated
    path: str  # SVG step path of the side's articles so far
    total: int  # its articles at the end


@dataclass(frozen=True, slots=True)
class TimelineChart:
    """A story's coverage over time: articles so far by side (step lines, y = count) and
    the coverage score so far (a second panel, y = 0-100)."""

    series: list[SideSeries]
    score_path: str  # "" without scores
    marks: list[tuple[float, str]]  # x of each side's joining, and the side
    top: int  # the count at the top of the articles panel
    start: datetime
    end: datetime
    width: int = WIDTH
    height: int = HEIGHT
    score_height: int = 110

    def count_y(self, count: float) -> float:
        inner = self.height - PAD_TOP - PAD_BOTTOM
        return round(PAD_TOP + inner * (1 - count / self.top), 1)

    def score_y(self, score: float) -> float:
        inner = self.score_height - PAD_TOP - PAD_BOTTOM
        return round(PAD_TOP + inner * (1 - max(0.0, min(100.0, score)) / 100), 1)


def timeline_chart(timeline: StoryTimeline) -> TimelineChart | None:
    """The story page's coverage chart, or None with fewer than two articles or when they
    all arrived at the same moment (the list says it then)."""
    steps = timeline.steps
    if len(steps) < 2:
        return None
    start, end = steps[0].when, steps[-1].when
    # a date without a time covers its whole day: the axis runs to the end of the last day,
    # so the articles of that day show as a step, not as a jump at the right edge
    axis_end = end + timedelta(days=1) if steps[-1].day_only else end
    if end <= start:
        return None
    span = (axis_end - start).total_seconds()
    inner = WIDTH - PAD_LEFT - PAD_RIGHT

    def x(when: datetime) -> float:
        return round(PAD_LEFT + inner * (when - start).total_seconds() / span, 1)

    sides = ("left", "center", "right", "unrated")
    final = steps[-1].articles
    top = max(1, max(getattr(final, side) for side in sides))
    chart = TimelineChart([], "", [], top, start, end)
    series: list[SideSeries] = []
    for side in sides:
        total = getattr(final, side)
        if not total:
            continue
        points: list[str] = []
        count = 0
        for step in steps:
            now = getattr(step.articles, side)
            if now != count or not points:
                sx = x(step.when)
                if points:  # hold the old count until this moment, then step up
                    points.append(f"L{sx},{chart.count_y(count)}")
                points.append(f"{'L' if points else 'M'}{sx},{chart.count_y(now)}")
                count = now
        points.append(f"L{x(axis_end)},{chart.count_y(count)}")
        series.append(SideSeries(side, " ".join(points), total))
    scored = [(x(s.when), s.coverage_score) for s in settled(steps) if s.coverage_score is not None]
    score_path = ""
    if scored:
        score_path = "M" + " L".join(f"{sx},{chart.score_y(v)}" for sx, v in scored)
    marks = [(x(j.when), j.side.value) for j in timeline.sides]
    return TimelineChart(series, score_path, marks, top, start, end)


@dataclass(frozen=True, slots=True)
class DietBar:
    """One week of a reader's diet: a column split by side (shares of that week's weight)."""

    week: DietWeek
    x: float
    width: float
    parts: list[tuple[str, float, float]]  # side, y, height


@dataclass(frozen=True, slots=True)
class DietChart:
    bars: list[DietBar]
    width: int = WIDTH
    height: int = HEIGHT

    def y(self, share: float) -> float:
        inner = self.height - PAD_TOP - PAD_BOTTOM
        return round(PAD_TOP + inner * (1 - share), 1)


def diet_chart(weeks: Sequence[DietWeek]) -> DietChart | None:
    """The diet page's weekly chart: one column per week with reading, each split into
    left / center / right by that week's share; None without any rated reading."""
    shown = [w for w in weeks if w.left + w.center + w.right > 0][-26:]
    if not shown:
        return None
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    slot = inner_w / len(shown)
    width = round(min(slot * 0.8, 48.0), 1)
    chart = DietChart([])
    bars = []
    for i, week in enumerate(shown):
        total = week.left + week.center + week.right
        top = 0.0
        parts = []
        for side in ("left", "center", "right"):
            share = getattr(week, side) / total
            if share > 0:
                y0, y1 = chart.y(top), chart.y(top + share)
                parts.append((side, y1, round(y0 - y1, 1)))
                top += share
        x = round(PAD_LEFT + slot * i + (slot - width) / 2, 1)
        bars.append(DietBar(week, x, width, parts))
    return DietChart(bars)
