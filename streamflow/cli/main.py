"""``streamflow worker|tables|record|replay``; the operations commands are in ``cli.ops``,
``streamflow graph`` in ``cli.graph``."""
from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from typing import Any

import click

from ..config import setting_kind, worker_flags
from ..exceptions import StreamflowError
from .loading import load_app

def setup_logging(level: str, fmt: str = "text", app: str | None = None,
                  worker: str | None = None) -> None:
    """Log lines to stderr as text or JSON (see :func:`streamflow.logs.configure`)."""
    from ..logs import configure
    configure(level, fmt, app=app, worker=worker)


@click.group()
@click.version_option(package_name="streamflow")
def main() -> None:
    """streamflow: stateful stream processing on Apache Kafka."""


def setting_flags(command: Any) -> Any:
    """Give ``command`` a flag per setting :func:`~streamflow.config.worker_flags` lists
    (``--data-dir`` for ``data_dir``), typed as the setting, with its choices and its help:
    flags and settings come from the one list in ``config.py``."""
    for f in reversed(worker_flags()):
        choices = f.metadata.get("choices")
        kind = click.Choice(choices, case_sensitive=False) if choices else setting_kind(f)
        command = click.option(f"--{f.name.replace('_', '-')}", f.name, type=kind,
                               help=f.metadata["help"])(command)
    return command


@main.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@setting_flags
def worker(app_spec: str, **flags: Any) -> None:
    """Run a worker for the app MODULE:ATTR until SIGINT/SIGTERM."""
    # A SIGTERM before the worker's loop runs (importing the app, opening stores) has nothing
    # to stop yet: exit cleanly rather than die of the signal. The loop's handler replaces it.
    signal.signal(signal.SIGTERM, _exit_before_start)
    from ..runtime.worker import Worker
    app = load_app(app_spec)
    try:
        settings = app.configure(**{k: v for k, v in flags.items() if v is not None})
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    tune_gc(settings.gc_threshold)
    runner = Worker(app)
    bar = None
    if sys.stderr.isatty() and settings.log_format == "text":
        from .progress import CurrentStderr, RestoreBar
        from ..logs import configure
        configure(settings.log_level, "text", app=app.id, stream=CurrentStderr())
        bar = runner.restorer.listener = RestoreBar()
    else:
        # The worker_id setting, when set, names the worker in JSON logs; else host:pid.
        setup_logging(settings.log_level, settings.log_format, app.id, settings.worker_id)
    try:
        code = asyncio.run(_run_worker(runner))
    finally:
        if bar is not None:
            bar.close()
    sys.exit(code)


def tune_gc(threshold: int) -> None:
    """The worker process's garbage collector (``gc_threshold``; 0: leave Python's).

    Every event allocates a few short-lived tuples and lists, so at Python's default
    generation-0 threshold (700) the collector runs every few hundred events and walks the
    batch in flight each time, and every tenth run walks it again in generation 1. A
    threshold of 10,000 cuts that (docs/benchmarks.md, "The windowed hot path by instruction
    counts"); what start-up made (modules, the app, the clients) is frozen out of the
    collector's walks for good. Only ``streamflow worker`` does this: the process is the
    worker's. An app that embeds a Worker keeps its own collector settings."""
    if threshold <= 0:
        return
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(threshold, older, oldest)


async def _run_worker(worker: Any) -> int:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop_on_signal, worker, sig)
    try:
        await worker.run()
    except StreamflowError as exc:
        logging.getLogger("streamflow").error("worker stopped: %s", exc)
        return 1
    return 0


def _exit_before_start(signum: int, frame: Any) -> None:
    logging.getLogger("streamflow").info("SIGTERM received before the worker started: exiting")
    sys.exit(0)


def _stop_on_signal(worker: Any, sig: signal.Signals) -> None:
    logging.getLogger("streamflow").info("%s received: stopping after the batch in progress", sig.name)
    worker.request_stop()


@main.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--data-dir", help="the worker's data dir (default: the app's setting)")
@click.option("--dump", metavar="TABLE", help="print the committed contents of TABLE as JSON lines "
                                              "(windows as {key, start, end, value})")
