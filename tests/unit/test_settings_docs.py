"""Settings, their environment variables, ``streamflow worker`` flags and the README's table
come from one list, ``config.Settings``: a setting added there without its README row, or a
row left for a setting that is gone, fails here."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from streamflow.cli.main import main, worker
from streamflow.config import Settings, env_name, worker_flags

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_table() -> list[list[str]]:
    """The README's configuration table: one list of cells per row, backticks removed."""
    text = README.read_text()
    start = text.index("| setting | environment | flag | default | meaning |")
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split(" | ")])
    return rows


def flag_of(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def test_the_readme_table_lists_every_setting_with_its_variable_flag_and_default() -> None:
    fields = dataclasses.fields(Settings)
    rows = settings_table()
    assert [row[0] for row in rows] == [f.name for f in fields]
    flagged = {f.name for f in worker_flags()}
    for row, f in zip(rows, fields):
        name, env, flag, default = row[:4]
        assert env == env_name(f.name), name
        assert flag == (flag_of(name) if name in flagged else ""), name
        if f.default is not None:  # None defaults are described ("none", "host name + ...")
            assert default == str(f.default), name


def test_settings_are_read_from_their_environment_variables() -> None:
    env = {env_name("commit_interval"): "2.5", env_name("store"): "memory",
           env_name("web_port"): "0", env_name("sasl_username"): "alice"}
    settings = Settings.from_sources(env=env)
    assert (settings.commit_interval, settings.store, settings.web_port,
            settings.sasl_username) == (2.5, "memory", 0, "alice")


def test_streamflow_worker_has_a_flag_for_each_flagged_setting_and_no_other() -> None:
    result = CliRunner().invoke(main, ["worker", "--help"])
    assert result.exit_code == 0, result.output
    shown = set(re.findall(r"^  (--[a-z-]+)", result.output, re.M)) - {"--help"}
    assert shown == {flag_of(f.name) for f in worker_flags()}


@pytest.mark.parametrize(("args", "expected"), [
    (["--batch-size", "7", "--commit-interval", "0.5"], {"batch_size": 7, "commit_interval": 0.5}),
    (["--store", "memory", "--log-level", "debug"], {"store": "memory", "log_level": "DEBUG"}),
    (["--web-port", "0", "--worker-id", "pod-3"], {"web_port": 0, "worker_id": "pod-3"}),
])
def test_flags_are_read_as_their_settings_types_and_choices(args: list[str], expected: dict) -> None:
    params = worker.make_context("worker", ["app:app", *args]).params
    assert {name: params[name] for name in expected} == expected


def test_a_flag_outside_a_settings_choices_is_refused() -> None:
    result = CliRunner().invoke(main, ["worker", "app:app", "--processing-guarantee", "twice"])
    assert result.exit_code == 2 and "at_least_once" in result.output
