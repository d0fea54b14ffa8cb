"""A real HTTP server on 127.0.0.1 for tests, with ready-made feeds, article pages and
hostile routes (huge, stalling, dribbling, looping, failing).

    from tests.feedserver import FeedServer   # or the `feed_server` fixture (conftest.py)

    with FeedServer() as server:
        fetcher.fetch(server.url("/feeds/rss.xml"))
        assert server.hits("/feeds/rss.xml") == 1

Routes are matched on the path without the query string. A route that sends an ETag or
Last-Modified header answers a matching conditional GET with 304, like a real server.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
RDF = "application/rdf+xml; charset=utf-8"
TEN_MB = 10 * 1024 * 1024
DEFAULT_ROBOTS = "User-agent: *\nDisallow: /private/\n"
LAST_MODIFIED = "Tue, 05 Mar 2024 14:30:00 GMT"


@dataclass(frozen=True)
class Reply:
    """One canned response."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML
    delay: float = 0.0


@dataclass(frozen=True)
class Hit:
    """One request the server received."""

    path: str
    headers: dict[str, str]  # names lower-cased
    at: float  # time.monotonic() when it arrived


Handler = Callable[["_Handler"], None]


@dataclass
class _Route:
    replies: Sequence[Reply] = ()
    handler: Handler | None = None


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    author: str
    published: str  # ISO 8601
    paragraphs: tuple[str, ...]


ARTICLES = (
    Article(
        "transit-vote",
        "City council approves $1.2 billion transit plan after marathon session",
        "Jane Doe",
        "2024-03-05T14:30:00+00:00",
        (
            "The city council voted 7 to 4 late Tuesday to approve a $1.2 billion transit "
            "plan that will add three bus rapid transit lines and extend the light rail to "
            "the airport by 2030, ending a debate that lasted more than six hours.",
            "Supporters said the plan would cut commute times for tens of thousands of "
            "residents in the city's eastern neighborhoods, where buses run every 30 minutes "
            "and many workers spend more than two hours a day traveling.",
            "Opponents argued that the plan relies on a half-cent sales tax increase that "
            "would fall hardest on low-income families, and that ridership projections used "
            "by the transit agency were too optimistic after the pandemic.",
            "“We made hard choices tonight, and I believe they were the right ones,” council "
            "president Maria Lopez said after the vote. Councilman Robert Hale, who voted "
            "against the measure, said he expected the tax to face a legal challenge.",
            "The sales tax increase still needs the approval of voters in November. The "
            "transit agency said construction on the first bus line could begin next spring.",
        ),
    ),
    Article(
        "drought-farmers",
        "Farmers brace for water cuts as drought enters third year",
        "Samuel Okafor",
        "2024-03-04T09:15:00+00:00",
        (
            "State water officials on Monday announced that farms in the central valley will "
            "receive 15 percent of their contracted water supply this year, the lowest "
            "allocation since the current drought began three years ago.",
            "Growers said the cuts would force them to leave large areas of farmland unplanted "
            "and to pump more groundwater, which has already caused the land to sink by "
            "several feet in parts of the valley.",
            "“We are being asked to grow the same food with a fraction of the water,” said "
            "Linda Reyes, who farms almonds and tomatoes on 400 acres near Fresno.",
            "Environmental groups welcomed the decision, saying that rivers and wetlands "
            "need the water to keep endangered fish species alive. Officials said the "
            "allocation could rise if spring storms bring more snow to the mountains.",
        ),
    ),
    Article(
        "port-strike",
        "Dock workers walk off the job at two major ports",
        "Ana Lima",
        "2024-03-03T18:00:00+00:00",
        (
            "Thousands of dock workers walked off the job on Sunday at two of the country's "
            "busiest container ports after contract talks with shipping companies broke "
            "down over wages and the use of automated cranes.",
            "The union said its members had gone two years without a raise while shipping "
            "companies reported record profits. The employers' association said its final "
            "offer included a 14 percent raise over four years.",
            "Retailers warned that a long strike could delay deliveries of goods and raise "
            "prices. Economists said a walkout of more than a week could cost the economy "
            "several billion dollars a day.",
            "Federal mediators said they would meet both sides on Tuesday. Neither side "
            "said when talks would resume.",
        ),
    ),
)


