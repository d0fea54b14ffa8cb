"""The `plumbline` command. Each command builds Plumbline from Settings (environment
variables PLUMBLINE_*) and calls one method of it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from plumbline.errors import InvalidInput, PlumblineError

if TYPE_CHECKING:  # the core loads when a command runs, so `--help` answers at once
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

app = typer.Typer(
    help="Plumbline: every story from every side, with bias that is measured and checkable.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sources_app = typer.Typer(help="List, add, enable or disable outlets and their feeds; OPML.")
app.add_typer(sources_app, name="sources")
newsletter_app = typer.Typer(
    help="Newsletter digests. `plumbline run` sends the daily ones by itself.",
    no_args_is_help=True,
)
app.add_typer(newsletter_app, name="newsletter")
follows_app = typer.Typer(
    help="Follows of stories and topics. `plumbline run` sends the alerts by itself.",
    no_args_is_help=True,
)
app.add_typer(follows_app, name="follows")
feedback_app = typer.Typer(
    help='Readers\' answers to "Is this loaded?" about the highlighted phrases.',
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Folder for the database (default: $PLUMBLINE_DATA_DIR or ./var)."
    ),
]


def _plumbline(data_dir: Path | None = None) -> Plumbline:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    core = Plumbline(settings)
    core.init()
    return core


def _fail(exc: PlumblineError) -> None:
    typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
) -> None:
    from plumbline.logs import configure

    fmt = os.environ.get("PLUMBLINE_LOG_FORMAT", "text")
    configure(logging.INFO if verbose else logging.WARNING, "json" if fmt == "json" else "text")


@app.command()
def init(data_dir: DataDir = None) -> None:
    """Create or upgrade the database and add the packaged outlets."""
    try:
        core = _plumbline(data_dir)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"database ready at {core.settings.resolved_database_url}")
    status = core.status()
    typer.echo(f"{status.outlets} outlets, {status.feeds} feeds")


@sources_app.command("list")
def sources_list(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List outlets with their lean, feeds and whether they are polled."""
    outlets = _plumbline(data_dir).outlets()
    if as_json:
        typer.echo(json.dumps([asdict(o) for o in outlets], indent=2, default=str))
        return
    for o in outlets:
        state = "" if o.enabled else "  (disabled)"
        typer.echo(f"{o.slug:32} {o.lean.value:8} {len(o.feeds)} feed(s)  {o.name}{state}")


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="Outlet name, e.g. 'The Example Times'.")],
    homepage: Annotated[str, typer.Argument(help="Home page URL.")],
    feed: Annotated[
        list[str] | None, typer.Option("--feed", help="RSS/Atom URL; repeatable.")
    ] = None,
    country: Annotated[str, typer.Option(help="ISO country code.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Add an outlet (lean 'unrated' until learned) with its feeds."""
    try:
        outlet = _plumbline(data_dir).add_outlet(name, homepage, feed or [], country)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"added {outlet.slug} with {len(outlet.feeds)} feed(s)")


def _set_enabled(slug: str, enabled: bool, data_dir: Path | None) -> None:
    try:
        _plumbline(data_dir).set_outlet_enabled(slug, enabled)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"{slug} {'enabled' if enabled else 'disabled'}")


@sources_app.command("disable")
def sources_disable(slug: str, data_dir: DataDir = None) -> None:
    """Stop polling an outlet's feeds (its stored articles stay)."""
    _set_enabled(slug, False, data_dir)


@sources_app.command("enable")
def sources_enable(slug: str, data_dir: DataDir = None) -> None:
    """Poll an outlet's feeds again."""
    _set_enabled(slug, True, data_dir)


@sources_app.command("import-opml")
def sources_import_opml(
    file: Annotated[Path, typer.Argument(help="OPML file ('-' for standard input).")],
    data_dir: DataDir = None,
) -> None:
    """Add the outlets and feeds an OPML file lists."""
    content = sys.stdin.buffer.read() if str(file) == "-" else _read(file)
    try:
        added = _plumbline(data_dir).import_opml(content)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"{added} outlet(s) added")


