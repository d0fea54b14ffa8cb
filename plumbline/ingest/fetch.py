"""Polite, safe HTTP fetching.

`Fetcher.fetch` gets one URL: http(s) only, SSRF guard on every redirect hop and again on
every connection it opens (so DNS rebinding between check and connect does not get
through), robots.txt, per-host concurrency and spacing, a size cap counted while
streaming, connect/read timeouts plus an overall deadline per request, retries with
exponential backoff on transient failures, and conditional GET. `Fetcher.fetch_many` runs
many requests on a thread pool, fairly across hosts.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpcore
import httpx
from protego import Protego

from plumbline.errors import BlockedURL, FetchError
from plumbline.models import FetchResult
from plumbline.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
"""(host, port) → the IP addresses the host resolves to; raises OSError when it can't."""

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def resolve_host(host: str, port: int) -> list[str]:
    """The system resolver (socket.getaddrinfo), as a `Resolver`."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(address: str | IPAddress) -> str:
    """Why an address must not be fetched from ("loopback", "private", …), or "" when it is
    a public unicast address. IPv4 addresses embedded in IPv6 (mapped, 6to4, NAT64) are
    judged as the IPv4 address they reach."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped)
        embedded = ip.sixtofour or (
            ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in _NAT64 else None
        )
        if embedded is not None and (problem := address_problem(embedded)):
            return f"{problem} {embedded} embedded"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), "")