def article_html(article: Article, base: str) -> bytes:
    """A realistic news page: navigation, the article with its metadata, a footer."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in article.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>{article.title} | The Daily Ledger</title>
<link rel="canonical" href="{base}/articles/{article.slug}">
<meta name="author" content="{article.author}">
<meta property="article:published_time" content="{article.published}">
<meta property="og:title" content="{article.title}">
</head>
<body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/politics">Politics</a>
<a href="/business">Business</a></nav></header>
<main><article>
<h1>{article.title}</h1>
<p class="byline">By {article.author}</p>
{paragraphs}
</article></main>
<footer><p>© 2024 The Daily Ledger. All rights reserved.</p></footer>
</body>
</html>""".encode()


def _rss(base: str, items: str, title: str = "The Daily Ledger — Top stories") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{title}</title>
<link>{base}/</link>
<description>Top stories</description>
{items}
</channel>
</rss>
""".encode()


def _rss_item(link: str, title: str, summary: str = "", extra: str = "") -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description><![CDATA[{summary}]]></description>{extra}</item>"
    )


def _feeds(base: str) -> dict[str, bytes]:
    transit, drought, port = ARTICLES
    rss_items = "\n".join(
        [
            _rss_item(
                f"{base}/articles/transit-vote.html",
                transit.title.replace("$", "&#36;"),
                "<p>The council voted <b>7 to 4</b> for the plan &amp; a sales tax.</p>"
                "<script>alert('x')</script>",
                "<pubDate>Tue, 05 Mar 2024 14:30:00 +0000</pubDate>"
                "<author>jane@ledger.example (Jane Doe)</author><guid>transit-1</guid>",
            ),
            _rss_item(  # relative link, resolved against the feed URL
                "/articles/drought-farmers.html",
                drought.title,
                "Water allocation cut to <i>15 percent</i>.",
                "<pubDate>Mon, 04 Mar 2024 04:15:00 -0500</pubDate>"
                "<dc:creator>Samuel Okafor</dc:creator>",
            ),
            _rss_item(f"{base}/articles/transit-vote.html", "Duplicate of the first item"),
            "<item><title>No link at all</title>"
            '<guid isPermaLink="false">tag:ledger,2024:nolink</guid></item>',
            _rss_item("javascript:alert(1)", "Script link"),
            _rss_item(f"{base}/articles/port-strike.html", port.title, "Talks broke down."),
        ]
    )
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="{base}/feeds/">
<title>Ledger Atom</title>
<id>urn:ledger:atom</id>
<updated>2024-03-05T14:30:00Z</updated>
<entry>
<title>{transit.title}</title>
<link rel="alternate" type="text/html" href="../articles/transit-vote.html"/>
<id>urn:ledger:transit</id>
<published>2024-03-05T15:30:00+01:00</published>
<updated>2024-03-05T16:00:00+01:00</updated>
<author><name>Jane Doe</name></author>
<summary type="html">&lt;p&gt;Council approves the &lt;em&gt;plan&lt;/em&gt;.&lt;/p&gt;</summary>
</entry>
<entry>
<title>{drought.title}</title>
<link rel="alternate" href="{base}/articles/drought-farmers.html"/>
<id>urn:ledger:drought</id>
<updated>2024-03-04T09:15:00Z</updated>
<summary>Water allocation cut.</summary>
</entry>
</feed>
""".encode()
    rdf = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
 xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="{base}/feeds/rdf.xml">
