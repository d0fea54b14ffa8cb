from __future__ import annotations

from plumbline.ingest.dedupe import (
    canonical_url,
    content_hash,
    hostname,
    jaccard,
    minhash_bytes,
    parent_domains,
)

TEXT = (
    "The Senate passed the bill on Tuesday by a vote of 52 to 48, sending it to the House, "
    "where leaders said they expected a vote later this week after months of negotiation."
)


def test_canonical_url_drops_tracking_and_fragments() -> None:
    assert canonical_url("HTTPS://WWW.Example.com/a/b/?utm_source=rss&id=3#top") == (
        "https://www.example.com/a/b?id=3"
    )


def test_hostname_and_parents() -> None:
    assert hostname("http://www1.cbn.com/x") == "cbn.com"
    assert hostname("nytimes.com") == "nytimes.com"
    assert parent_domains("a.blogs.cnn.com") == ["a.blogs.cnn.com", "blogs.cnn.com", "cnn.com"]


def test_content_hash_ignores_spacing_case_and_punctuation() -> None:
    assert content_hash("Title", TEXT) == content_hash("TITLE ", TEXT.replace(",", " ,  "))
    assert content_hash("Title", TEXT) != content_hash("Title", TEXT + " More.")


def test_minhash_finds_wire_copies_but_not_other_stories() -> None:
    copy = "By The Associated Press. " + TEXT + " Copyright 2020."
    other = "A storm knocked out power to thousands of homes along the coast on Monday night."
    assert jaccard(minhash_bytes(TEXT), minhash_bytes(copy)) > 0.6
    assert jaccard(minhash_bytes(TEXT), minhash_bytes(other)) < 0.2
