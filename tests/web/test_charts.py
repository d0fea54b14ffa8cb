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