@sources_app.command("export-opml")
def sources_export_opml(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write every outlet's feeds as OPML (to standard output by default)."""
    content = _plumbline(data_dir).export_opml()
    if output:
        output.write_bytes(content)
    else:
        sys.stdout.buffer.write(content + b"\n")


def _open(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        typer.secho(f"error: cannot read {path}: {exc.strerror}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        typer.secho(f"error: cannot read {path}: {exc.strerror}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc


@app.command()
def ingest(
    force: Annotated[bool, typer.Option(help="Poll every feed, due or not.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Poll the feeds that are due once and store new articles."""
    report = _plumbline(data_dir).ingest(force=force)
    typer.echo(
        f"{report.feeds_polled} feeds polled ({report.feeds_not_modified} unchanged, "
        f"{report.feeds_failed} failed), {report.entries_seen} entries, "
        f"{report.articles_added} new articles"
    )
    for error in report.errors[:20]:
        typer.echo(f"  {error}", err=True)


@app.command("import")
def import_(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="JSONL(.gz) of articles or an Article-Bias-Prediction dump; '-' reads stdin."
        ),
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Import the packaged demo corpus.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Import articles. Each line is a JSON object with title and text (and url, outlet,
    published, author, id), or an Article-Bias-Prediction record. Bad lines are reported
    and skipped; articles already stored are skipped."""
    if (file is None) == (not demo):
        typer.secho("error: give a FILE or --demo (not both)", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    core = _plumbline(data_dir)
    if demo:
        report = core.import_demo()
    elif str(file) == "-":
        report = core.import_articles(sys.stdin.buffer)
    else:
        assert file is not None
        try:
            with file.open("rb") as stream:
                report = core.import_articles(stream)
        except OSError as exc:
            typer.secho(f"error: cannot read {file}: {exc.strerror}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from exc
    typer.echo(
        f"{report.read} read, {report.added} added, {report.skipped_existing} already stored, "
        f"{report.invalid} invalid"
    )
    for error in report.errors[:20]:
        typer.echo(f"  {error}", err=True)
    if report.invalid and not report.added and not report.skipped_existing:
        raise typer.Exit(1)


@app.command()
def process(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
    retry_failed: Annotated[bool, typer.Option(help="Retry articles that failed before.")] = False,
    in_rounds: Annotated[
        bool,
        typer.Option(
            "--in-rounds",
            help="Work in growing rounds (100, 200, 400 … articles), writing the stories up "
            "after each, so that a site serving the same store fills from the first "
            "seconds; one line per round instead of progress bars.",
        ),
    ] = False,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            help="With --in-rounds: leave the analysis to a `process --only-analyze` running "
            "beside it (a core each); analyze here only if that one stops.",
        ),
    ] = False,
    only_analyze: Annotated[
        bool,
        typer.Option("--only-analyze", help="Extract and analyze, then stop (see --follow)."),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Run the pending pipeline stages: extract, analyze, cluster, synthesize."""
    core = _plumbline(data_dir)
    if retry_failed:
        typer.echo(f"{core.retry_failed()} failed article(s) queued again")
    if follow and not in_rounds:
        typer.secho("error: --follow goes with --in-rounds", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if only_analyze:
        done = core.analyze_only(progress=not quiet)
        typer.echo(f"extracted {done.extracted}, analyzed {done.analyzed}, failed {done.failed}")
        return
    if in_rounds:
        from plumbline.models import PipelineReport

        started = time.monotonic()

        def said(number: int, done: PipelineReport) -> None:
            left = core.backlog().articles_waiting
            typer.echo(
                f"round {number}: {done.clustered} articles in stories, {done.synthesized} "
                f"story write-ups, {left} articles to go ({time.monotonic() - started:.0f} s)"
            )

        report = core.process_in_rounds(on_round=said, follow=follow)
    else:
        report = core.process(progress=not quiet)
    typer.echo(
        f"extracted {report.extracted}, analyzed {report.analyzed}, clustered {report.clustered}, "
        f"stories written {report.synthesized}, duplicates {report.duplicates}, "
        f"failed {report.failed}"
    )


@app.command()
def status(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Articles per pipeline stage, stories, and failing feeds with their last error."""
    core = _plumbline(data_dir)
    s = core.status()
    queues: dict[str, int] | None = None
    broker_error = ""
    if core.settings.broker_url:
        from plumbline.workers.metrics import broker_snapshot

        queues, broker_error = broker_snapshot(core.settings.broker_url)
    if as_json:
        data = asdict(s)
        if core.settings.broker_url:
            data["queues"] = queues
            data["broker_error"] = broker_error or None
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    typer.echo("articles by stage:")
    for stage in s.stages:
        typer.echo(f"  {stage.state:10} {stage.count}")
    typer.echo(f"stories: {s.stories}   outlets: {s.outlets}   feeds: {s.feeds}")
    if s.failing_feeds:
        typer.echo(f"failing feeds ({len(s.failing_feeds)}):")
        for feed in s.failing_feeds:
            typer.echo(f"  {feed.url}  [{feed.error_count}x] {feed.last_error}")
    if queues is not None:
        typer.echo("tasks waiting in the broker's queues:")
        for name, depth in queues.items():
            typer.echo(f"  {name:20} {depth}")
    elif broker_error:
        typer.secho(f"broker unreachable: {broker_error}", fg=typer.colors.RED, err=True)


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    data_dir: DataDir = None,
) -> None:
    """Copy the SQLite database while Plumbline runs (SQLite's online backup), checked."""
    try:
        size = _plumbline(data_dir).backup(target)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"backed up to {target} ({size / 1e6:.1f} MB)")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A file written by `plumbline backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the database without asking.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Replace the SQLite database with a backup (stop the site and pipeline first)."""
    if not source.is_file():
        typer.secho(f"error: no file {source}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    if not yes and not typer.confirm(f"Replace the database with {source}?"):
        raise typer.Exit(1)
    try:
        _plumbline(data_dir).restore(source)
    except PlumblineError as exc:
        _fail(exc)
    typer.echo(f"restored from {source}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=64,
            help="Server processes sharing the port; 0 (default) means one per CPU core.",
        ),
    ] = 0,
    process: Annotated[
        bool,
        typer.Option(
            "--process",
            help="Also work through the articles waiting in the store, in a background "
            "process, while the site answers (`plumbline process --in-rounds`; the front "
            "page says what is still being processed). What `make run` does.",
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Serve the web site and the JSON API."""
    core = _plumbline(data_dir)
    host, port = host or core.settings.host, port or core.settings.port
    # links in emails and feeds and the form origin check follow the address served
    core.settings.host, core.settings.port = host, port
    os.environ["PLUMBLINE_HOST"], os.environ["PLUMBLINE_PORT"] = host, str(port)
    workers = workers or os.cpu_count() or 1
    if data_dir:  # child processes build their own Plumbline from the environment
        os.environ["PLUMBLINE_DATA_DIR"] = str(data_dir)
    background = _start_processing() if process else []
    try:
        if workers == 1:
            _serve(core, host, port)
            return
        import uvicorn

        core.close()
        typer.echo(f"Plumbline at http://{host}:{port}/  ({workers} workers; Ctrl+C stops)")
        uvicorn.run(
            "plumbline.web.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,  # the app trusts the proxies its settings name
        )
    finally:
        for child in background:
            _stop(child)


def _start_processing() -> list[subprocess.Popen[bytes]]:
    """Two child processes, so that analysis and write-ups run side by side: `process
    --only-analyze` and `process --in-rounds --follow` (one model thread; its lines go to
    this terminal)."""
    typer.echo("processing the waiting articles in the background; the site fills as it goes")
    process = [sys.executable, "-m", "plumbline", "process"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    analyzer = subprocess.Popen(  # the model on every core while the writer waits for it
        [*process, "--only-analyze", "--quiet"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    writer = subprocess.Popen(
        [*process, "--in-rounds", "--follow"],
        stdin=subprocess.DEVNULL,
        env={**env, "PLUMBLINE_TORCH_THREADS": "1"},
    )
    return [analyzer, writer]


def _stop(child: subprocess.Popen[bytes]) -> None:
    """End a background child: SIGTERM, then SIGKILL after 10 s. An interrupted batch is
    rolled back and done again by the next run."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _serve(core: Plumbline, host: str, port: int) -> None:
    import uvicorn

    from plumbline.web.app import create_app

    typer.echo(f"Plumbline at http://{host}:{port}/  (Ctrl+C stops)")
    uvicorn.run(create_app(core), host=host, port=port, log_level="warning", proxy_headers=False)


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    every: Annotated[
        float | None, typer.Option(help="Minutes between polls (default: poll_interval_minutes).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Poll feeds every N minutes and process new articles, while serving the site.

    In process only: with PLUMBLINE_BROKER_URL set it refuses to start (it would poll and
    process beside the workers and beat); run `plumbline serve`, `plumbline worker` and one
    `plumbline beat` instead."""
    from plumbline.scheduler import Scheduler
    from plumbline.settings import Settings

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    if settings.broker_url:
        typer.secho(
            "error: PLUMBLINE_BROKER_URL is set, so polling and processing belong to the "
            "workers: run `plumbline serve` for the site, `plumbline worker` (any number) and "
            "exactly one `plumbline beat` for polling, the pipeline and the digests; or unset "
            "PLUMBLINE_BROKER_URL to do everything in this one process",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2)
    core = _plumbline(data_dir)
    scheduler = Scheduler(core, every_minutes=every or core.settings.poll_interval_minutes)
    scheduler.start()
    try:
        _serve(core, host or core.settings.host, port or core.settings.port)
    finally:
        scheduler.stop()


@app.command()
def analyze(
    file: Annotated[
        Path | None, typer.Argument(help="Plain-text article ('-' for standard input).")
    ] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option("--jsonl", help='JSONL file of {"id", "title", "text"} ("-" for stdin).'),
    ] = None,
) -> None:
    """Bias score, lean, sentence bias and loaded phrases, as JSON. With --jsonl, one
    output line per input line; otherwise one object for one plain-text article."""
    from plumbline.analysis.report import analyze_stream, analyze_text

    if (file is None) == (jsonl is None):
        typer.secho("error: give FILE or --jsonl FILE", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    core = _plumbline_unstored()
    if jsonl is not None:
        stream = sys.stdin.buffer if str(jsonl) == "-" else _open(jsonl)
        with stream:
            for line in analyze_stream(core.analyzer(), stream):
                typer.echo(json.dumps(line, ensure_ascii=False))
        return
    assert file is not None
    text = sys.stdin.read() if str(file) == "-" else _read(file).decode("utf-8", "replace")
    typer.echo(json.dumps(analyze_text(core.analyzer(), "", text), ensure_ascii=False))


@app.command()
def cluster(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL of {"id", "title", "text"} with optional "outlet" and "published" '
            "(ISO date; absent means unknown), in arrival order ('-' for standard input)."
        ),
    ],
) -> None:
    """Group articles into stories with the pipeline's own algorithm, on a throw-away
    store: one {"id", "story"} line per input line, in input order. A line that cannot be
    clustered gets "story": null and an "error"."""
    with _scratch(file, default_outlets=False) as (core, stream):
        outcomes = core.cluster_stream(stream)
    for outcome in outcomes:
        line: dict[str, Any] = {"id": outcome.id, "story": outcome.story}
        if outcome.error:
            line["error"] = f"line {outcome.line}: {outcome.error}"
        typer.echo(json.dumps(line, ensure_ascii=False))


@app.command()
def synthesize(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL of {"id", "title", "text", "story"} with optional "outlet" '
            "('-' for standard input). Articles with the same \"story\" form one story."
        ),
    ],
) -> None:
    """Write up each story of the input as the site does, on a throw-away store: one JSON
    line per distinct "story" with the neutral article (headline, lead, sections whose
    sentences name their source ids), its own bias score, the bias assessment, key
    questions and omissions. Unusable lines are reported on standard error."""
    from plumbline.analysis.story_report import writeup_json

    # the packaged outlets give the input's outlet names their lean
    with _scratch(file, default_outlets=True) as (core, stream):
        writeups, errors = core.synthesize_stream(stream)
    for error in errors:
        typer.secho(f"skipped {error}", fg=typer.colors.YELLOW, err=True)
    for writeup in writeups:
        typer.echo(json.dumps(writeup_json(writeup), ensure_ascii=False))


@contextmanager
def _scratch(file: Path, *, default_outlets: bool) -> Iterator[tuple[Plumbline, IO[bytes]]]:
    """A Plumbline on a throw-away SQLite store, and the input stream ('-': stdin)."""
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="plumbline-") as folder:
        core = Plumbline(
            Settings(data_dir=Path(folder), database_url="", default_outlets=default_outlets)
        )
        try:
            core.init()
            stream = sys.stdin.buffer if str(file) == "-" else _open(file)
            with stream:
                yield core, stream
        finally:
            core.close()


def _plumbline_unstored() -> Plumbline:
    """A Plumbline whose database is in memory: for commands that store nothing."""
    from plumbline.core import Plumbline
    from plumbline.settings import Settings

    return Plumbline(Settings(database_url="sqlite://"))


def _broker_settings(data_dir: Path | None) -> Settings:
    from plumbline.settings import Settings

    settings = Settings(data_dir=data_dir) if data_dir else Settings()
    if not settings.broker_url:
        typer.secho(
            "error: set PLUMBLINE_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to use workers",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2)
    return settings


@app.command()
def worker(
    concurrency: Annotated[
        int,
        typer.Option("--concurrency", "-c", min=0, help="Worker processes (0: one per CPU core)."),
    ] = 0,
    queues: Annotated[
        str,
        typer.Option(
            "--queues",
            "-Q",
            help="Comma-separated queues to take tasks from (default: all): plumbline.fetch "
            "(polling, extraction), plumbline.analyze (the heavy stage), plumbline.pipeline "
            "(coordination, clustering, synthesis), plumbline.mail (digests, confirmations).",
        ),
    ] = "",
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    data_dir: DataDir = None,
) -> None:
    """Run a Celery worker (needs PLUMBLINE_BROKER_URL): takes pipeline, polling and mail
    tasks from Redis. Start as many as you like, on any machine that reaches the database
    and Redis; each process loads the model once, before its first task."""
    from plumbline.workers import make_app
    from plumbline.workers.metrics import QUEUES

    settings = _broker_settings(data_dir)
    try:
        _plumbline(data_dir).close()  # migrate once, before the pool forks
        chosen = [q.strip() for q in queues.split(",") if q.strip()] or list(QUEUES)
        unknown = [q for q in chosen if q not in QUEUES]
        if unknown:
            raise InvalidInput(f"unknown queue {unknown[0]!r}; choose from {', '.join(QUEUES)}")
        celery = make_app(settings, preload="plumbline.analyze" in chosen)
    except PlumblineError as exc:
        _fail(exc)
    argv = ["worker", f"--queues={','.join(chosen)}", f"--loglevel={loglevel}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    celery.worker_main(argv)


@app.command()
def beat(
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    data_dir: DataDir = None,
) -> None:
    """Run the Celery beat scheduler (needs PLUMBLINE_BROKER_URL; run exactly one): queues
    feed polling every poll_interval_minutes, which queues the pipeline's work, and the
    newsletter digests. Its schedule state is kept in DATA_DIR/celerybeat-schedule."""
    from plumbline.workers import make_app

    settings = _broker_settings(data_dir)
    try:
        celery = make_app(settings)
    except PlumblineError as exc:
        _fail(exc)
    schedule = Path(settings.data_dir) / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    celery.start(["beat", f"--schedule={schedule}", f"--loglevel={loglevel}"])


class Frequency(StrEnum):
    daily = "daily"
    weekly = "weekly"


@newsletter_app.command("send")
def newsletter_send(
    frequency: Annotated[
        Frequency, typer.Option(help="Which digest: the day's or the week's top stories.")
    ] = Frequency.daily,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be sent; send and store nothing.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Send this period's digest to every confirmed subscriber who has not had it yet.

    Safe to repeat and safe after a crash: each digest is recorded before it is handed to
    the mail server, so nobody gets a period's digest twice. Exits 1 when a send failed
    (failed ones are retried by the next run of the period) or may not have arrived."""
    core = _plumbline(data_dir)
    try:
        report = core.send_digests(frequency.value, dry_run=dry_run)
    except PlumblineError as exc:
        _fail(exc)
    verb = "would send" if dry_run else "sent"
    typer.echo(
        f"{report.period}: {verb} {report.sent}, nothing to send {report.skipped}, "
        f"already handled {report.already}, failed {report.failed}, unknown {report.unknown}"
    )
    for error in report.errors:
        typer.secho(f"  {error}", fg=typer.colors.YELLOW, err=True)
    if report.failed or report.unknown:
        raise typer.Exit(1)


@follows_app.command("send")
def follows_send(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the alerts due; send and store nothing.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Alert every follow whose story or topic changed: a side that had not covered it now
    does, or the coverage score moved by 10 points or more. At most one alert per follow a
    day, so it is safe to run often; exits 1 when an email could not be sent (it is tried
    again by the next run)."""
    core = _plumbline(data_dir)
    report = core.send_follow_alerts(dry_run=dry_run)
    verb = "would alert" if dry_run else "alerted"
    to_feeds = report.alerts - report.emailed - report.failed
    typer.echo(
        f"{report.checked} follows checked; {verb} {report.alerts}"
        + ("" if dry_run else f" ({report.emailed} by email, {to_feeds} in feeds)")
        + f", failed {report.failed}"
    )
    for error in report.errors:
        typer.secho(f"  {error}", fg=typer.colors.YELLOW, err=True)
    if report.failed:
        raise typer.Exit(1)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSON Lines file to write.")
    ] = None,
    min_answers: Annotated[
        int, typer.Option("--min-answers", min=1, help="Leave out phrases with fewer answers.")
    ] = 1,
    data_dir: DataDir = None,
) -> None:
    """Write every phrase readers judged as labelled data, one JSON object per line
    (to standard output by default): the article's URL and outlet, the sentence, the
    phrase and its character offsets in it, the model's weight, the readers' yes and no
    counts and their majority ("label": true loaded, false not, null on a tie). No reader
    is identified in it."""
    core = _plumbline(data_dir)
    written = 0
    with output.open("w", encoding="utf-8") if output else _stdout_text() as out:
        for verdict in core.feedback.verdicts(min_votes=min_answers):
            row = {**asdict(verdict), "label": verdict.label}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            written += 1
    if output:
        typer.echo(f"{written} phrase(s) written to {output}")


@contextmanager
def _stdout_text() -> Iterator[IO[str]]:
    yield sys.stdout
    sys.stdout.flush()


def main() -> None:
    try:
        app()
    except PlumblineError as exc:  # any command's bad input: a clear message, no traceback
        typer.secho(f"error: {exc.message}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
