"""``streamflow replay``: golden files, diffs, bad recordings, determinism."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from streamflow.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
RECORDING = ROOT / "examples" / "recordings" / "orders.jsonl"
GOLDEN = ROOT / "examples" / "recordings" / "orders.golden.jsonl"
APP = "examples.orders:app"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_two_replays_are_byte_identical(cli, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert cli("replay", APP, "--input", str(RECORDING), "--out", str(a)).exit_code == 0
    assert cli("replay", APP, "--input", str(RECORDING), "--out", str(b)).exit_code == 0
    assert a.read_bytes() == b.read_bytes() and a.read_bytes()


def test_golden_match_exits_0_and_mismatch_exits_1_with_a_diff(cli, tmp_path: Path) -> None:
    assert cli("replay", APP, "--input", str(RECORDING), "--expect", str(GOLDEN)).exit_code == 0
    golden = tmp_path / "golden.jsonl"
    lines = GOLDEN.read_text().splitlines()
    lines[1] = lines[1].replace('"id":8', '"id":9')
    golden.write_text("\n".join(lines) + "\n")
    result = cli("replay", APP, "--input", str(RECORDING), "--expect", str(golden))
    assert result.exit_code == 1
    assert '-{"headers":[],"key":"customer-8"' in result.output and '"id":9' in result.output
    assert '+{"headers":[],"key":"customer-8"' in result.output and '"id":8' in result.output
    assert "output differs" in result.output
    assert cli("replay", APP, "--input", str(RECORDING), "--expect", str(golden), "--update").exit_code == 0
    assert golden.read_text() == GOLDEN.read_text()


def test_a_malformed_line_is_reported_with_file_and_line(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = RECORDING.read_text().splitlines()
    lines.insert(2, '{"topic": "orders", "partition": 0, "timestamp": "yesterday"}')
    lines.insert(5, "not json at all")
    bad.write_text("\n".join(lines) + "\n")
    result = cli("replay", APP, "--input", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3: 'timestamp' must be a non-negative integer" in result.output
    assert "Traceback" not in result.output
    skipped = cli("replay", APP, "--input", str(bad), "--skip-bad", "--out", str(tmp_path / "o.jsonl"))
    assert skipped.exit_code == 0
    assert "skipped 2 bad lines" in skipped.output and f"{bad}:6:" in skipped.output
    assert (tmp_path / "o.jsonl").read_text() == GOLDEN.read_text()


def test_a_recording_of_a_topic_the_app_does_not_consume_is_an_error(cli, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(RECORDING.read_text().replace('"topic":"orders"', '"topic":"payments"'))
    result = cli("replay", APP, "--input", str(other))
    assert result.exit_code == 1
    assert "records of payments, which app orders-example does not consume" in result.output


def test_missing_golden_file_says_how_to_create_it(cli, tmp_path: Path) -> None:
    result = cli("replay", APP, "--input", str(RECORDING), "--expect", str(tmp_path / "nope.jsonl"))
    assert result.exit_code == 1 and "create it with --update" in result.output


def test_recording_keeps_non_utf8_bytes_as_base64(tmp_path: Path) -> None:
    from streamflow.testing import RecordedRecord, read_recording, write_recording
    rec = RecordedRecord("t", 0, 5, 10, b"\xff\x00", None, (("h", b"\xfe"),))
    write_recording(tmp_path / "r.jsonl", [rec])
    text = (tmp_path / "r.jsonl").read_text()
    assert '"key_encoding":"base64"' in text and '"value":null' in text
    assert read_recording(tmp_path / "r.jsonl") == [rec]
    shutil.rmtree(tmp_path)
