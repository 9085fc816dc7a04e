"""Run the embedded gateway as a stand-alone server until SIGINT or SIGTERM.

``python -m zeebe_router.testing._serve --host 127.0.0.1 --port 26500``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
from collections.abc import Sequence

from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.testing._servicer import GATEWAY_VERSION

__all__ = ["main", "run_gateway"]

log = logging.getLogger("zeebe_router.testing.gateway")

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

HISTORY_LIMIT = 100_000
"""Finished jobs and instances a served gateway remembers, so long runs keep memory flat."""


async def run_gateway(host: str = "127.0.0.1", port: int = 26500) -> None:
    """Serve an embedded gateway on ``host:port`` until SIGINT or SIGTERM, then stop cleanly.

    Raises:
        RuntimeError: the address cannot be bound (e.g. the port is taken).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    installed: list[signal.Signals] = []
    for signum in _STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        async with EmbeddedGateway(host, port, history_limit=HISTORY_LIMIT) as gateway:
            log.info("embedded Zeebe gateway %s listening on %s", GATEWAY_VERSION, gateway.address)
            log.info(
                "this gateway runs an in-memory engine for tests and local development only: "
                "state is lost on exit and it is not a Zeebe broker"
            )
            await stop.wait()
            log.info("stopping the embedded gateway")
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    log.info("embedded gateway stopped")


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``--host``/``--port`` and serve until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m zeebe_router.testing._serve",
        description="Serve the embedded Zeebe gateway (tests and local development only).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=26500, help="port to bind (26500; 0: any)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(run_gateway(args.host, args.port))


if __name__ == "__main__":
    main()