<title>Ledger RDF</title><link>{base}/</link><description>RSS 1.0</description>
<items><rdf:Seq><rdf:li rdf:resource="{base}/articles/port-strike.html"/></rdf:Seq></items>
</channel>
<item rdf:about="{base}/articles/port-strike.html">
<title>{port.title}</title><link>{base}/articles/port-strike.html</link>
<description>Dock workers walk off the job.</description>
<dc:date>2024-03-03T18:00:00Z</dc:date><dc:creator>Ana Lima</dc:creator>
</item>
</rdf:RDF>
""".encode()
    bad_encoding = _rss(
        base,
        _rss_item(f"{base}/articles/drought-farmers.html", "Café owners and the président")
        + _rss_item(f"{base}/articles/port-strike.html", "Grève in the ports"),
        title="Ledger - déclaré utf-8",
    ).decode()
    full = _rss(base, rss_items)
    shared = _rss_item(f"{base}/articles/transit-vote.html", transit.title)
    return {
        "/feeds/rss.xml": full,
        "/feeds/atom.xml": atom,
        "/feeds/rdf.xml": rdf,
        # declared utf-8, but the bytes are latin-1 (invalid utf-8)
        "/feeds/bad-encoding.xml": bad_encoding.encode("latin-1"),
        # two complete items, then cut off in the middle of the third
        "/feeds/truncated.xml": full[: full.index(b"<item><title>No link")] + b"<item><tit",
        # cut off before the first item
        "/feeds/truncated-early.xml": full[: full.index(b"<description>Top") + 9],
        "/feeds/dupes-a.xml": _rss(
            base, shared + _rss_item(f"{base}/articles/port-strike.html", port.title)
        ),
        "/feeds/dupes-b.xml": _rss(
            base, shared + _rss_item(f"{base}/articles/drought-farmers.html", drought.title)
        ),
        "/feeds/conditional.xml": _rss(base, shared),
    }


def _home_page(base: str) -> bytes:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The Daily Ledger</title>
<link rel="alternate" type="application/rss+xml" title="Top stories" href="/feeds/rss.xml">
<link rel="alternate" type="application/atom+xml" href="{base}/feeds/atom.xml">
<link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="stylesheet" type="text/css" href="/style.css">
</head><body><h1>The Daily Ledger</h1><ul>
<li><a href="/articles/transit-vote.html">Transit plan approved</a></li>
<li><a href="/articles/drought-farmers.html">Farmers brace for water cuts</a></li>
</ul></body></html>""".encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, like a real site

    def do_GET(self) -> None:
        self.server.owner._handle(self)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""

    def send(self, reply: Reply) -> None:
        """Write a whole canned reply."""
        self.send_response(reply.status)
        if reply.body or reply.status not in (204, 304):
            self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so that server_close() joins every handler thread
    block_on_close = True
    owner: FeedServer

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any
    ) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # else the client hung up
            super().handle_error(request, client_address)


