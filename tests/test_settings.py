from __future__ import annotations

from pathlib import Path

import pytest

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
        ({"secret_key": "plumbline-development-secret-change-me"}, "secret_key"),
        ({"secret_key": "short"}, "secret_key"),
        ({"smtp_security": "none"}, "unencrypted"),
        ({"public_url": "http://news.example.org"}, "public_url"),
        ({"smtp_security": "ssl3"}, "smtp_security"),
    ],
)
def test_production_refuses_unsafe_reader_settings(change: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings(**{**SAFE, **change}).check()  # type: ignore[arg-type]


def test_development_accepts_the_default_secret_and_local_mail() -> None:
    Settings().check()
    assert "change-me" not in repr(Settings())
