"""The bench gateway: an EmbeddedGateway in its own process, steered over stdin/stdout.

``python -m bench.gateway_proc [--host H] [--port P] [--preload TYPE:N[:VARS_BYTES]]...``
prints ``{"ready": true, "address": "H:P"}`` once serving, then answers one JSON line per
command line on stdin (the gateway keeps its own GIL, away from the contenders):

- ``{"op": "preload", "type": T, "count": N, "vars_bytes": B}`` creates N jobs at once
  (variables ``{"payload": "x" * B}`` when B > 0), as a backlog for throughput runs;
- ``{"op": "feed", "type": T, "count": N, "rate": R}`` creates N jobs at R jobs/s, each with
  ``{"created_ns": <wall clock at creation>}``, and answers when the last one exists;
- ``{"op": "stats"}`` answers the gateway's CPU seconds so far and its rpc counts;
- ``{"op": "quit"}`` (or end of input) stops the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from zeebe_router.testing import EmbeddedGateway

__all__ = ["main", "parse_preload"]

#: Jobs created between two yields to the event loop while preloading.
_PRELOAD_CHUNK = 500


def parse_preload(text: str) -> tuple[str, int, int]:
    """Parse ``TYPE:N[:VARS_BYTES]``.

    Raises:
        argparse.ArgumentTypeError: the text is not of that form.
    """
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0]:
        raise argparse.ArgumentTypeError(f"expected TYPE:N[:VARS_BYTES], got {text!r}")
    try:
        count = int(parts[1])
        vars_bytes = int(parts[2]) if len(parts) == 3 else 0
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected integers in {text!r}") from exc
    return parts[0], count, vars_bytes


async def _preload(gateway: EmbeddedGateway, job_type: str, count: int, vars_bytes: int) -> None:
    variables = {"payload": "x" * vars_bytes} if vars_bytes > 0 else {}
    for index in range(count):
        gateway.create_job(job_type, variables)
        if index % _PRELOAD_CHUNK == _PRELOAD_CHUNK - 1:
            await asyncio.sleep(0)


async def _feed(gateway: EmbeddedGateway, job_type: str, count: int, rate: float) -> None:
    start = time.perf_counter()
    for index in range(count):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        gateway.create_job(job_type, {"created_ns": time.time_ns()})


async def _command(gateway: EmbeddedGateway, command: dict[str, Any]) -> dict[str, Any]:
    op = command.get("op")
    started = time.perf_counter()
    if op == "preload":
        await _preload(
            gateway, command["type"], int(command["count"]), int(command.get("vars_bytes", 0))
        )
    elif op == "feed":
        await _feed(gateway, command["type"], int(command["count"]), float(command["rate"]))
    elif op == "stats":
        times = os.times()
        return {"ok": True, "cpu_s": times.user + times.system, "calls": dict(gateway.calls)}
    else:
        return {"ok": False, "error": f"unknown op {op!r}"}
    return {"ok": True, "seconds": time.perf_counter() - started}


def _reply(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def _serve(host: str, port: int, preloads: Sequence[tuple[str, int, int]]) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with EmbeddedGateway(host=host, port=port) as gateway:
        for job_type, count, vars_bytes in preloads:
            await _preload(gateway, job_type, count, vars_bytes)
        _reply({"ready": True, "address": gateway.address})
        while line := await reader.readline():
            try:
                command = json.loads(line)
            except ValueError:
                _reply({"ok": False, "error": "not JSON"})
                continue
            if command.get("op") == "quit":
                break
            _reply(await _command(gateway, command))


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until told to quit or stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway_proc")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--preload", type=parse_preload, action="append", default=[])
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.host, args.port, args.preload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
