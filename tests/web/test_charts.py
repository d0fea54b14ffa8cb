from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plumbline.web.charts import HEIGHT, history_chart, weekly_scores

MONDAY = datetime(2024, 3, 4, 9, tzinfo=UTC)


def test_scores_average_per_iso_week() -> None:
    scores = [
        (MONDAY, 10.0),
        (MONDAY + timedelta(days=6), 30.0),
        (MONDAY + timedelta(days=7), 50.0),
    ]
    weeks = weekly_scores(scores)
    assert [(w.week.isoformat(), w.mean, w.n) for w in weeks] == [
        ("2024-03-04", 20.0, 2),
        ("2024-03-11", 50.0, 1),
    ]


def test_chart_needs_two_weeks_and_maps_scores_to_height() -> None:
    assert history_chart([(MONDAY, 40.0)]) is None
    chart = history_chart([(MONDAY, 0.0), (MONDAY + timedelta(days=14), 100.0)])
    assert chart is not None
    (x0, y0, _), (x1, y1, _) = chart.points
    assert x0 < x1 and y0 > y1  # higher scores are drawn higher up
    assert 0 <= y1 < y0 <= HEIGHT
    assert chart.path.startswith("M") and " L" in chart.path


def test_out_of_range_scores_are_clipped() -> None:
    chart = history_chart([(MONDAY, -20.0), (MONDAY + timedelta(days=7), 250.0)])
    assert chart is not None
    assert chart.points[0][1] == chart.y(0) and chart.points[1][1] == chart.y(100)


def test_timeline_chart_draws_each_side_and_the_score() -> None:
    from plumbline.analysis.timeline import story_timeline
    from plumbline.models import Lean
    from plumbline.web.charts import timeline_chart
    from tests.analysis.test_timeline import article

    articles = [
        article(1, "a", Lean.LEFT, 0, 20.0),
        article(2, "b", Lean.LEFT, 5, 30.0),
        article(3, "c", Lean.RIGHT, 24, 70.0),
    ]
    chart = timeline_chart(story_timeline(7, "s", articles))
    assert chart is not None
    assert [(s.side, s.total) for s in chart.series] == [("left", 2), ("right", 1)]
    assert [side for _x, side in chart.marks] == ["left", "right"]
    left = chart.series[0].path
    assert left.startswith("M36.0,") and left.count("L") >= 3  # steps up, then holds
    assert chart.count_y(chart.top) < chart.count_y(0)
    assert chart.score_path.startswith("M") and chart.score_path.count("L") == 2
    # one article, or every article at the same moment: no chart (the list says it)
    assert timeline_chart(story_timeline(7, "s", articles[:1])) is None
    same = [article(1, "a", Lean.LEFT, 0), article(2, "b", Lean.RIGHT, 0)]
    assert timeline_chart(story_timeline(7, "s", same)) is None