@click.option("--broker", help="kafka://host:port to check the partitions are current (default: the app's)")
def tables(app_spec: str, data_dir: str | None, dump: str | None, broker: str | None) -> None:
    """List the app's tables on this machine's data dir: partitions, sizes, offsets, and
    whether each partition is still current (checked against its changelog on the broker)."""
    import orjson

    from ..inspection import describe_tables, dump_table
    from ..ops.table_freshness import cannot_check, check_freshness
    app = load_app(app_spec)
    try:
        if broker:
            app.configure(broker=broker)
        infos = describe_tables(app, data_dir)
        if dump:
            infos = [i for i in infos if i.table == dump]
        unchecked = cannot_check(app) if infos else None
        if infos and unchecked is None:
            unchecked = asyncio.run(check_freshness(app, infos))
        stale = {i.partition for i in infos if i.stale}
        if dump:
            for partition, row in dump_table(app, dump, data_dir):
                if partition in stale:
                    row["stale"] = True
                click.echo(orjson.dumps(row, default=str).decode())
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - e.g. a store RocksDB cannot read
        raise click.ClickException(f"cannot read the stores: {exc}") from None
    for i in infos:
        if i.stale:
            click.echo(f"warning: {i.table}[{i.partition}] is stale: this data dir has it up to "
                       f"changelog offset {i.changelog_offset}, but its changelog goes on to "
                       f"{i.changelog_end}; another worker has updated it since (it owns the "
                       "partition now), so its values here are old", err=True)
    if unchecked:
        click.echo(f"note: not checked against the changelogs: {unchecked}", err=True)
    if dump:
        return
    found = {i.table for i in infos}
    click.echo(f"{'table':<28} {'partition':>9} {'keys~':>10} {'bytes':>12} {'changelog offset':>17} "
               f"{'changelog end':>14}  state")
    for i in infos:
        state = "?" if i.stale is None else "STALE" if i.stale else "current"
        click.echo(f"{i.table:<28} {i.partition:>9} {i.keys_estimate:>10} {i.bytes_on_disk:>12} "
                   f"{'-' if i.changelog_offset is None else i.changelog_offset:>17} "
                   f"{'-' if i.changelog_end is None else i.changelog_end:>14}  {state}")
    for name in app.tables:
        if name not in found:
            click.echo(f"{name:<28} {'(no partitions on this data dir)'}")


@main.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--topic", required=True, help="the topic to record (one the app consumes)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="JSON Lines file to write")
@click.option("--from-beginning", is_flag=True, help="record from the first offset up to the current end")
@click.option("--since", help="record from this time (ISO 8601, or epoch milliseconds) up to the current end")
@click.option("--limit", type=int, help="stop after N records")
@click.option("--idle-timeout", type=float, help="following new records: stop after N s without one")
@click.option("--broker", help="kafka://host:port (default: the app's)")
def record(app_spec: str, topic: str, out: str, from_beginning: bool, since: str | None,
           limit: int | None, idle_timeout: float | None, broker: str | None) -> None:
    """Record a Kafka topic into a JSON Lines file for replay."""
    from ..testing.record import record_topic
    app = load_app(app_spec)
    try:
        if broker:
            app.configure(broker=broker)
        since_ms = _parse_time(since) if since else None
        n = asyncio.run(record_topic(app, topic, out, from_beginning=from_beginning,
                                     since_ms=since_ms, limit=limit, idle_timeout=idle_timeout))
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"recorded {n} records of {topic} to {out}", err=True)


def _parse_time(text: str) -> int:
    from datetime import UTC, datetime
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.ClickException(f"--since {text!r}: give ISO 8601 (2026-11-25T10:00:00) or epoch ms") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


@main.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--input", "inputs", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="a recording (repeatable; files are merged by timestamp)")
@click.option("--expect", type=click.Path(dir_okay=False), help="golden output to compare with")
@click.option("--out", type=click.Path(dir_okay=False), help="write the output records here")
@click.option("--update", is_flag=True, help="rewrite the --expect file with this replay's output")
@click.option("--skip-bad", is_flag=True, help="skip malformed recording lines (counted) instead of stopping")
def replay(app_spec: str, inputs: tuple[str, ...], expect: str | None, out: str | None,
           update: bool, skip_bad: bool) -> None:
    """Replay recordings through the app on virtual time; compare with golden output."""
    from ..testing.replay import compare, replay as run_replay, write_lines
    app = load_app(app_spec)
    setup_logging("WARNING")
    try:
        result = asyncio.run(run_replay(app, list(inputs), skip_bad=skip_bad))
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    lines = result.lines()
    for bad in result.skipped:
        click.echo(f"skipped {bad}", err=True)
    click.echo(f"replayed {result.inputs} records, {len(lines)} output records"
               + (f", skipped {len(result.skipped)} bad lines" if result.skipped else ""), err=True)
    if out:
        write_lines(out, lines)
    if expect and update:
        write_lines(expect, lines)
        click.echo(f"updated {expect}", err=True)
    elif expect:
        from pathlib import Path
        if not Path(expect).exists():
            raise click.ClickException(f"{expect} does not exist; create it with --update")
        diff = compare(expect, lines)
        if diff is not None:
            click.echo(diff)
            click.echo(f"output differs from {expect}", err=True)
            sys.exit(1)
        click.echo(f"output matches {expect}", err=True)
    elif not out:
        for line in lines:
            click.echo(line)


from .graph import graph as _graph  # noqa: E402 - registered on the group defined above
from .ops import COMMANDS as _OPS_COMMANDS  # noqa: E402

for _command in [*_OPS_COMMANDS, _graph]:
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
