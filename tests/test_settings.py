from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from plumbline.core import Plumbline
from plumbline.errors import ConfigurationError
from plumbline.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_has_help_text() -> None:
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 10, name


def test_every_setting_is_documented() -> None:
    documented = DOCS.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"PLUMBLINE_{name.upper()}" in documented, name


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUMBLINE_PORT", "8123")
    assert Settings().port == 8123


def test_unknown_or_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLUMBLINE_PORT", "99999")
    with pytest.raises(ValueError):
        Settings()


def test_production_refuses_the_ssrf_guard_off() -> None:
    with pytest.raises(ConfigurationError):
        Settings(mode="production", allow_private_addresses=True).check()
    with pytest.raises(ConfigurationError):
        Settings(mode="staging").check()


SAFE = {
    "mode": "production",
    "secret_key": "k" * 40,
    "public_url": "https://news.example.org",
    "smtp_security": "starttls",
    "smtp_host": "smtp.example.org",
}


def test_production_starts_with_safe_values() -> None:
    Settings(**SAFE).check()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"secret_key": None}, "PLUMBLINE_SECRET_KEY"),
        ({"secret_key": "short"}, "secret_key"),
        ({"smtp_security": "none"}, "unencrypted"),
        ({"public_url": "http://news.example.org"}, "public_url"),
        ({"smtp_security": "ssl3"}, "smtp_security"),
    ],
)
def test_production_refuses_unsafe_reader_settings(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings(**{**SAFE, **change}).check()  # type: ignore[arg-type]


def test_development_accepts_a_generated_secret_and_local_mail() -> None:
    Settings().check()


def test_the_first_init_generates_a_secret_that_only_its_owner_reads(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert not (tmp_path / "secret_key").exists()
    Plumbline(settings).init()
    key = (tmp_path / "secret_key").read_text().strip()
    assert len(key) >= 64 and stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path).signing_key() == key  # kept: every process shares it
    assert Settings(data_dir=tmp_path / "other").signing_key() != key  # one per data dir
    assert Settings(data_dir=tmp_path, secret_key="s" * 40).signing_key() == "s" * 40
    assert key not in repr(settings)


def test_processes_starting_together_agree_on_one_secret(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: Settings(data_dir=tmp_path).signing_key(), range(16)))
    assert len(keys) == 1 and [p.name for p in tmp_path.iterdir()] == ["secret_key"]


@pytest.mark.parametrize("content", ["", "short", "\xff\xfe" * 40])
def test_a_damaged_secret_file_is_a_clear_error(tmp_path: Path, content: str) -> None:
    (tmp_path / "secret_key").write_bytes(content.encode("latin-1"))
    with pytest.raises(ConfigurationError, match="delete it"):
        Settings(data_dir=tmp_path).signing_key()


def test_short_secrets_are_refused_in_every_mode() -> None:
    with pytest.raises(ConfigurationError, match="32"):
        Settings(secret_key="short").check()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"port": 8123}, "http://127.0.0.1:8123"),
        ({"host": "0.0.0.0", "port": 9000}, "http://localhost:9000"),
        ({"host": "::1"}, "http://[::1]:8000"),
        ({"public_url": "https://news.example.org/", "port": 9000}, "https://news.example.org"),
    ],
)
def test_the_site_url_follows_the_address_served(values: dict[str, object], url: str) -> None:
    assert Settings(**values).site_url == url  # type: ignore[arg-type]
