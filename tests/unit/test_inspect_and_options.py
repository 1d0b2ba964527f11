"""Reading tables after a run, ``streamflow tables``, and client options passed to aiokafka."""
from __future__ import annotations

from click.testing import CliRunner

import streamflow
from streamflow.cli.main import main
from streamflow.config import Settings
from streamflow.inspection import describe_tables, read_table
from streamflow.runtime.transport.kafka import client_options

from .test_tables_memory import counting_app, send_clicks
from ..conftest import running, wait_until


async def test_a_table_can_be_read_from_the_data_dir_after_a_run(tmp_path) -> None:
    app, clicks, counts, seen = counting_app(tmp_path)
    async with running(app):
        await send_clicks(clicks, ["a", "b", "a"])
        await wait_until(lambda: len(seen) == 3, what="3 clicks")
    assert read_table(app, "counts", str(tmp_path)) == {"a": 2, "b": 1}
    infos = describe_tables(app, str(tmp_path))
    assert {i.partition for i in infos} == {0, 1}
    assert all(i.bytes_on_disk > 0 for i in infos)


async def test_streamflow_tables_lists_and_dumps(tmp_path, monkeypatch) -> None:
    module = tmp_path / "clicky.py"
    module.write_text(
        "import streamflow\n"
        "app = streamflow.App('cnt', topic_partitions=2)\n"
        "clicks = app.topic('clicks', partitions=2)\n"
        "counts = app.table('counts', default=int, partitions=2)\n")
    app, clicks, counts, seen = counting_app(tmp_path / "data")
    async with running(app):
        await send_clicks(clicks, ["x", "y", "x"])
        await wait_until(lambda: len(seen) == 3, what="3 clicks")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    listing = CliRunner().invoke(main, ["tables", "clicky:app", "--data-dir", str(tmp_path / "data")])
    assert listing.exit_code == 0, listing.output
    assert "counts" in listing.output and "changelog offset" in listing.output
    dump = CliRunner().invoke(main, ["tables", "clicky:app", "--data-dir", str(tmp_path / "data"), "--dump", "counts"])
    assert sorted(dump.stdout.splitlines()) == ['{"key":"x","value":2}', '{"key":"y","value":1}']
    missing = CliRunner().invoke(main, ["tables", "clicky:app", "--dump", "nope"])
    assert missing.exit_code == 1 and "has no table 'nope'" in missing.output


def test_sasl_and_ssl_settings_reach_aiokafka(tmp_path) -> None:
    ca = tmp_path / "ca.pem"
    import subprocess
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(ca), "-days", "1"],
                   check=True, capture_output=True)
    settings = Settings(broker="kafka://b1:9093,b2:9093", security_protocol="SASL_SSL",
                        sasl_mechanism="SCRAM-SHA-512", sasl_username="app", sasl_password="secret",
                        ssl_cafile=str(ca))
    opts = client_options(settings)
    assert opts["bootstrap_servers"] == "b1:9093,b2:9093"
    assert (opts["security_protocol"], opts["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert (opts["sasl_plain_username"], opts["sasl_plain_password"]) == ("app", "secret")
    assert opts["ssl_context"] is not None
    plain = client_options(Settings(broker="kafka://b:9092"))
    assert "ssl_context" not in plain and "sasl_mechanism" not in plain


def test_sasl_settings_are_checked_before_any_connection() -> None:
    import pytest
    ok = streamflow.App("x", security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-256",
                        sasl_username="app", sasl_password="secret").settings
    assert (ok.sasl_mechanism, ok.sasl_username) == ("SCRAM-SHA-256", "app")
    bad = [({"security_protocol": "SASL_PLAINTEXT"}, "needs sasl_mechanism, one of PLAIN"),
           ({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "OAUTHBEARER",
             "sasl_username": "a", "sasl_password": "b"}, "got 'OAUTHBEARER'"),
           ({"security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_username": "a"},
            "PLAIN needs sasl_password"),
           ({"sasl_mechanism": "SCRAM-SHA-512"}, "security_protocol is PLAINTEXT, which does not authenticate"),
           ({"security_protocol": "TLS"}, "security_protocol 'TLS': use one of")]
    for kwargs, message in bad:
        with pytest.raises(streamflow.ConfigError, match=message):
            streamflow.App("x", **kwargs)

