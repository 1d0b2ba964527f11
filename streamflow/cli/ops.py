"""``streamflow send|topics|reset|dead-letters``: parse, call ``streamflow.ops``, print."""
from __future__ import annotations

import asyncio
import sys
from typing import Any, Callable

import click

from ..app import App
from ..exceptions import StreamflowError
from .loading import load_app

broker_option = click.option("--broker", help="kafka://host:port (default: the app's broker setting)")


def _app(spec: str, broker: str | None, command: str) -> App:
    from ..ops.connect import require_kafka
    app = load_app(spec)
    try:
        if broker:
            app.configure(broker=broker)
        require_kafka(app, command)
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    return app


def _run(fn: Callable[[], Any]) -> Any:
    """Run a coroutine factory; a StreamflowError is one line and exit code 1."""
    try:
        return asyncio.run(fn())
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.argument("topic")
@click.option("--key", help="the key: JSON, or text when it is not JSON (text for str keys)")
@click.option("--value", help="the value as JSON (text for str values); without it, records "
                              "are read from stdin")
@click.option("--timestamp", help="ms since the epoch or ISO 8601 (default: now)")
@click.option("--header", "headers", multiple=True, metavar="NAME=VALUE", help="repeatable")
@click.option("--partition", type=int, help="this partition instead of the key's")
@click.option("--plain", is_flag=True, help="stdin lines are values (keyed by --key), not "
                                            "{\"key\", \"value\", ...} objects")
@broker_option
def send(app_spec: str, topic: str, key: str | None, value: str | None, timestamp: str | None,
         headers: tuple[str, ...], partition: int | None, plain: bool, broker: str | None) -> None:
    """Send records to one of the app's topics, through its codecs.

    One record from --key/--value, or JSON Lines on stdin: one
    {"key": ..., "value": ..., "timestamp": ..., "headers": {...}} object per line
    (or one value per line with --plain). Every record is checked against the topic's types
    before the first is sent.
    """
    from ..ops import send as ops
    app = _app(app_spec, broker, "send")
    try:
        t = ops.find_topic(app, topic)
        k = ops.parse_key(t, key)
        if value is not None:
            pairs = []
            for h in headers:
                name, sep, text = h.partition("=")
                if not sep:
                    raise ops.BadRecord(f"--header {h!r}: give NAME=VALUE")
                pairs.append((name, text))
            records = [ops.record(t, k, ops.parse_value(t, value), timestamp=timestamp,
                                  headers=pairs, partition=partition)]
        else:
            if sys.stdin.isatty():
                raise StreamflowError("give --value, or pipe JSON Lines records on stdin")
            records = ops.parse_lines(t, sys.stdin, plain=plain, key=k)
            if partition is not None:
                for r in records:
                    r.partition = r.partition if r.partition is not None else partition
            if not records:
                raise StreamflowError("stdin held no records: nothing sent")
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    sent = _run(lambda: ops.send(app, topic, records))
    click.echo(sent.describe())


@click.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@broker_option
def topics(app_spec: str, broker: str | None) -> None:
    """The app's topics (declared and internal) with partitions, end offsets, the consumer
    group's committed offsets and lag. Kafka only: memory:// lives inside one process."""
    from ..ops.topics import describe_topics, render
    app = _app(app_spec, broker, "topics")
    report = _run(lambda: describe_topics(app))
    for line in render(report):
        click.echo(line)


@click.command()
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--to-earliest", "to", flag_value="earliest", help="the first offset still on the log")
@click.option("--to-latest", "to", flag_value="latest", help="the end: skip everything not processed yet")
@click.option("--to-datetime", "when", metavar="T",
              help="the first record at or after T (ISO 8601, UTC unless a zone is given, or epoch ms)")
@click.option("--topic", "topics", multiple=True, help="only this input topic (repeatable)")
@click.option("--dry-run", is_flag=True, help="show the new offsets without committing them")
@broker_option
def reset(app_spec: str, to: str | None, when: str | None, topics: tuple[str, ...],
          dry_run: bool, broker: str | None) -> None:
    """Move the app's consumer group on its input topics; refused while a worker runs.

    Repartition topics go to their end unless named with --topic. Tables are not reset.
    """
    from ..ops.reset import render, reset_offsets
    from ..ops.send import parse_time
    if (to is not None) + (when is not None) != 1:
        raise click.UsageError("give one of --to-earliest, --to-latest, --to-datetime T")
    app = _app(app_spec, broker, "reset")
    try:
        timestamp = parse_time(when, "--to-datetime") if when is not None else None
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    moves = _run(lambda: reset_offsets(app, to or "datetime", timestamp_ms=timestamp,
                                       topics=list(topics) or None, dry_run=dry_run))
    for line in render(moves, dry_run):
        click.echo(line)


@click.command("dead-letters")
@click.argument("app_spec", metavar="MODULE:ATTR")
@click.option("--topic", "topics", multiple=True, help="only dead letters from this source topic (repeatable)")
@click.option("--since", help="only dead letters of records from this time on (ISO 8601 or epoch ms)")
@click.option("--pending", is_flag=True, help="list only those not re-driven yet")
@click.option("--redrive", is_flag=True, help="send the pending ones back to their source topic and partition")
@broker_option
def dead_letters(app_spec: str, topics: tuple[str, ...], since: str | None, pending: bool,
                 redrive: bool, broker: str | None) -> None:
    """List the records workers could not decode (on_decode_error=dead_letter), one JSON
    object per line: where each came from, the error, key and value.

    --redrive sends the pending ones back to where they came from (once the app reads them),
    committing its progress per source topic so that nothing is ever re-driven twice.
    """
    import orjson

    from ..ops import dead_letters as ops
    from ..ops.send import parse_time
    app = _app(app_spec, broker, "dead-letters")
    try:
        since_ms = parse_time(since, "--since") if since is not None else None
    except StreamflowError as exc:
        raise click.ClickException(str(exc)) from None
    chosen = list(topics) or None
    if redrive:
        result = _run(lambda: ops.redrive(app, topics=chosen, since_ms=since_ms))
        for letter, partition in result.resent:
            click.echo(f"re-sent {letter.at}@{letter.offset} (from {letter.source}) to "
                       f"{letter.topic}[{partition}]")
        extra = "".join([f"; passed over {result.passed} older than --since" if result.passed else "",
                         f"; left {result.foreign} without streamflow headers" if result.foreign else ""])
        click.echo(f"re-drove {len(result.resent)} dead letter(s){extra}", err=True)
        return
    letters = _run(lambda: ops.list_dead_letters(app, topics=chosen, since_ms=since_ms))
    shown = [d for d in letters if d.pending or not pending]
    for letter in shown:
        click.echo(orjson.dumps(letter.as_json()).decode())
    click.echo(f"{len(shown)} dead letter(s), {sum(d.pending for d in letters)} pending", err=True)


COMMANDS = [send, topics, reset, dead_letters]
