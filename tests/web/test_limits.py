"""Form rate limits: per client (the forwarding proxy's client only when the proxy is
trusted), shared through Redis when a broker is configured, not emptied by a flood."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from plumbline.core import Plumbline
from plumbline.errors import TooManyRequests
from plumbline.settings import Settings
from plumbline.web.app import create_app
from plumbline.web.limits import CONSENT_PER_HOUR, FormLimits
from tests.redisserver import RedisServer


def _request(address: str) -> Request:
    return Request({"type": "http", "headers": [], "client": (address, 1234)})


def test_each_client_has_its_own_count(tmp_path: Path) -> None:
    limits = FormLimits(Settings(data_dir=tmp_path, subscribe_limit_per_hour=2))
    for _ in range(2):
        limits.hit(_request("192.0.2.1"), "subscribe")
    with pytest.raises(TooManyRequests, match="subscribe requests"):
        limits.hit(_request("192.0.2.1"), "subscribe")
    limits.hit(_request("192.0.2.2"), "subscribe")  # another client
    limits.hit(_request("192.0.2.1"), "signin")  # another kind of post


def test_a_flood_of_new_addresses_empties_no_one_elses_count(tmp_path: Path) -> None:
    limits = FormLimits(Settings(data_dir=tmp_path, subscribe_limit_per_hour=1))
    limits.hit(_request("192.0.2.1"), "subscribe")
    for n in range(120_000):
        limits.hit(_request(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"), "subscribe")
    with pytest.raises(TooManyRequests):
        limits.hit(_request("192.0.2.1"), "subscribe")


def test_with_a_broker_every_process_shares_the_count(tmp_path: Path) -> None:
    with RedisServer() as redis:
        settings = Settings(data_dir=tmp_path, broker_url=redis.url, subscribe_limit_per_hour=2)
        first, second = FormLimits(settings), FormLimits(settings)  # two server processes
        first.hit(_request("192.0.2.1"), "signin")
        second.hit(_request("192.0.2.1"), "signin")
        with pytest.raises(TooManyRequests):
            first.hit(_request("192.0.2.1"), "signin")
        redis.halt()
        first.hit(_request("192.0.2.1"), "signin")  # the store down: let it through, logged


def _consent(client: TestClient, forwarded_for: str) -> int:
    page = client.get("/consent").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/consent",
        data={"choice": "reject_all", "csrf_token": token},
        headers={"X-Forwarded-For": forwarded_for},
        follow_redirects=False,
    )
    return response.status_code


@pytest.mark.parametrize(("trusted", "separate"), [("127.0.0.1", True), ("", False)])
def test_the_forwarded_address_counts_only_from_a_trusted_proxy(
    tmp_path: Path, trusted: str, separate: bool
) -> None:
    core = Plumbline(Settings(data_dir=tmp_path, trusted_proxies=trusted, default_outlets=False))
    core.init()
    try:
        proxy = TestClient(create_app(core), client=("127.0.0.1", 40000))
        for _ in range(CONSENT_PER_HOUR):
            assert _consent(proxy, "198.51.100.7") == 303
        assert _consent(proxy, "198.51.100.7") == 429  # consent posts are limited too
        # another reader behind the same proxy: counted apart only if the proxy is trusted
        assert _consent(proxy, "198.51.100.8") == (303 if separate else 429)
    finally:
        core.close()
