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
