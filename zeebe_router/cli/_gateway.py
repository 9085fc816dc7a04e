"""``zeebe-router gateway``: serve the embedded gateway for local development and tests."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from zeebe_router.cli._errors import CliError

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """Register the ``gateway`` sub-command."""
    parser = commands.add_parser(
        "gateway",
        help="serve an in-memory Zeebe gateway (local development and tests only)",
        description="Serve the embedded, in-memory Zeebe gateway until SIGINT or SIGTERM. "
        "It keeps no state on disk and is not a Zeebe cluster: use it for tests, demos and "
        "local development only.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=26500, help="port (default 26500; 0 picks a free one)"
    )
    parser.add_argument(
        "--log-format", default="text", choices=["text", "json"], help="default text"
    )
    parser.set_defaults(func=_gateway)


def _gateway(args: argparse.Namespace) -> int:
    from zeebe_router.observability import configure_logging
    from zeebe_router.testing._serve import run_gateway

    configure_logging("INFO", fmt="json" if args.log_format == "json" else "text")
    try:
        asyncio.run(run_gateway(args.host, args.port))
    except (OSError, RuntimeError) as exc:
        raise CliError(f"cannot serve the gateway on {args.host}:{args.port}: {exc}") from exc
    return 0
