"""``python -m streamflow.testing.kafka_broker start|stop|status``: a detached broker for
manual work, its pid and port kept in its state directory across invocations."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from .broker import KafkaBroker
from .jars import DEFAULT_VERSION
from .ports import port_is_free, tcp_open
from .process import signal_group


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m streamflow.testing.kafka_broker",
        description="A throwaway single-node Apache Kafka broker for development.",
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--dir", default=".kafka-dev", help="state directory (default ./.kafka-dev)")
    parser.add_argument("--port", type=int, default=None, help="client port (default: free port)")
    parser.add_argument("--version", default=DEFAULT_VERSION, help="Apache Kafka version")
    parser.add_argument("--timeout", type=float, default=60, help="start/stop timeout, seconds")
    args = parser.parse_args(argv)
    workdir = Path(args.dir).expanduser().resolve()
    if args.command == "start":
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            return _start(args, workdir)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    if args.command == "stop":
        return _stop(args, workdir)
    return _status(workdir)


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int, workdir: Path) -> bool:
    """Is ``pid`` our broker? (checks the command line, so a recycled pid is not mistaken)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            return False
        return b"kafka.Kafka" in args and str(workdir / "server.properties").encode() in args
    return True


def _start(args: argparse.Namespace, workdir: Path) -> int:
    pid_file, port_file = workdir / "broker.pid", workdir / "broker.port"
    pid = _read_int(pid_file)
    if pid and _alive(pid, workdir):
        print(f"127.0.0.1:{_read_int(port_file)}")
        print(f"kafka broker already running (pid {pid}, dir {workdir})", file=sys.stderr)
        return 0
    port = args.port
    if port is None:  # keep the previous port across restarts if it is free
        previous = _read_int(port_file)
        if previous and port_is_free(previous):
            port = previous
    broker = KafkaBroker(workdir=workdir, version=args.version, port=port, die_with_parent=False)
    broker.start(timeout=args.timeout)
    pid = broker.detach()
    pid_file.write_text(f"{pid}\n")
    port_file.write_text(f"{broker.port}\n")
    print(broker.bootstrap)
    print(
        f"kafka {args.version} broker started in {broker.startup_seconds:.1f}s "
        f"(pid {pid}, dir {workdir}, log {broker.server_log})",
        file=sys.stderr,
    )
    return 0


def _stop(args: argparse.Namespace, workdir: Path) -> int:
    pid_file = workdir / "broker.pid"
    pid = _read_int(pid_file)
    if not pid or not _alive(pid, workdir):
        print(f"kafka broker not running (dir {workdir})", file=sys.stderr)
        pid_file.unlink(missing_ok=True)
        return 0
    signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while _alive(pid, workdir) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid, workdir):
        signal_group(pid, signal.SIGKILL)
        while _alive(pid, workdir) and time.monotonic() < deadline + 10:
            time.sleep(0.1)
    pid_file.unlink(missing_ok=True)
    print(f"kafka broker stopped (pid {pid})", file=sys.stderr)
    return 0


def _status(workdir: Path) -> int:
    pid = _read_int(workdir / "broker.pid")
    port = _read_int(workdir / "broker.port")
    if pid and _alive(pid, workdir):
        answering = port is not None and tcp_open("127.0.0.1", port)
        state = "answering" if answering else "not answering yet"
        print(f"running: pid {pid}, bootstrap 127.0.0.1:{port} ({state}), dir {workdir}")
        return 0
    print(f"not running (dir {workdir})")
    return 1
