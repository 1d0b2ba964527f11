"""The broker's JVM as a child process: started in its own process group (so a stop reaches
every process it forked), SIGTERMed by the kernel if this Python process dies first, stopped
SIGTERM-then-SIGKILL at exit unless detached."""
from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable


class JvmProcess:
    """One run of ``cmd``, its stdout and stderr appended to ``output``.

    ``die_with_parent``: on Linux, have the kernel SIGTERM the JVM if this Python process
    dies without stopping it (e.g. a test run killed with SIGKILL); False for a process meant
    to outlive this one (see :meth:`detach`)."""

    def __init__(self, cmd: list[str], cwd: Path, output: Path, die_with_parent: bool) -> None:
        with open(output, "ab") as out:
            out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
            out.flush()
            self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                cmd,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() signals the whole group
                preexec_fn=_pdeathsig_preexec() if die_with_parent else None,
            )
        self.pid = self._proc.pid
        atexit.register(self._stop_at_exit)

    def exit_code(self) -> int | None:
        """The exit code, or None while it runs (or once stopped or detached)."""
        return self._proc.poll() if self._proc is not None else None

    def running(self) -> bool:
        """Started, not stopped or detached, and not exited."""
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a JVM's controlled shutdown), SIGKILL after ``timeout``. Idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        else:
            signal_group(proc.pid, signal.SIGKILL)  # stray children of a dead JVM, if any
        self._forget()

    def kill(self) -> None:
        """SIGKILL now (a start that failed)."""
        if self._proc is not None:
            signal_group(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self._proc.wait(10)
            self._forget()

    def detach(self) -> int:
        """Leave the process running after this Python process exits; return its pid."""
        if self._proc is None:
            raise RuntimeError("broker not started")
        self._proc.returncode = 0  # silence Popen's "still running" ResourceWarning on exit
        self._forget()
        return self.pid

    def _forget(self) -> None:
        self._proc = None
        atexit.unregister(self._stop_at_exit)

    def _stop_at_exit(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(timeout=10)


def signal_group(pid: int, sig: int) -> None:
    """Signal the process group ``pid`` leads (the JVM leads its own: start_new_session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _pdeathsig_preexec() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGTERM the child when this process dies (e.g. a test run
    killed with SIGKILL), so no orphaned JVM keeps ports and memory. PR_SET_PDEATHSIG fires on
    the exit of the *thread* that forked, so it is only used from the main thread."""
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None
    parent = os.getpid()

    def preexec() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # parent already gone between fork and prctl
            os._exit(1)

    return preexec
