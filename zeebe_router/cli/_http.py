"""A small HTTP/1.1 server on asyncio streams for ``/healthz``, ``/readyz`` and ``/metrics``.

Standard library only: it answers GET/HEAD for a few fixed paths, one request per
connection, which is all that probes and Prometheus scrapes need.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING

from zeebe_router import _json
from zeebe_router.cli._errors import CliError

if TYPE_CHECKING:
    from zeebe_router.worker import WorkerHealth, ZeebeWorker

__all__ = ["METRICS_EXTRA_MISSING", "HttpResponse", "ProbeServer", "probe_routes", "serve_probes"]

log = logging.getLogger("zeebe_router.cli")

#: What ``/metrics`` answers (and the log says) when ``prometheus_client`` is not installed.
METRICS_EXTRA_MISSING = (
    "/metrics needs the prometheus extra: pip install 'zeebe-router[prometheus]'"
)

_READ_TIMEOUT_S = 10.0
_MAX_HEADER_LINES = 100
_MAX_LINE = 8192


@dataclass(frozen=True)
class HttpResponse:
    """One answer: status, media type and body."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def text(cls, status: int, text: str) -> HttpResponse:
        """A plain-text answer ending in a newline."""
        return cls(status, (text.rstrip("\n") + "\n").encode())


Route = Callable[[], HttpResponse]


class ProbeServer:
    """Serves fixed GET routes (``path -> handler``) on a TCP port until closed."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self._routes = dict(routes)
        self._server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (0 picks a free port); return the bound address.

        Raises:
            OSError: the port cannot be bound (in use, no permission).
        """
        self._server = await asyncio.start_server(
            self._serve, host, port, limit=_MAX_LINE, reuse_address=True
        )
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def close(self) -> None:
        """Stop listening and wait for open connections to finish."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            response, head_only = await asyncio.wait_for(self._read(reader), _READ_TIMEOUT_S)
        except (asyncio.TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            response, head_only = HttpResponse.text(400, "bad request"), False
        try:
            writer.write(_encode(response, head_only))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader) -> tuple[HttpResponse, bool]:
        request_line = (await reader.readline()).decode("latin-1").strip()
        for _ in range(_MAX_HEADER_LINES):
            if (await reader.readline()).strip() == b"":
                break
        else:
            return HttpResponse.text(431, "too many header lines"), False
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return HttpResponse.text(400, "bad request"), False
        method, target = parts[0], parts[1]
        route = self._routes.get(target.split("?", 1)[0])
        if route is None:
            known = ", ".join(sorted(self._routes))
            return HttpResponse.text(404, f"not found; try {known}"), False
        if method not in ("GET", "HEAD"):
            return HttpResponse.text(405, "only GET and HEAD are allowed"), False
        try:
            return route(), method == "HEAD"
        except Exception as exc:
            return HttpResponse.text(500, f"{type(exc).__name__}: {exc}"), False


def _encode(response: HttpResponse, head_only: bool) -> bytes:
    reason = HTTPStatus(response.status).phrase
    head = (
        f"HTTP/1.1 {response.status} {reason}\r\n"
        f"Content-Type: {response.content_type}\r\n"
        f"Content-Length: {len(response.body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1")
    return head if head_only else head + response.body


def probe_routes(worker: ZeebeWorker) -> dict[str, Route]:
    """``/healthz`` (``work()`` running), ``/readyz`` (activating jobs) and ``/metrics``."""

    def health(ok: Callable[[WorkerHealth], bool]) -> Route:
        def route() -> HttpResponse:
            snapshot = worker.health()
            body = _json.dumps(dataclasses.asdict(snapshot)).encode()
            return HttpResponse(200 if ok(snapshot) else 503, body, "application/json")

        return route

    return {
        "/healthz": health(lambda h: h.live),
        "/readyz": health(lambda h: h.ready),
        "/metrics": _metrics_route(),
    }


def _metrics_route() -> Route:
    try:
        from prometheus_client import REGISTRY, generate_latest
        from prometheus_client.exposition import CONTENT_TYPE_LATEST
    except ImportError:
        log.warning("%s; serving /healthz and /readyz only", METRICS_EXTRA_MISSING)
        return lambda: HttpResponse.text(501, METRICS_EXTRA_MISSING)
    return lambda: HttpResponse(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)


@contextlib.asynccontextmanager
async def serve_probes(worker: ZeebeWorker, host: str, port: int | None) -> AsyncIterator[None]:
    """Serve the probe routes of ``worker`` on ``host:port`` while the block runs (``None``: off).

    Raises:
        CliError: the port cannot be bound.
    """
    if port is None:
        yield
        return
    server = ProbeServer(probe_routes(worker))
    try:
        bound_host, bound_port = await server.start(host, port)
    except OSError as exc:
        raise CliError(f"cannot serve --http-port on {host}:{port}: {exc.strerror or exc}") from exc
    log.info("serving /healthz, /readyz and /metrics on http://%s:%d", bound_host, bound_port)
    try:
        yield
    finally:
        await server.close()
