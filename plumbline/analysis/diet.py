"""A reader's news diet: which stories they read and which articles they opened on the site,
by side, outlet and topic over time; the sides and topics they rarely read; and the stories
they read that the side they read least covered too ("the other side").

A story read counts once, split between the sides by its outlets (a story covered by two
left and one right outlet adds 2/3 to left and 1/3 to right): reading it on Plumbline shows
every side, so what the diet measures is which stories a reader picks. An article opened
counts once for its outlet's side. Unrated outlets count for no side."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from plumbline.analysis.topic_names import topic_label
from plumbline.models import (
    ArticleRecord,
    DietOutlet,
    DietSide,
    DietTopic,
    DietWeek,
    Lean,
    NewsDiet,
    OtherSide,
    StorySummary,
)

SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
RARE_SHARE = 0.15  # a side under this share of the diet is one the reader rarely reads
BALANCED_SHARE = 0.25  # when even the least-read side has this much, nothing is suggested
MIN_WEIGHT = 3.0  # below this much reading, no side is called rare
RARE_TOPIC_SITE_SHARE = 0.04  # topics at least this common on the site ...
RARE_TOPIC_RATIO = 1 / 3  # ... that the reader reads at under a third of the site's rate
OTHER_SIDE_STORIES = 8
TOP_OUTLETS = 12
RECENT_STORIES = 10


def side_weights(story: StorySummary) -> dict[Lean, float]:
    """How one story read splits between the sides, by its rated outlets."""
    mix = story.lean_mix
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    total = sum(counts.values())
    return {side: count / total for side, count in counts.items()} if total else {}


def news_diet(
    reads: Sequence[tuple[StorySummary, datetime]],
    opened: Sequence[tuple[ArticleRecord, datetime]],
    site_topics: Mapping[str, int],
    recording: str,
) -> NewsDiet:
    """The diet of `reads` (stories read, when) and `opened` (articles opened, when);
    `site_topics` is the site's story count per topic, to tell rarely read topics."""
    weight: dict[Lean, float] = dict.fromkeys(SIDES, 0.0)
    stories: Counter[Lean] = Counter()
    opened_by_side: Counter[Lean] = Counter()
    weeks: dict[date, dict[str, float]] = {}

    def week_of(when: datetime) -> dict[str, float]:
        monday = when.date() - timedelta(days=when.weekday())
        return weeks.setdefault(
            monday, {"stories": 0, "opened": 0, "left": 0.0, "center": 0.0, "right": 0.0}
        )

    for story, when in reads:
        row = week_of(when)
        row["stories"] += 1
        for side, share in side_weights(story).items():
            weight[side] += share
            row[side.value] += share
            stories[side] += share > 0
    outlets: dict[str, DietOutlet] = {}
    for article, when in opened:
        row = week_of(when)
        row["opened"] += 1
        side = article.outlet_lean
        if side in SIDES:
            weight[side] += 1
            opened_by_side[side] += 1
            row[side.value] += 1
        if article.outlet_slug:
            known = outlets.get(article.outlet_slug)
            outlets[article.outlet_slug] = DietOutlet(
                article.outlet_slug,
                article.outlet_name or article.outlet_slug,
                side,
                (known.opened if known else 0) + 1,
            )
    total = sum(weight[s] for s in SIDES)
    sides = [
        DietSide(
            side,
            round(weight[side], 2),
            weight[side] / total if total else 0.0,
            stories[side],
            opened_by_side[side],
        )
        for side in SIDES
    ]
    rare = [s.side for s in sides if total >= MIN_WEIGHT and s.share < RARE_SHARE]
    topics = _topics([story for story, _when in reads], site_topics)
    least = min(sides, key=lambda s: (s.share, SIDES.index(s.side)))
    other: list[OtherSide] = []
    if total >= MIN_WEIGHT and least.share < BALANCED_SHARE:
        latest_first = sorted(reads, key=lambda r: r[1], reverse=True)
        for story, _when in latest_first:
            count = getattr(story.lean_mix, least.side.value)
            if count:
                other.append(OtherSide(story, least.side, count))
            if len(other) >= OTHER_SIDE_STORIES:
                break
    times = [when for _s, when in reads] + [when for _a, when in opened]
    diet = NewsDiet(
        recording=recording,
        stories_read=len(reads),
        articles_opened=len(opened),
        first=min(times) if times else None,
        last=max(times) if times else None,
        sides=sides,
        outlets=sorted(outlets.values(), key=lambda o: (-o.opened, o.name))[:TOP_OUTLETS],
        topics=topics,
        weeks=[
            DietWeek(
                monday,
                int(row["stories"]),
                int(row["opened"]),
                round(row["left"], 2),
                round(row["center"], 2),
                round(row["right"], 2),
            )
            for monday, row in sorted(weeks.items())
        ],
        rare_sides=rare,
        rare_topics=_rare_topics(topics, site_topics) if len(reads) >= MIN_WEIGHT else [],
        other_side=other,
        summary="",
        recent=[story for story, _when in sorted(reads, key=lambda r: r[1], reverse=True)][
            :RECENT_STORIES
        ],
    )
    diet.summary = describe(diet)
    return diet


def _topics(reads: Sequence[StorySummary], site_topics: Mapping[str, int]) -> list[DietTopic]:
    counts = Counter(topic for story in reads for topic in dict.fromkeys(story.topics))
    tags, site_total = sum(counts.values()), sum(site_topics.values())
    return [
        DietTopic(
            slug,
            topic_label(slug) or slug,
            count,
            count / tags,
            site_topics.get(slug, 0) / site_total if site_total else 0.0,
        )
        for slug, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if topic_label(slug)
    ]


def _rare_topics(read: list[DietTopic], site_topics: Mapping[str, int]) -> list[DietTopic]:
    """Topics common on the site that the reader reads at under a third of the site's rate
    (or not at all), the most common on the site first."""
    site_total = sum(site_topics.values())
    if not site_total:
        return []
    mine = {t.slug: t for t in read}
    found = []
    for slug, count in sorted(site_topics.items(), key=lambda kv: (-kv[1], kv[0])):
        label = topic_label(slug)
        site_share = count / site_total
        if label is None or site_share < RARE_TOPIC_SITE_SHARE:
            continue
        share = mine[slug].share if slug in mine else 0.0
        if share < site_share * RARE_TOPIC_RATIO:
            found.append(DietTopic(slug, label, mine[slug].stories if slug in mine else 0,
                                   share, site_share))  # fmt: skip
    return found[:5]


def describe(diet: NewsDiet) -> str:
    """The diet in two or three plain sentences."""
    if not diet.stories_read and not diet.articles_opened:
        return "Nothing read yet."
    parts = [
        f"{diet.stories_read} stor{'y' if diet.stories_read == 1 else 'ies'} read and "
        f"{diet.articles_opened} article{'' if diet.articles_opened == 1 else 's'} opened."
    ]
    rated = [s for s in diet.sides if s.weight]
    if rated:
        shares = ", ".join(f"{s.side.value} {round(100 * s.share)}%" for s in diet.sides)
        parts.append(f"By side: {shares}.")
    rare = [s for s in diet.sides if s.side in diet.rare_sides]
    if rare:
        names = " and ".join(f"{s.side.value}-leaning outlets ({round(100 * s.share)}%)"
                             for s in rare)  # fmt: skip
        parts.append(f"Little of your reading is from {names}.")
    return " ".join(parts)
