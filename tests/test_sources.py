from __future__ import annotations

import re

import pytest

from plumbline.errors import InvalidInput
from plumbline.ingest.sources import new_outlet, packaged_outlets, parse_opml, slug_for, to_opml
from plumbline.models import Lean


def test_packaged_table_has_sixty_outlets_on_every_side() -> None:
    outlets = packaged_outlets()
    assert len(outlets) >= 60
    leans = [o.lean for o in outlets]
    for side in (Lean.LEFT, Lean.CENTER, Lean.RIGHT):
        assert leans.count(side) >= 15
    for outlet in outlets:
        assert outlet.feeds and all(
            f.startswith("https://") or f.startswith("http://") for f in outlet.feeds
        )
        assert outlet.country and outlet.homepage and outlet.domains
        if outlet.lean is not Lean.UNRATED:
            assert "article-bias-prediction" in outlet.lean_source


def test_opml_round_trip() -> None:
    outlet = new_outlet("Example News", "https://example.com/", ["https://example.com/rss.xml"])
    parsed = parse_opml(to_opml([outlet]))
    assert [(o.name, o.feeds) for o in parsed] == [
        ("Example News", ["https://example.com/rss.xml"])
    ]


def test_opml_groups_feeds_by_outlet_and_skips_bad_urls() -> None:
    opml = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
      <outline text="A" xmlUrl="https://a.example/1.xml"/>
      <outline text="A" xmlUrl="https://a.example/2.xml"/>
      <outline text="Bad" xmlUrl="javascript:alert(1)"/>
      <outline text="Folder"><outline text="B" xmlUrl="https://b.example/feed"/></outline>
    </body></opml>"""
    parsed = {o.name: o.feeds for o in parse_opml(opml)}
    assert parsed == {
        "A": ["https://a.example/1.xml", "https://a.example/2.xml"],
        "B": ["https://b.example/feed"],
    }


@pytest.mark.parametrize(
    "payload",
    [
        b"not xml at all",
        b"<html><body>hi</body></html>",
        b"<opml><body></body></opml>",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b'<opml><body><outline text="&lol2;" xmlUrl="https://x.example/f"/></body></opml>',
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&xxe;" xmlUrl="https://x.example/f"/></body></opml>',
        b"<opml>" + b"<outline text='x'/>" * 10 + b"</opml",
    ],
)
def test_hostile_or_malformed_opml_is_refused(payload: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_opml(payload)


def test_oversized_opml_is_refused() -> None:
    with pytest.raises(InvalidInput, match="larger"):
        parse_opml(b"<opml>" + b" " * 3_000_000 + b"</opml>")


@pytest.mark.parametrize(
    ("name", "homepage", "feeds"),
    [
        ("", "https://x.example/", []),
        ("X", "ftp://x.example/", []),
        ("X", "https://x.example/", ["not a url"]),
        ("X" * 300, "https://x.example/", []),
    ],
)
def test_new_outlet_validates(name: str, homepage: str, feeds: list[str]) -> None:
    with pytest.raises(InvalidInput):
        new_outlet(name, homepage, feeds)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("The Washington Post", "the-washington-post"),
        ("Mitú", "mitu"),
        ("Le Monde diplomatique — édition", "le-monde-diplomatique-edition"),
        ("Yahoo! News", "yahoo-news"),
    ],
)
def test_slugs_keep_latin_letters_without_accents(name: str, slug: str) -> None:
    assert slug_for(name) == slug


def test_a_name_without_latin_letters_gets_a_stable_slug() -> None:
    slug = slug_for("新华社")
    assert re.fullmatch(r"outlet-[0-9a-f]{10}", slug)
    assert slug_for(" 新华社 ") == slug and slug_for("人民日报") != slug
    with pytest.raises(InvalidInput):
        slug_for("  ")
