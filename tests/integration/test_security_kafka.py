"""SASL and SSL against a real broker: a worker that must authenticate on every connection.

The session broker's SASL listeners advertise only themselves, so every client a worker opens
(admin, consumer, producer, changelog reader, broadcast reader) connects there and must log in
with the configured mechanism; one that ignored the settings could not reach the broker at all.
The test itself reads and writes through the plain listener of the same broker.
"""
from __future__ import annotations

import collections
import json
import random
import time

import orjson
import pytest

from .kafka_helpers import WorkerProcess, create_topic, end_offsets, produce, read_all, unique, wait_until

SPEC = "tests.integration.apps.secure:app"
USER = "streamflow-it"


def clicks(n: int, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    return [(u, {"user": u}) for u in (f"user-{rng.randrange(5)}" for _ in range(n))]


async def records_of(bootstrap: str, topic: str, partitions: int) -> list:
    n = sum((await end_offsets(bootstrap, topic, partitions)).values())
    return sorted(await read_all(bootstrap, topic, n, timeout=30), key=lambda r: (r.partition, r.offset))


async def has_records(bootstrap: str, topic: str, partitions: int, n: int) -> bool:
    try:
        return sum((await end_offsets(bootstrap, topic, partitions)).values()) >= n
    except Exception:  # noqa: BLE001 - the worker has not created the topic yet
        return False


def settings(kafka_sasl, protocol: str, mechanism: str, password: str,
             as_kwargs: tuple[str, ...]) -> dict[str, str]:
    """The worker's environment: settings named in ``as_kwargs`` go to App(...) (through
    IT_APP_KWARGS), the others to STREAMFLOW_* variables."""
    address = kafka_sasl.sasl_ssl if protocol == "SASL_SSL" else kafka_sasl.sasl_plaintext
    values = {"broker": f"kafka://{address}", "security_protocol": protocol,
              "sasl_mechanism": mechanism, "sasl_username": USER, "sasl_password": password}
    if protocol == "SASL_SSL":
        values["ssl_cafile"] = kafka_sasl.ssl_cafile
    env = {f"STREAMFLOW_{k.upper()}": v for k, v in values.items() if k not in as_kwargs}
    env["IT_APP_KWARGS"] = json.dumps({k: v for k, v in values.items() if k in as_kwargs})
    return env


@pytest.mark.parametrize("protocol, mechanism, as_kwargs", [
    ("SASL_PLAINTEXT", "PLAIN", ("security_protocol", "sasl_mechanism", "sasl_username")),
    ("SASL_PLAINTEXT", "SCRAM-SHA-256", ()),
    ("SASL_SSL", "SCRAM-SHA-512", ("security_protocol", "ssl_cafile", "sasl_password")),
])
async def test_worker_authenticates_every_client(kafka_broker, kafka_sasl, tmp_path, protocol,
                                                 mechanism, as_kwargs) -> None:
    if protocol == "SASL_SSL" and kafka_sasl.sasl_ssl is None:
        pytest.skip("no keytool: the session broker has no SASL_SSL listener")
    plain = kafka_broker.bootstrap
    p = unique("sec") + "-"
    for topic, partitions in (("clicks", 2), ("orders", 2), ("products", 1)):
        await create_topic(plain, p + topic, partitions)
    await produce(plain, p + "products", [(f"p{i}", {"name": f"product {i}"}) for i in range(5)])
    await produce(plain, p + "orders", [(f"o{i}", {"id": f"o{i}", "product": f"p{i % 5}"}) for i in range(20)])
    first_clicks = clicks(300, seed=1)
    await produce(plain, p + "clicks", first_clicks)
    env = {"IT_PREFIX": p, "STREAMFLOW_COMMIT_INTERVAL": "0.2",
           **settings(kafka_sasl, protocol, mechanism, kafka_sasl.users[USER], as_kwargs)}

    first = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "a")}, tmp_path / "a.log")
    try:
        await wait_until(lambda: has_records(plain, p + "running-counts", 2, 300), 60, "300 running counts")
        await wait_until(lambda: has_records(plain, p + "order-products", 2, 20), 60, "20 join results")
        joined = {r.key.decode(): orjson.loads(r.value) for r in await records_of(plain, p + "order-products", 2)}
        assert joined == {f"o{i}": {"order": f"o{i}", "product": f"product {i % 5}"} for i in range(20)}
        assert await first.terminate() == 0, first.log()[-3000:]
    finally:
        first.close()

    # an empty disk: the counts come back from the changelog, read through SASL too
    second = WorkerProcess(SPEC, {**env, "STREAMFLOW_DATA_DIR": str(tmp_path / "b")}, tmp_path / "b.log")
    try:
        await second.wait_assigned()
        assert "restored table counts" in second.log(), second.log()[-3000:]
        more = clicks(100, seed=2)
        await produce(plain, p + "clicks", more)
        await wait_until(lambda: has_records(plain, p + "running-counts", 2, 400), 60, "400 running counts")
        latest = {r.key.decode(): orjson.loads(r.value)["count"]
                  for r in await records_of(plain, p + "running-counts", 2)}
        assert latest == dict(collections.Counter(u for u, _ in first_clicks + more))
        assert await second.terminate() == 0, second.log()[-3000:]
    finally:
        second.close()
    for worker in (first, second):
        assert "Traceback" not in worker.log()


async def start_failure(env: dict[str, str], tmp_path) -> str:
    """Run a worker that must fail at start; return its one error line."""
    worker = WorkerProcess(SPEC, {"IT_PREFIX": unique("sec") + "-",
                                  "STREAMFLOW_DATA_DIR": str(tmp_path / "a"), **env}, tmp_path / "a.log")
    try:
        # well before broker_timeout (30 s): a refusal is final, there is nothing to wait for
        await wait_until(lambda: worker.proc.poll() is not None, 20, "the worker to give up")
        log = worker.log()
        assert worker.proc.returncode == 1, log
        assert "Traceback" not in log, log
        errors = [line for line in log.splitlines() if "worker stopped:" in line]
        assert len(errors) == 1, log
        return errors[0]
    finally:
        worker.close()


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
async def test_wrong_password_stops_the_worker_with_one_clear_error(kafka_sasl, tmp_path, mechanism) -> None:
    error = await start_failure(settings(kafka_sasl, "SASL_PLAINTEXT", mechanism, "not-the-password", ()),
                                tmp_path)
    assert "SASL authentication" in error and repr(USER) in error and mechanism in error, error
    assert kafka_sasl.sasl_plaintext in error and "sasl_password" in error, error


async def test_untrusted_broker_certificate_is_a_clear_tls_error(kafka_sasl, tmp_path) -> None:
    if kafka_sasl.sasl_ssl is None:
        pytest.skip("no keytool: the session broker has no SASL_SSL listener")
    env = settings(kafka_sasl, "SASL_SSL", "SCRAM-SHA-256", kafka_sasl.users[USER], ())
    del env["STREAMFLOW_SSL_CAFILE"]  # the system's CAs do not know the self-signed certificate
    error = await start_failure(env, tmp_path)
    assert "TLS handshake" in error and "CERTIFICATE_VERIFY_FAILED" in error and "ssl_cafile" in error, error
