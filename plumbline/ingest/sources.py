"""Outlets and their feeds: the packaged table, OPML import and export, validation."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from plumbline.errors import InvalidInput
from plumbline.ingest.dedupe import hostname
from plumbline.models import Lean, Outlet

MAX_OPML_BYTES = 2_000_000
MAX_OUTLETS_PER_OPML = 5_000
_SLUG = re.compile(r"[^a-z0-9]+")


def slug_for(name: str) -> str:
    """The URL slug of an outlet name: accents dropped ("Mitú" -> "mitu"); a name with no
    Latin letter or digit ("新华社") gets "outlet-" and a digest of the name."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG.sub("-", plain.lower()).strip("-")[:80].rstrip("-")
    if slug:
        return slug
    if not name.strip():
        raise InvalidInput("an outlet needs a name")
    return "outlet-" + hashlib.sha256(name.strip().encode("utf-8")).hexdigest()[:10]


def check_url(url: str, what: str = "URL") -> str:
    """An absolute http(s) URL, stripped; InvalidInput otherwise."""
    url = url.strip()
    if len(url) > 1000 or not re.match(r"^https?://[^\s/?#]+[^\s]*$", url, re.IGNORECASE):
        raise InvalidInput(f"{what} must be an absolute http(s) URL: {url[:200]!r}")
    return url


def outlet_from_dict(data: dict[str, Any]) -> Outlet:
    return Outlet(
        slug=str(data["slug"]),
        name=str(data["name"]),
        homepage=str(data.get("homepage", "")),
        feeds=[str(f) for f in data.get("feeds", [])],
        country=str(data.get("country", "")),
        lean=Lean(data.get("lean", "unrated")),
        lean_source=str(data.get("lean_source", "")),
        domains=[str(d) for d in data.get("domains", [])],
    )


@functools.cache
def packaged_outlets() -> tuple[Outlet, ...]:
    """The default outlet table shipped with Plumbline (plumbline/data/outlets.json)."""
    text = resources.files("plumbline").joinpath("data", "outlets.json").read_text("utf-8")
    return tuple(outlet_from_dict(item) for item in json.loads(text))


@functools.cache
def abp_domain_leans() -> dict[str, tuple[str, Lean, int]]:
    """Domain -> (name, majority lean, articles) from Article-Bias-Prediction's labels, for
    outlets that appear in imported data but not in the table."""
    text = resources.files("plumbline").joinpath("data", "abp_outlet_leans.json").read_text("utf-8")
    return {
        domain: (str(v["name"]), Lean(v["lean"]), int(v["articles"]))
        for domain, v in json.loads(text).items()
    }


def new_outlet(name: str, homepage: str, feeds: Iterable[str] = (), country: str = "") -> Outlet:
    """A user-added outlet, validated; its lean is 'unrated' until learned."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("an outlet needs a name of 1-200 characters")
    homepage = check_url(homepage, "home page")
    feed_urls = [check_url(f, "feed URL") for f in feeds]
    domains = sorted({hostname(homepage), *(hostname(f) for f in feed_urls)} - {""})
    return Outlet(slug_for(name), name, homepage, feed_urls, country.upper()[:8], domains=domains)


def parse_opml(content: bytes) -> list[Outlet]:
    """Outlets from an OPML file: each outline with an xmlUrl is a feed; feeds are grouped
    by their outline's title (or host). Hostile XML (entities, DTDs) is refused."""
    if len(content) > MAX_OPML_BYTES:
        raise InvalidInput(f"OPML file is larger than {MAX_OPML_BYTES:,} bytes")
    try:
        root = SafeET.fromstring(content, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError) as exc:
        raise InvalidInput(f"not a valid OPML file: {exc}") from exc
    if root.tag.lower() != "opml":
        raise InvalidInput(f"not an OPML file: root element is <{root.tag}>")
    outlets: dict[str, Outlet] = {}
    errors: list[str] = []
    for outline in root.iter("outline"):
        feed = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not feed:
            continue
        try:
            feed = check_url(feed, "feed URL")
            homepage = check_url(outline.get("htmlUrl") or _home_of(feed), "home page")
        except InvalidInput as exc:
            errors.append(exc.message)
            continue
        name = (outline.get("title") or outline.get("text") or hostname(homepage)).strip()[:200]
        slug = slug_for(name)
        outlet = outlets.get(slug)
        if outlet is None:
            outlet = new_outlet(name, homepage)
            lean = (outline.get("category") or "").strip().lower()
            if lean in {x.value for x in Lean}:
                outlet.lean, outlet.lean_source = Lean(lean), "OPML category"
            outlets[slug] = outlet
        if feed not in outlet.feeds:
            outlet.feeds.append(feed)
            outlet.domains = sorted({*outlet.domains, hostname(feed)})
        if len(outlets) > MAX_OUTLETS_PER_OPML:
            raise InvalidInput(f"OPML file lists more than {MAX_OUTLETS_PER_OPML} outlets")
    if not outlets:
        detail = f" ({errors[0]})" if errors else ""
        raise InvalidInput(f"the OPML file lists no usable feeds{detail}")
    return list(outlets.values())


def _home_of(feed: str) -> str:
    host = hostname(feed)
    scheme = feed.split(":", 1)[0].lower()
    return f"{scheme}://{host}/"


def to_opml(outlets: Iterable[Outlet], title: str = "Plumbline sources") -> bytes:
    """OPML 2.0 with one outline per feed, titled by outlet, lean as its category."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    body = SubElement(root, "body")
    for outlet in outlets:
        for feed in outlet.feeds:
            SubElement(
                body,
                "outline",
                type="rss",
                text=outlet.name,
                title=outlet.name,
                xmlUrl=feed,
                htmlUrl=outlet.homepage,
                category=outlet.lean.value,
            )
    body_bytes: bytes = tostring(root, encoding="unicode").encode("utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body_bytes