class UrlGuard:
    """The SSRF guard: which URLs and addresses may be fetched.

    Only http and https, no credentials in the URL, and every address the host resolves to
    must be public, unless `allow_private` (tests only) or the address is inside one of
    `allow_networks` (e.g. "10.1.2.0/24" for an internal feed server you trust).
    """

    def __init__(
        self,
        *,
        allow_private: bool = False,
        allow_networks: Sequence[str] = (),
        resolve: Resolver = resolve_host,
    ) -> None:
        self.allow_private = allow_private
        self._networks = [ipaddress.ip_network(n, strict=False) for n in allow_networks]
        self._resolve = resolve

    def check_url(self, url: str) -> httpx.URL:
        """Parse `url` and check it; raise BlockedURL (or FetchError when it is not a URL)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise FetchError(f"invalid URL {url!r}: {exc}", url=url) from exc
        if parsed.scheme not in ("http", "https"):
            raise BlockedURL(f"only http and https URLs are fetched, not {url!r}", url=url)
        if parsed.userinfo:
            raise BlockedURL(f"URLs with credentials are not fetched: {url!r}", url=url)
        if not parsed.host:
            raise FetchError(f"URL has no host: {url!r}", url=url)
        if not self.allow_private:
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            try:
                self.addresses(parsed.host, port)
            except BlockedURL as exc:
                raise BlockedURL(f"refused {url}: {exc}", url=url, **exc.fields) from None
            except OSError as exc:
                raise FetchError(f"cannot resolve {parsed.host}: {exc}", url=url) from exc
        return parsed

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve `host` and return its addresses; BlockedURL if any of them is refused
        (a name that resolves to one public and one private address is refused)."""
        addresses = self._resolve(host, port)
        if not addresses:
            raise OSError(f"no address for {host}")
        for address in addresses:
            self.check_address(address, host)
        return addresses

    def check_address(self, address: str, host: str = "") -> None:
        """BlockedURL unless `address` may be connected to."""
        if self.allow_private:
            return
        ip = ipaddress.ip_address(address.split("%")[0])
        problem = address_problem(ip)
        if problem and not any(ip in network for network in self._networks):
            name = f"{host} resolves to {ip}, which" if host and host != address else str(ip)
            raise BlockedURL(f"{name} is not public ({problem})", host=host, address=str(ip))


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """One request for `Fetcher.fetch_many`; `key` is the caller's, returned untouched."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    key: object = None


class Fetcher:
    """A polite, safe HTTP client built from `Settings`; thread-safe, so one instance can
    serve a whole thread pool. Close it (or use it as a context manager) when done.

    `guard` replaces the SSRF guard built from `settings.allow_private_addresses`;
    robots.txt answers are cached for `robots_ttl` seconds (`robots_error_ttl` when it could
    not be fetched); a Retry-After header is honoured up to `max_retry_after` seconds.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        guard: UrlGuard | None = None,
        robots_ttl: float = 3600.0,
        robots_error_ttl: float = 300.0,
        max_retry_after: float = 60.0,
    ) -> None:
        self.settings = settings
        self.guard = guard or UrlGuard(allow_private=settings.allow_private_addresses)
        self._robots_ttl = robots_ttl
        self._robots_error_ttl = robots_error_ttl
        self._max_retry_after = max_retry_after
        # robots.txt groups are matched on the product token ("PlumblineBot"), not on the
        # whole header, whose comment could match unrelated groups.
        self._agent = settings.user_agent.split("/")[0].split()[0] if settings.user_agent else ""
        self._gate = _HostGate(settings.per_host_concurrency, settings.per_host_delay)
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._client = httpx.Client(
            transport=_GuardedTransport(self.guard),
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(settings.fetch_timeout),
            follow_redirects=False,  # followed by hand, to check every hop
            trust_env=False,  # a proxy would resolve names behind the SSRF guard's back
        )

    def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET `url`, following redirects; with `etag`/`last_modified` from an earlier
        fetch, a 304 comes back as `not_modified=True`. Raises BlockedURL (SSRF guard,
        robots.txt) or FetchError (network, HTTP status, size, timeout, redirects)."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._with_retries(url, headers, robots=self.settings.respect_robots)

    def fetch_many(
        self, requests: Iterable[FetchRequest]
    ) -> Iterator[tuple[FetchRequest, FetchResult | FetchError]]:
        """Fetch every request on a pool of `fetch_concurrency` threads, at most
        `per_host_concurrency` at a time per host, starting them `per_host_delay` seconds
        apart per host and taking hosts in turn. Yields (request, result or error) as each
        completes, in completion order."""
        queues: dict[str, deque[FetchRequest]] = {}
        for request in requests:
            queues.setdefault(_host(request.url), deque()).append(request)
        limit, per_host = self.settings.fetch_concurrency, self.settings.per_host_concurrency
        running: dict[Future[FetchResult], tuple[FetchRequest, str]] = {}
        busy: dict[str, int] = {}
        not_before: dict[str, float] = {}  # keeps workers from queueing in the host gate
        with ThreadPoolExecutor(limit, thread_name_prefix="plumbline-fetch") as pool:
            try:
                while queues or running:
                    wake: float | None = None
                    for host, queue in list(queues.items()):
                        while queue and len(running) < limit and busy.get(host, 0) < per_host:
                            now = time.monotonic()
                            ready_in = max(
                                self._gate.ready_in(host), not_before.get(host, now) - now
                            )
                            if ready_in > 0:
                                wake = ready_in if wake is None else min(wake, ready_in)
                                break
                            request = queue.popleft()
                            future = pool.submit(
                                self.fetch,
                                request.url,
                                etag=request.etag,
                                last_modified=request.last_modified,
                            )
                            running[future] = (request, host)
                            busy[host] = busy.get(host, 0) + 1
                            not_before[host] = now + self.settings.per_host_delay
                        if not queue:
                            del queues[host]
                    if not running:
                        time.sleep(wake or 0.01)
                        continue
                    done, _ = wait(running, timeout=wake, return_when=FIRST_COMPLETED)
                    for future in done:
                        request, host = running.pop(future)
                        busy[host] -= 1
                        try:
                            yield request, future.result()
                        except FetchError as exc:
                            yield request, exc
            finally:
                for future in running:
                    future.cancel()

    def close(self) -> None:
        """Close connections and interrupt any retry waits."""
        self._closed.set()
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- one URL ----------------------------------------------------------------------------

    def _with_retries(self, url: str, headers: dict[str, str], *, robots: bool) -> FetchResult:
        attempts = self.settings.fetch_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._follow(url, headers, robots=robots)
            except _Transient as exc:
                if attempt == attempts:
                    tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
                    raise FetchError(
                        f"{exc}{tries}",
                        url=url,
                        status=exc.status,
                        attempts=attempts,
                    ) from exc
                delay = self.settings.fetch_backoff * 2 ** (attempt - 1)
                if exc.retry_after is not None:
                    delay = min(exc.retry_after, self._max_retry_after)
                if self._closed.wait(delay):
                    raise FetchError(f"fetcher closed while retrying {url}", url=url) from exc
        raise AssertionError("unreachable")

    def _follow(self, url: str, headers: dict[str, str], *, robots: bool) -> FetchResult:
        """One attempt: every hop of the redirect chain, each checked before it is made."""
        current = url
        visited: set[str] = set()
        for _ in range(self.settings.fetch_max_redirects + 1):
            target = self.guard.check_url(current)
            current = str(target)
            if robots:
                self._check_robots(target)
            visited.add(current)
            response, body = self._hop(target, headers)
            status = response.status_code
            if status in _REDIRECTS:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location from {current}", url=url)
                following = str(target.join(location.strip()))
                if following in visited:
                    raise FetchError(
                        f"redirect loop: {current} redirects back to {following}", url=url
                    )
                current = following
                continue
            if status == 429 or status >= 500:
                raise _Transient(
                    f"HTTP {status} from {current}", status, _retry_after(response.headers)
                )
            if status >= 300 and status != 304:
                raise FetchError(f"HTTP {status} from {current}", url=url, status=status)
            etag = response.headers.get("etag")
            last_modified = response.headers.get("last-modified")
            if status == 304:  # a 304 may omit the validators; the ones sent still hold
                etag = etag or headers.get("If-None-Match")
                last_modified = last_modified or headers.get("If-Modified-Since")
            return FetchResult(
                url=url,
                final_url=current,
                status=status,
                content=body,
                content_type=response.headers.get("content-type", ""),
                etag=etag,
                last_modified=last_modified,
                not_modified=status == 304,
            )
        raise FetchError(
            f"too many redirects (more than {self.settings.fetch_max_redirects}) from {url}",
            url=url,
        )

    def _hop(self, url: httpx.URL, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        """One HTTP request; the body is read only for a 2xx answer, within the size cap."""
        timeout = self.settings.fetch_timeout
        try:
            with (
                self._gate.slot(url.host),
                _deadline(timeout),
                self._client.stream("GET", url, headers=headers) as response,
            ):
                body = b""
                if 200 <= response.status_code < 300:
                    body = _read_capped(response, self.settings.fetch_max_bytes, str(url))
                return response, body
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out after {timeout} s fetching {url}: {exc}") from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Transient(f"connection failed to {url.host}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"fetching {url} failed: {exc}", url=str(url)) from exc

    # -- robots.txt -------------------------------------------------------------------------

    def _check_robots(self, url: httpx.URL) -> None:
        origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        with self._lock:
            origin_lock = self._robots_locks.setdefault(origin, threading.Lock())
        with origin_lock:  # one fetch of robots.txt per origin, however many threads ask
            robots = self._robots.get(origin)
            if robots is None or robots.expires <= time.monotonic():
                robots = self._robots[origin] = self._load_robots(origin)
        if robots.error:
            raise FetchError(
                f"robots.txt of {origin} could not be read ({robots.error}); "
                f"treating the site as disallowed for now",
                url=str(url),
            )
        if robots.rules is not None and not robots.rules.can_fetch(str(url), self._agent):
            raise BlockedURL(f"disallowed by robots.txt: {url}", url=str(url))

    def _load_robots(self, origin: str) -> _Robots:
        """RFC 9309: a 4xx means no rules; a 5xx or network failure means stay away."""
        try:
            result = self._with_retries(f"{origin}/robots.txt", {}, robots=False)
        except FetchError as exc:
            status = exc.fields.get("status")
            if isinstance(status, int) and 400 <= status < 500 and status != 429:
                return _Robots(None, "", time.monotonic() + self._robots_ttl)
            return _Robots(None, exc.message, time.monotonic() + self._robots_error_ttl)
        rules = Protego.parse(result.content.decode("utf-8", errors="replace"))
        return _Robots(rules, "", time.monotonic() + self._robots_ttl)


