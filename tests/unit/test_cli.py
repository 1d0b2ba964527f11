"""``streamflow worker`` errors: one readable line and a non-zero exit, never a traceback."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from streamflow.cli.main import main


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "broken_at_import.py").write_text("import streamflow\nraise RuntimeError('boom at import')\n")
    (tmp_path / "not_an_app.py").write_text("app = 42\n")
    (tmp_path / "needs_missing_dep.py").write_text("import no_such_dependency_xyz\n")
    return tmp_path


@pytest.mark.parametrize("spec,message", [
    ("nocolon", "give MODULE:ATTR"),
    ("no_such_module_abc:app", "cannot import 'no_such_module_abc': no such module"),
    ("broken_at_import:app", "importing 'broken_at_import' failed: RuntimeError: boom at import"),
    ("not_an_app:app", "not_an_app:app is a int, not a streamflow.App"),
    ("not_an_app:missing", "module 'not_an_app' has no attribute 'missing'"),
    ("needs_missing_dep:app", "importing 'needs_missing_dep' failed: ModuleNotFoundError"),
])
def test_bad_app_spec_gives_one_line_and_nonzero_exit(app_dir: Path, spec: str, message: str) -> None:
    result = CliRunner().invoke(main, ["worker", spec])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 3


def test_bad_config_is_one_line(app_dir: Path) -> None:
    (app_dir / "ok_app.py").write_text("import streamflow\napp = streamflow.App('ok')\n")
    result = CliRunner().invoke(main, ["worker", "ok_app:app", "--broker", "http://x"])
    assert result.exit_code != 0
    assert "use memory:// or kafka://" in result.output
    assert "Traceback" not in result.output


def test_unreachable_broker_is_one_clear_error(app_dir: Path) -> None:
    (app_dir / "ok_app.py").write_text(textwrap.dedent("""
        import streamflow
        app = streamflow.App('ok', broker_timeout=2)
        t = app.topic('t')
        @app.agent(t)
        async def a(stream):
            async for _ in stream:
                pass
    """))
    proc = subprocess.run([sys.executable, "-m", "streamflow", "worker", "ok_app:app",
                           "--broker", "kafka://127.0.0.1:1"], cwd=app_dir,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "cannot reach Kafka at 127.0.0.1:1" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_sigterm_stops_the_worker_with_exit_0(app_dir: Path) -> None:
    (app_dir / "ticking.py").write_text(textwrap.dedent("""
        import streamflow
        app = streamflow.App('ticking', commit_interval=0.1)
        t = app.topic('t')
        @app.timer(0.05)
        async def feed():
            await t.send(key='k', value=1)
        @app.agent(t)
        async def consume(stream):
            async for _ in stream:
                print('got', flush=True)
    """))
    proc = subprocess.Popen([sys.executable, "-m", "streamflow", "worker", "ticking:app"],
                            cwd=app_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        while "got" not in proc.stdout.readline():
            assert time.monotonic() < deadline and proc.poll() is None, "worker never consumed"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err
    assert "worker ticking stopped" in err


def test_settings_from_environment_and_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamflow
    monkeypatch.setenv("STREAMFLOW_COMMIT_INTERVAL", "2.5")
    monkeypatch.setenv("STREAMFLOW_BATCH_SIZE", "10")
    app = streamflow.App("cfg", commit_interval=9, batch_size=5, data_dir="/x")
    assert (app.settings.commit_interval, app.settings.batch_size, app.settings.data_dir) == (2.5, 10, "/x")
    app.configure(batch_size=99)
    assert app.settings.batch_size == 99 and app.settings.commit_interval == 2.5


def test_unknown_setting_and_bad_env_values_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import streamflow
    with pytest.raises(streamflow.ConfigError, match="unknown setting 'comit_interval'"):
        streamflow.App("cfg", comit_interval=1)
    monkeypatch.setenv("STREAMFLOW_BATCH_SIZE", "many")
    with pytest.raises(streamflow.ConfigError, match="STREAMFLOW_BATCH_SIZE='many': expected a number"):
        streamflow.App("cfg")


def test_a_worker_process_runs_the_garbage_collector_less_often() -> None:
    """``streamflow worker`` raises the collector's generation-0 threshold to ``gc_threshold``
    and freezes what start-up made; 0 leaves Python's collector as it is."""
    import gc

    from streamflow.cli.main import tune_gc
    from streamflow.config import Settings

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        tune_gc(0)
        assert gc.get_threshold() == (700, 10, 10)
        tune_gc(Settings().gc_threshold)
        assert gc.get_threshold() == (10_000, 10, 10)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
