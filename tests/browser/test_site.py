"""The site in a real browser: Debian's Chromium driven by Playwright against a real
`plumbline serve` on a loopback port, with a real SMTP server (aiosmtpd) for the emails.
Consent flows, saved stories, the newsletter from subscribe to one-click unsubscribe,
sign-in by emailed link, search, accessibility (axe-core) and screenshots of the main
pages at phone and desktop width (saved under test-artifacts/screenshots)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings
from tests.mailserver import MailServer
from tests.plumbline_fixtures import database_url, demo_lines, jsonl
from tests.ports import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
DEMO_MORNING = datetime(2020, 6, 2, 12, tzinfo=UTC)  # the digest covers the demo day
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}


@dataclass
class Site:
    url: str
    settings: Settings
    mail: MailServer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Site]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/test-services.sh")
    folder = tmp_path_factory.mktemp("browser")
    with MailServer() as mail:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        database = database_url()
        env_settings = {
            "PLUMBLINE_DATA_DIR": str(folder),
            "PLUMBLINE_DATABASE_URL": database,
            "PLUMBLINE_SMTP_PORT": str(mail.port),
            "PLUMBLINE_PUBLIC_URL": url,
            "PLUMBLINE_DEFAULT_OUTLETS": "false",
        }
        settings = Settings(
            data_dir=folder,
            database_url=database,
            smtp_port=mail.port,
            public_url=url,
            default_outlets=False,
        )
        core = Plumbline(settings, embedder=embedder)
        core.init()
        core.import_articles(jsonl(demo_lines(("2020-06-02",))))
        core.process()
        core.close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "plumbline", "serve", "--port", str(port)],
            env={**os.environ, **env_settings},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_up(url, proc)
            yield Site(url, settings, mail)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(url + "/", timeout=2)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout and proc.poll() else ""
                raise RuntimeError(f"plumbline serve did not start: {output[-2000:]}") from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def _cookies(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies()}


def _first_story(page: Page, site: Site) -> str:
    page.goto(site.url + "/")
    href = page.locator(".story-card h2 a").first.get_attribute("href")
    assert href and href.startswith("/story/")
    return href


# --------------------------------------------------------------------- consent
def test_nothing_is_stored_before_consent_and_reject_keeps_it_so(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(site.url + "/")
    banner = page.get_by_role("region", name="Your choice about cookies")
    assert banner.is_visible()
    page.goto(site.url + _first_story(page, site))
    assert _cookies(context) == {}  # reading stores nothing
    accept = banner.get_by_role("button", name="Accept all")
    reject = banner.get_by_role("button", name="Reject all")
    customize = banner.get_by_role("link", name="Customize")
    sizes = [b.bounding_box() for b in (accept, reject, customize)]
    assert all(s is not None for s in sizes)
    heights = {round(s["height"]) for s in sizes if s}
    assert len(heights) == 1  # the same prominence
    reject.click()
    page.wait_for_load_state()
    assert not page.get_by_role("region", name="Your choice about cookies").count()
    cookies = _cookies(context)
    assert set(cookies) == {"pl_consent"} and ".00." in cookies["pl_consent"]


def test_accept_all_then_change_the_choice_from_the_footer(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(site.url + "/")
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_load_state()
    assert ".11." in _cookies(context)["pl_consent"]
    page.get_by_role("contentinfo").get_by_role("link", name="Cookie settings").click()
    page.get_by_label("Analytics").uncheck()
    page.get_by_label("Preferences").check()
    page.get_by_role("button", name="Save choices").click()
    page.wait_for_load_state()
    assert ".10." in _cookies(context)["pl_consent"]


def test_customize_allows_only_analytics(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    page.goto(site.url + "/")
    page.get_by_role("link", name="Customize").click()
    page.get_by_label("Analytics").check()
    page.get_by_role("button", name="Save choices").click()
    page.wait_for_load_state()
    assert ".01." in _cookies(context)["pl_consent"]
    assert "pl_theme" not in _cookies(context)


# -------------------------------------------------------------------- timeline
def test_story_timeline_and_new_since_the_last_visit(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    story = _first_story(page, site)  # the front page's first story has several outlets
    page.goto(site.url + story)
    timeline = page.locator("#timeline")
    assert timeline.get_by_role("heading", name="How the coverage grew").is_visible()
    assert timeline.get_by_text("First reported").is_visible()
    assert timeline.locator("table").count() == 1
    timeline.get_by_text("Every article, in the order it appeared").click()
    rows = timeline.locator("table tbody tr")
    assert rows.count() >= 2 and rows.first.is_visible()
    assert "pl_seen" not in _cookies(context)  # no consent: no visit remembered
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_load_state()
    page.goto(site.url + story)
    assert "pl_seen" in _cookies(context)
    page.goto(site.url + story)
    assert page.get_by_text("Nothing new since your last visit").is_visible()
    page.get_by_role("contentinfo").get_by_role("link", name="Cookie settings").click()
    page.get_by_label("Preferences").uncheck()
    page.get_by_role("button", name="Save choices").click()
    page.wait_for_load_state()
    assert "pl_seen" not in _cookies(context)


# ----------------------------------------------------------------------- saved
def test_save_and_unsave_from_the_front_page_and_the_story_page(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(site.url + "/saved")
    assert page.get_by_text("You have not yet added any article to your bookmarks").is_visible()
    page.get_by_role("link", name="Browse articles").click()
    first_card = page.locator(".story-card").first
    headline = first_card.locator("h2").inner_text()
    first_card.get_by_role("button", name=re.compile("Save")).click()
    page.wait_for_load_state()
    assert "pl_reader" in _cookies(context)
    page.goto(site.url + "/saved")
    assert page.get_by_role("heading", name=headline).is_visible()
    page.get_by_role("heading", name=headline).get_by_role("link").click()
    page.get_by_role("button", name=re.compile("Saved")).first.click()
    page.wait_for_load_state()
    page.goto(site.url + "/saved")
    assert page.get_by_text("You have not yet added any article to your bookmarks").is_visible()


# ------------------------------------------------------------ "Is this loaded?"
def test_readers_answer_about_highlighted_phrases_without_javascript(
    browser: Browser, site: Site
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    story = _first_story(page, site)
    page.goto(site.url + story)
    evidence = page.locator("#evidence")
    first = evidence.locator(".check-form").first
    phrase = first.locator('input[name="phrase"]').get_attribute("value")
    assert phrase and first.get_by_text(f"Is “{phrase}” loaded?").is_visible()
    assert "pl_reader" not in _cookies(context)
    first.get_by_role("button", name=f"Yes, “{phrase}” is loaded").click()
    page.wait_for_load_state()
    assert page.url.startswith(site.url + story + "#check-")  # back where the answer was given
    assert "pl_reader" in _cookies(context)  # the reader key: one answer per reader
    answered = page.locator(f'.check-form:has(input[name="phrase"][value="{phrase}"])').first
    assert answered.get_by_text("You said yes.").is_visible()
    assert (
        answered.get_by_role("button", name=f"Yes, “{phrase}” is loaded").get_attribute(
            "aria-pressed"
        )
        == "true"
    )
    # every highlighted phrase of the story, on its own page; change the answer there
    page.get_by_role("link", name="Check every highlighted phrase in this story").click()
    assert page.get_by_role("heading", name="Check the highlights").is_visible()
    again = page.locator(f'.check-form:has(input[name="phrase"][value="{phrase}"])').first
    again.get_by_role("button", name=f"No, “{phrase}” is not loaded").click()
    page.wait_for_load_state()
    again = page.locator(f'.check-form:has(input[name="phrase"][value="{phrase}"])').first
    assert again.get_by_text("You said no.").is_visible()
    page.goto(site.url + "/methodology#readers-check-the-model")
    section = page.locator("section:has(#readers-check-the-model)")
    assert section.get_by_text("answer").first.is_visible()
    assert section.locator("table tbody tr").count() == 4
    context.close()


# ------------------------------------------------------------------ news diet
def _axe_violations(page: Page) -> list[Any]:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[Any] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target)}))"
    )
    return found


def test_news_diet_from_consent_to_forget(browser: Browser, site: Site) -> None:
    context = browser.new_context(bypass_csp=True)  # axe is injected by the test
    page = context.new_page()
    page.goto(site.url + "/me/diet")
    assert page.get_by_text("Recording is off").is_visible()
    story = _first_story(page, site)
    page.goto(site.url + story)
    direct = page.locator("#sources a.ext").first.get_attribute("href")
    assert direct and not direct.startswith("/go/")  # no consent: straight to the outlet
    page.get_by_role("button", name="Accept all").click()
    page.wait_for_load_state()
    page.goto(site.url + story)
    link = page.locator("#sources a.ext").first
    assert (link.get_attribute("href") or "").startswith("/go/")
    outlet = page.locator("#sources tbody tr:has(a.ext) td a").first.inner_text()
    # what a click does, without leaving loopback: /go/ notes the article and answers with a
    # redirect to the outlet, which the page does not follow
    kind = page.evaluate(
        "async (href) => (await fetch(href, {redirect: 'manual', credentials: 'same-origin'})).type",
        link.get_attribute("href"),
    )
    assert kind == "opaqueredirect" and "pl_opened" in _cookies(context)
    page.goto(site.url + "/me/diet")
    assert page.get_by_text("in this browser only").is_visible()
    assert page.get_by_role("heading", name="By side").is_visible()
    assert page.get_by_role("heading", name="Outlets you opened").is_visible()
    assert page.get_by_role("row", name=re.compile(re.escape(outlet))).is_visible()
    assert page.locator("figure.diet-bar svg").count() == 1
    assert not _axe_violations(page)
    page.set_viewport_size({"width": 360, "height": 740})
    assert not page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
    page.get_by_role("button", name="Forget my history").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your reading history is forgotten").is_visible()
    assert "pl_opened" not in _cookies(context) and "pl_seen" not in _cookies(context)
    context.close()


# ---------------------------------------------------------------------- follow
def test_follow_a_story_by_email_and_get_a_private_feed(browser: Browser, site: Site) -> None:
    context = browser.new_context(bypass_csp=True)  # axe is injected by the test
    page = context.new_page()
    story = _first_story(page, site)
    page.goto(site.url + story)
    headline = page.locator("h1").inner_text()
    page.get_by_text("Follow this story").click()  # <details>: no script needed
    page.get_by_label("Email address", exact=True).first.fill("follower@example.org")
    page.get_by_role("button", name=f"Follow by email “{headline}”").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Check your inbox").is_visible()
    confirmation = _wait_for_mail(site.mail, "follower@example.org", 1)[-1]
    page.goto(_link(confirmation, r"http://127\.0\.0\.1:\d+/follow/confirm\?token=\S+"))
    assert not _axe_violations(page)
    page.get_by_role("button", name="Confirm and follow").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"You follow “{headline}”").is_visible()
    page.goto(site.url + story)
    page.get_by_text("Follow this story").click()
    page.get_by_role("button", name=re.compile("Or get a private feed address")).click()
    page.wait_for_load_state()
    feed = page.get_by_label("Feed address").input_value()
    assert re.fullmatch(re.escape(site.url) + r"/follows/[A-Za-z0-9_-]{20,}\.atom", feed)
    assert not _axe_violations(page)
    atom = context.request.get(feed)
    assert atom.ok and atom.headers["content-type"].startswith("application/atom+xml")
    page.goto(feed.removesuffix(".atom"))
    page.get_by_role("button", name="Stop this feed").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Stopped").is_visible()
    assert context.request.get(feed).status == 404
    context.close()


# ------------------------------------------------------------------ newsletter
def _link(message: Any, pattern: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(pattern, text)
    assert found, text
    return found.group(0)


def test_subscribe_confirm_digest_and_one_click_unsubscribe(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(site.url + "/")
    footer = page.get_by_role("contentinfo")
    footer.get_by_label(re.compile("Email", re.I)).fill("reader.one@example.org")
    footer.get_by_role("button", name=re.compile("Subscribe", re.I)).click()
    page.wait_for_load_state()
    assert "inbox" in page.content().lower()
    confirmation = _wait_for_mail(site.mail, "reader.one@example.org", 1)[-1]
    page.goto(_link(confirmation, r"http://127\.0\.0\.1:\d+/newsletter/confirm\?token=\S+"))
    page.get_by_role("button", name=re.compile("Confirm", re.I)).click()
    page.wait_for_load_state()
    assert "you are subscribed" in page.content().lower()

    core = Plumbline(site.settings)
    try:
        report = core.send_digests("daily", DEMO_MORNING)
    finally:
        core.close()
    assert report.sent >= 1
    digest = _wait_for_mail(site.mail, "reader.one@example.org", 2)[-1]
    assert digest.get_body(("html",)) is not None and digest.get_body(("plain",)) is not None
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.search(r"<(http[^>]+)>", digest["List-Unsubscribe"])
    assert unsubscribe
    # RFC 8058: a mail client POSTs with no cookies and no form token
    one_click = httpx.post(unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    core = Plumbline(site.settings)
    try:
        again = core.send_digests("daily", DEMO_MORNING)
    finally:
        core.close()
    assert len(site.mail.messages("reader.one@example.org")) == 2 and again.sent == 0


def _wait_for_mail(mail: MailServer, to: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 15
    while len(mail.messages(to)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    messages = mail.messages(to)
    assert len(messages) >= count
    return messages


def test_sign_in_by_magic_link(browser: Browser, site: Site) -> None:
    laptop = browser.new_context()
    page = laptop.new_page()
    story = _first_story(page, site)
    page.goto(site.url + story)
    page.get_by_role("button", name=re.compile("Save")).first.click()
    page.goto(site.url + "/signin")
    page.get_by_role("main").get_by_label("Email address").fill("reader.two@example.org")
    page.get_by_role("button", name="Email me a sign-in link").click()
    mail = _wait_for_mail(site.mail, "reader.two@example.org", 1)[-1]
    link = _link(mail, r"http://127\.0\.0\.1:\d+/signin/verify\?token=\S+")
    phone = browser.new_context(viewport={"width": 360, "height": 740})
    other = phone.new_page()
    other.goto(link)
    other.get_by_role("button", name="Sign in").click()
    other.wait_for_load_state()
    assert "reader.two@example.org" in other.content()
    assert other.locator(f'a[href="{story}"]').count() >= 1  # the laptop's saved story
    laptop.close()
    phone.close()


# ---------------------------------------------------------------------- search
def test_search_finds_a_story_by_a_headline_word(context: BrowserContext, site: Site) -> None:
    page = context.new_page()
    page.goto(site.url + "/")
    headline = page.locator(".story-card h2").first.inner_text()
    word = max(re.findall(r"[A-Za-z]{5,}", headline), key=len)
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Search stories").fill(word)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=headline).count() >= 1


# ------------------------------------------------------- accessibility, layout
def _main_pages(page: Page, site: Site) -> dict[str, str]:
    story = _first_story(page, site)
    outlet = page.goto(site.url + story) and page.locator('a[href^="/outlet/"]').first
    outlet_href = outlet.get_attribute("href") if outlet else "/outlets"
    return {
        "front": "/",
        "story": story,
        "phrases": story + "/phrases",
        "outlet": outlet_href or "/outlets",
        "topics": "/topics",
        "search": "/search?q=president",
        "saved": "/saved",
        "methodology": "/methodology",
        "newsletter": "/newsletter",
        "consent": "/consent",
        "diet": "/me/diet",
        "privacy": "/privacy",
        "not-found": "/no-such-page",
    }


def test_main_pages_pass_axe_and_get_screenshots(browser: Browser, site: Site) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = AXE.read_text(encoding="utf-8")
    failures: dict[str, Any] = {}
    for label, (width, height) in WIDTHS.items():
        # axe is injected by the test, so the page's own strict CSP is bypassed for it only
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        for name, path in _main_pages(page, site).items():
            page.goto(site.url + path)
            page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
            page.evaluate(axe)
            result = page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
                ".map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target)}))"
            )
            if result:
                failures[f"{name} @ {label}"] = result
            overflow = page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
            )
            if overflow:
                failures[f"{name} @ {label}"] = "page scrolls sideways"
        context.close()
    assert not failures, json.dumps(failures, indent=1)


def test_pages_work_without_javascript(browser: Browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    story = _first_story(page, site)
    page.goto(site.url + story)
    assert page.get_by_text("Analyzed from").is_visible()
    page.get_by_text("Every article, in the order it appeared").click()  # <details>, no script
    assert page.locator("#timeline table tbody tr").first.is_visible()
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_load_state()
    assert "pl_consent" in _cookies(context)
    context.close()
