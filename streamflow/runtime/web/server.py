"""The worker's HTTP server (aiohttp): ``/metrics``, ``/health``, ``/health/live``, ``/tables``.

Off unless ``web_port`` is set; binds ``web_host``, 127.0.0.1 unless told otherwise, so that
nothing outside the machine reaches it by default. It runs on the worker's own event loop:
a handler reads the worker's state between two steps of the run loop, and none of them awaits
anything but its response, so a request never holds the loop up for long. There is no access
log (probes and scrapes every few seconds would drown the worker's own lines).

It starts before the worker joins its group, so that the address it advertises (with the port
the system chose for ``web_port=0``) goes out in the worker's first join.
"""
from __future__ import annotations

import base64
import logging
import socket
from typing import TYPE_CHECKING, Any, Callable

import orjson
from aiohttp import web
# The classic text format: Prometheus 2 and 3 and every scraper read it (our names need none
# of the 1.0.0 format's escaping).
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from ...exceptions import ConfigError
from .table_queries import Answer, TableQueries

if TYPE_CHECKING:
    from ...config import Settings
    from ..health import Health

log = logging.getLogger("streamflow.web")

WILDCARDS = ("0.0.0.0", "::", "")


class WebServer:
    """The worker's HTTP server (``web_port``): /metrics, /health, /health/live, /tables."""

    def __init__(self, settings: "Settings", queries: TableQueries, health: "Health",
                 metrics: Callable[[], bytes]) -> None:
        """``metrics()`` is the ``/metrics`` body; ``settings`` give the address to bind."""
        self.settings = settings
        self.queries = queries
        self._health = health
        self._metrics = metrics
        self.url: str | None = None   # the advertised address, once bound
        self.bound: tuple[str, int] | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        settings = self.settings
        app = web.Application()
        app.router.add_get("/metrics", self.metrics)
        app.router.add_get("/health", self.health)
        app.router.add_get("/health/live", self.live)
        app.router.add_get("/tables", self.tables)
        app.router.add_get("/tables/{table}", self.table)
        app.router.add_get("/tables/{table}/{key:.+}", self.lookup)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, settings.web_host, settings.web_port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(f"cannot serve HTTP on {settings.web_host}:{settings.web_port}: "
                              f"{exc.strerror or exc} (web_host, web_port)") from None
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.bound = (host, port)
        self.url = self.queries.url = settings.web_advertised_url or _default_url(settings.web_host, port)
        log.info("HTTP server on http://%s:%d (/metrics, /health, /tables); advertised to the "
                 "group as %s", _bracketed(host), port, self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    # -- handlers -----------------------------------------------------------------------------
    async def metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self._metrics(),
                            headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    async def health(self, request: web.Request) -> web.Response:
        verdict = self._health.readiness()
        body: dict[str, Any] = {"status": verdict.status}
        if verdict.reason is not None:
            body["reason"] = verdict.reason
        body.update(self._health.details())
        return _json(200 if verdict.ready else 503, body)

    async def live(self, request: web.Request) -> web.Response:
        verdict = self._health.liveness()
        body: dict[str, Any] = {"status": verdict.status}
        if verdict.reason is not None:
            body["reason"] = verdict.reason
        return _json(200 if verdict.ok else 503, body)

    async def tables(self, request: web.Request) -> web.Response:
        return _answer(self.queries.listing())

    async def table(self, request: web.Request) -> web.Response:
        name = request.match_info["table"]
        key = request.query.get("key")
        if key is None:
            return _answer(self.queries.describe(name))
        return _answer(self.queries.lookup(name, key, request.raw_path,
                                           request.query.get("from"), request.query.get("to")))

    async def lookup(self, request: web.Request) -> web.Response:
        return _answer(self.queries.lookup(request.match_info["table"], request.match_info["key"],
                                           request.raw_path, request.query.get("from"),
                                           request.query.get("to")))


def _default_url(host: str, port: int) -> str:
    """``http://web_host:port``; the host name when the server binds every interface."""
    if host in WILDCARDS:
        host = socket.gethostname()
    return f"http://{_bracketed(host)}:{port}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _answer(answer: Answer) -> web.Response:
    response = _json(answer.status, answer.body)
    if answer.location is not None:
        response.headers["Location"] = answer.location
    if answer.status == 503:
        response.headers["Retry-After"] = "1"
    return response


def _json(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(body, default=_jsonable,
                                                         option=orjson.OPT_NON_STR_KEYS),
                        content_type="application/json")


def _jsonable(value: Any) -> Any:
    """What orjson cannot write itself: bytes (text when UTF-8, else base64), sets, the rest
    as text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode()
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(raw).decode()}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    return str(value)


__all__ = ["WebServer"]