@dataclass(slots=True)
class _Robots:
    rules: Any  # a Protego parser; None allows everything
    error: str  # set when robots.txt was unreachable: nothing is allowed
    expires: float  # time.monotonic()


class _Transient(Exception):
    """A failure worth retrying (timeout, connection error, 5xx, 429)."""

    def __init__(
        self, message: str, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except (httpx.InvalidURL, ValueError):
        return ""


def _retry_after(headers: httpx.Headers) -> float | None:
    """Retry-After in seconds, from delta-seconds or an HTTP date; None when absent/bad."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_capped(response: httpx.Response, limit: int, url: str) -> bytes:
    """The body, refused by Content-Length up front or as soon as it passes `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(
            f"response too large: {url} declares {declared} bytes, the limit is {limit}",
            url=url,
            status=response.status_code,
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():  # decoded, so a gzip bomb is counted as it inflates
        size += len(chunk)
        if size > limit:
            raise FetchError(
                f"response too large: {url} sent more than {limit} bytes",
                url=url,
                status=response.status_code,
            )
        chunks.append(chunk)
    return b"".join(chunks)


class _HostGate:
    """Per host: at most `limit` requests in flight, and starts `delay` seconds apart."""

    def __init__(self, limit: int, delay: float) -> None:
        self._limit = limit
        self._delay = delay
        self._cond = threading.Condition()
        self._in_flight: dict[str, int] = {}
        self._next_start: dict[str, float] = {}

    def ready_in(self, host: str) -> float:
        """Seconds before the next request to `host` may start (ignoring ones in flight)."""
        with self._cond:
            return max(0.0, self._next_start.get(host, 0.0) - time.monotonic())

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._cond:
            while True:
                now = time.monotonic()
                full = self._in_flight.get(host, 0) >= self._limit
                wait_for = self._next_start.get(host, 0.0) - now
                if not full and wait_for <= 0:
                    break
                self._cond.wait(None if full else wait_for)
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            self._next_start[host] = now + self._delay
            if len(self._next_start) > 4096:  # forget hosts whose spacing has passed
                self._next_start = {h: t for h, t in self._next_start.items() if t > now}
        try:
            yield
        finally:
            with self._cond:
                self._in_flight[host] -= 1
                if not self._in_flight[host]:
                    del self._in_flight[host]
                self._cond.notify_all()


# -- connection-level guard and deadline ------------------------------------------------------

_local = threading.local()  # .deadline: time.monotonic() by which the current request ends


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of the request made inside must finish `seconds` from now
    (sync httpx does its I/O on the calling thread, so a thread-local reaches it)."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _time_left(timeout: float | None, error: type[Exception]) -> float | None:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's overall deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """Caps every read and write at the time left, so a server dribbling bytes (each read
    well within the read timeout) still cannot hold a request past its deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, checks every address with the guard, and connects to a
    checked address, so the name cannot resolve differently between check and connect."""

    def __init__(self, guard: UrlGuard) -> None:
        self._guard = guard
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self._guard.allow_private:
            addresses = [host]
        else:
            try:
                addresses = self._guard.addresses(host, port)
            except BlockedURL as exc:
                raise BlockedURL(f"refused to connect: {exc}", **exc.fields) from None
            except OSError as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        failure: Exception = httpcore.ConnectError(f"no address to connect to for {host}")
        for address in addresses:
            try:
                stream = self._backend.connect_tcp(
                    address,
                    port,
                    _time_left(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
            else:
                return _DeadlineStream(stream)
        raise failure

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, guard: UrlGuard) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False)
        # httpx has no public hook for the network backend: swap in a pool that uses ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(guard),
        )