class FeedServer:
    """A threaded HTTP server on a random free port of 127.0.0.1 (https with `tls`).

    Ready-made routes (replace any with `add`):
      /robots.txt                disallows /private/ (`robots` argument, or `set_robots`)
      / and /feeds/not-a-feed.html   an HTML home page advertising the RSS and Atom feeds
      /feeds/rss.xml             RSS 2.0: relative link, duplicate, link-less and
                                 javascript: items, HTML summaries, two date zones
      /feeds/atom.xml, /feeds/rdf.xml    Atom (xml:base) and RSS 1.0
      /feeds/bad-encoding.xml    declared utf-8, sent as latin-1
      /feeds/truncated.xml       cut off after two items; /feeds/truncated-early.xml before any
      /feeds/dupes-a.xml, /feeds/dupes-b.xml   two feeds sharing one article
      /feeds/conditional.xml     ETag '"v1"' and Last-Modified LAST_MODIFIED, 304 on a match
      /feeds/empty.xml, /feeds/garbage.bin
      /articles/<slug>.html      one page per ARTICLES entry (canonical, author, date meta)
      /private/page.html         an article robots.txt forbids
      /redirect/rss → /feeds/rss.xml;  /loop/a ⇄ /loop/b
      /error/500, /error/404
      /big, /big-unsized         10 MB, with and without Content-Length
      /stall                     never answers (until the server closes)
      /dribble, /dribble-headers one byte every 0.1 s, of the body or of the headers
    """

    def __init__(
        self, robots: str | None = DEFAULT_ROBOTS, tls: ssl.SSLContext | None = None
    ) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._hits: dict[str, list[Hit]] = {}
        self._connections: set[socket.socket] = set()
        self._active = 0
        self.max_active = 0  # most requests handled at once, across all paths
        self.stopping = threading.Event()  # set on close; sleeping handlers wake on it
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        if tls is not None:  # serve https with this server-side context
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.host, self.port = "127.0.0.1", self._server.server_address[1]
        self.base = f"{'https' if tls else 'http'}://{self.host}:{self.port}"
        self._install_defaults(robots)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # -- public API ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server."""
        return self.base + path

    def add(
        self,
        path: str,
        body: bytes = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str = HTML,
        delay: float = 0.0,
    ) -> str:
        """Serve `body` at `path` (replacing any route there); returns its URL."""
        return self.add_sequence(path, [Reply(body, status, headers or {}, content_type, delay)])

    def add_sequence(self, path: str, replies: Sequence[Reply]) -> str:
        """The n-th request to `path` gets the n-th reply; the last one repeats."""
        with self._lock:
            self._routes[path] = _Route(replies=list(replies))
        return self.url(path)

    def add_handler(self, path: str, handler: Handler) -> str:
        """Let `handler(request_handler)` write the whole response for `path`."""
        with self._lock:
            self._routes[path] = _Route(handler=handler)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Redirect `path` to `location` (a path on this server or an absolute URL)."""
        return self.add(path, status=status, headers={"Location": location})

    def set_robots(self, text: str | None) -> None:
        """Serve `text` as /robots.txt; None answers 404."""
        if text is None:
            self.add("/robots.txt", b"not found", status=404, content_type="text/plain")
        else:
            self.add("/robots.txt", text.encode(), content_type="text/plain")

    def hits(self, path: str) -> int:
        """How many requests `path` received."""
        with self._lock:
            return len(self._hits.get(path, []))

    def requests(self, path: str) -> list[Hit]:
        """Every request `path` received, oldest first."""
        with self._lock:
            return list(self._hits.get(path, []))

    def close(self) -> None:
        """Stop serving, wake sleeping handlers, drop open connections, join all threads."""
        self.stopping.set()
        self._server.shutdown()
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- request handling ---------------------------------------------------------------

    def _handle(self, request: _Handler) -> None:
        path = urlsplit(request.path).path
        hit = Hit(path, {k.lower(): v for k, v in request.headers.items()}, time.monotonic())
        with self._lock:
            self._hits.setdefault(path, []).append(hit)
            self._connections.add(request.connection)
            route = self._routes.get(path)
            self._active += 1
            self.max_active = max(self.max_active, self._active)
            reply = None
            if route is not None and route.replies:
                reply = route.replies[min(len(self._hits[path]), len(route.replies)) - 1]
        try:
            if route is None:
                request.send(Reply(b"not found", 404, content_type="text/plain"))
            elif route.handler is not None:
                route.handler(request)
            elif reply is not None:
                if reply.delay and self.stopping.wait(reply.delay):
                    request.close_connection = True
                    return
                request.send(_conditional(reply, hit.headers))
        except OSError:  # the client hung up (reset, broken pipe, TLS EOF), as it may
            request.close_connection = True
        finally:
            with self._lock:
                self._active -= 1
                self._connections.discard(request.connection)

    def _install_defaults(self, robots: str | None) -> None:
        base = self.base
        self.set_robots(robots)
        self.add("/", _home_page(base))
        self.add("/feeds/not-a-feed.html", _home_page(base))
        validators = {"ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
        for path, body in _feeds(base).items():
            content_type = ATOM if "atom" in path else RDF if "rdf" in path else RSS
            headers = validators if path == "/feeds/conditional.xml" else None
            self.add(path, body, content_type=content_type, headers=headers)
        self.add("/feeds/empty.xml", b"", content_type=RSS)
        self.add("/feeds/garbage.bin", bytes(range(256)) * 8, content_type=RSS)
        for article in ARTICLES:
            self.add(f"/articles/{article.slug}.html", article_html(article, base))
        self.add("/private/page.html", article_html(ARTICLES[0], base))
        self.redirect("/redirect/rss", "/feeds/rss.xml", status=301)
        self.redirect("/loop/a", "/loop/b")
        self.redirect("/loop/b", "/loop/a")
        self.add("/error/500", b"internal error", status=500, content_type="text/plain")
        self.add("/error/404", b"gone", status=404, content_type="text/plain")
        self.add_handler("/big", _big(sized=True))
        self.add_handler("/big-unsized", _big(sized=False))
        self.add_handler("/stall", _stall)
        self.add_handler("/dribble", _dribble_body)
        self.add_handler("/dribble-headers", _dribble_headers)


def _conditional(reply: Reply, request_headers: dict[str, str]) -> Reply:
    """304 when the request's validators match the reply's ETag / Last-Modified."""
    etag = reply.headers.get("ETag")
    last_modified = reply.headers.get("Last-Modified")
    validators = {k: v for k, v in reply.headers.items() if k in ("ETag", "Last-Modified")}
    if_none_match = request_headers.get("if-none-match")
    if_modified_since = request_headers.get("if-modified-since")
    if etag and if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        if etag in tags or "*" in tags:
            return Reply(status=304, headers=validators)
        return reply
    if last_modified and if_modified_since:
        try:
            if parsedate_to_datetime(last_modified) <= parsedate_to_datetime(if_modified_since):
                return Reply(status=304, headers=validators)
        except (TypeError, ValueError):
            pass
    return reply


def _big(*, sized: bool) -> Handler:
    """10 MB of text, streamed in chunks; with or without a Content-Length header."""

    def handler(request: _Handler) -> None:
        request.send_response(200)
        request.send_header("Content-Type", HTML)
        if sized:
            request.send_header("Content-Length", str(TEN_MB))
        else:
            request.send_header("Connection", "close")
            request.close_connection = True
        request.end_headers()
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        for _ in range(TEN_MB // len(chunk)):
            if request.server.owner.stopping.is_set():
                return
            request.wfile.write(chunk)
        request.wfile.write(b"x" * (TEN_MB % len(chunk)))

    return handler


def _stall(request: _Handler) -> None:
    """Never answer (until the server closes)."""
    request.server.owner.stopping.wait(60)
    request.close_connection = True


def _dribble_body(request: _Handler) -> None:
    """Headers at once, then one body byte every 0.1 s: no single read ever times out."""
    request.send_response(200)
    request.send_header("Content-Type", HTML)
    request.send_header("Content-Length", "1000")
    request.end_headers()
    for _ in range(1000):
        if request.server.owner.stopping.wait(0.1):
            break
        request.wfile.write(b"x")
        request.wfile.flush()
    request.close_connection = True


def _dribble_headers(request: _Handler) -> None:
    """The status line, then one header byte every 0.1 s."""
    request.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for byte in b"X-Slow: " + b"a" * 1000:
        if request.server.owner.stopping.wait(0.1):
            break
        request.wfile.write(bytes([byte]))
        request.wfile.flush()
    request.close_connection = True


__all__ = ["ARTICLES", "FeedServer", "Hit", "Reply", "article_html"]
