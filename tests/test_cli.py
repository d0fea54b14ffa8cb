"""The CLI in process (Typer's runner), on a temporary data folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from plumbline import cli
from plumbline.cli import app
from plumbline.errors import InvalidInput
from tests.plumbline_fixtures import BACKEND, database_url

runner = CliRunner()
COMMANDS = [
    [],
    ["init"],
    ["sources"],
    ["sources", "list"],
    ["sources", "add"],
    ["sources", "import-opml"],
    ["sources", "export-opml"],
    ["sources", "disable"],
    ["ingest"],
    ["import"],
    ["process"],
    ["run"],
    ["serve"],
    ["status"],
    ["analyze"],
]


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PLUMBLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PLUMBLINE_DATABASE_URL", database_url())
    return tmp_path


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output) > 150


def test_init_creates_the_database_with_the_outlets(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "plumbline.db").exists() == (BACKEND == "sqlite")
    listed = runner.invoke(app, ["sources", "list", "--json"])
    assert len(json.loads(listed.output)) >= 60


def test_add_disable_enable_and_opml_round_trip(tmp_path: Path) -> None:
    added = runner.invoke(
        app,
        [
            "sources",
            "add",
            "Test Gazette",
            "https://gazette.example/",
            "--feed",
            "https://gazette.example/rss",
        ],
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["sources", "disable", "test-gazette"]).exit_code == 0
    listing = runner.invoke(app, ["sources", "list"]).output
    assert "test-gazette" in listing and "(disabled)" in listing
    assert runner.invoke(app, ["sources", "enable", "test-gazette"]).exit_code == 0
    exported = tmp_path / "out.opml"
    assert runner.invoke(app, ["sources", "export-opml", "-o", str(exported)]).exit_code == 0
    assert b"https://gazette.example/rss" in exported.read_bytes()
    opml = tmp_path / "in.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="Other Daily" xmlUrl="https://other.example/feed"/></body></opml>'
    )
    result = runner.invoke(app, ["sources", "import-opml", str(opml)])
    assert result.exit_code == 0 and "1 outlet(s) added" in result.output


def test_bad_input_gives_clear_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["sources", "disable", "no-such-outlet"]).exit_code == 2
    bad = runner.invoke(app, ["sources", "add", "X", "not-a-url"])
    assert bad.exit_code == 2 and "http" in bad.output
    opml = tmp_path / "bad.opml"
    opml.write_bytes(b"<html>")
    assert runner.invoke(app, ["sources", "import-opml", str(opml)]).exit_code == 2
    missing = runner.invoke(app, ["import", str(tmp_path / "missing.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    assert runner.invoke(app, ["import"]).exit_code == 2


def test_import_reports_bad_lines_and_skips_known_articles(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"id": "1", "url": "https://n.example/1", "title": "One", "text": "Text one.", "outlet": "n.example"}\n'
        "oops\n"
        '{"id": "2", "url": "https://n.example/2", "title": "Two", "text": "Text two.", "outlet": "n.example"}\n'
    )
    first = runner.invoke(app, ["import", str(path)])
    assert first.exit_code == 0
    assert "3 read, 2 added, 0 already stored, 1 invalid" in first.output
    assert "line 2" in first.output
    again = runner.invoke(app, ["import", str(path)])
    assert "0 added, 2 already stored" in again.output


def _import_outlets(path: Path, lines: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Import `lines` (each with its own title and text added) and list the outlets."""
    path.write_text(
        "".join(json.dumps({**line, "title": f"Title {line['id']}", "text": f"Text {line['id']}."})
                + "\n" for line in lines),
        encoding="utf-8",
    )  # fmt: skip
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0 and f"{len(lines)} read, {len(lines)} added" in result.output
    outlets: list[dict[str, Any]] = json.loads(
        runner.invoke(app, ["sources", "list", "--json"]).output
    )
    return outlets


def test_import_names_outlets_in_any_script(tmp_path: Path) -> None:
    lines = [
        {"id": "1", "url": "https://www.xinhuanet.example/1", "outlet": "新华社"},
        {"id": "2", "url": "https://mitu.example/2", "outlet": "Mitú"},
        {"id": "3", "url": "https://www.xinhuanet.example/3", "outlet": "新华社"},
    ]
    outlets = _import_outlets(tmp_path / "a.jsonl", lines)
    slugs = {o["name"]: o["slug"] for o in outlets}
    assert slugs["Mitú"] == "mitu"
    assert slugs["新华社"].startswith("outlet-")  # one outlet for both of its articles
    assert [o["name"] for o in outlets].count("新华社") == 1


def test_only_domain_names_become_outlet_domains(tmp_path: Path) -> None:
    lines = [
        {"id": "h1", "url": "http://[::1]/5"},  # no outlet: an address, not a domain
        {"id": "h2", "url": "http://10.0.0.1/a", "outlet": "..."},
        {"id": "h3", "url": "https://www.bücher.example/4"},
    ]
    outlets = {o["name"]: o for o in _import_outlets(tmp_path / "a.jsonl", lines)}
    assert "::1" not in outlets and "10.0.0.1" not in outlets
    assert outlets["..."]["homepage"] == "" and outlets["..."]["domains"] == []
    assert outlets["bücher.example"]["homepage"] == "https://bücher.example/"


def test_control_characters_never_reach_the_database(tmp_path: Path) -> None:
    """PostgreSQL refuses NUL in text: a line carrying it is stored clean on both engines."""
    path = tmp_path / "a.jsonl"
    line = {"id": "n1", "url": "https://n.example/1", "title": "Nul\u0000 title",
            "text": "Text\u0000 with NUL.", "outlet": "N\u0000ul News"}  # fmt: skip
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path)])
    assert result.exit_code == 0 and "1 read, 1 added" in result.output
    outlets = json.loads(runner.invoke(app, ["sources", "list", "--json"]).output)
    assert "Nul News" in {o["name"] for o in outlets}


def test_bad_input_anywhere_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PlumblineError that a command does not handle itself still ends as one line."""

    def command() -> None:
        raise InvalidInput("cannot read the outlet's name")

    monkeypatch.setattr(cli, "app", command)
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == "error: cannot read the outlet's name"


def test_status_counts_articles_by_stage(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "1", "url": "https://n.example/1", "title": "One", "text": "Text."}\n')
    runner.invoke(app, ["import", str(path)])
    data = json.loads(runner.invoke(app, ["status", "--json"]).output)
    assert {s["state"]: s["count"] for s in data["stages"]}["extracted"] == 1
    assert "failing feeds" not in runner.invoke(app, ["status"]).output
