"""Fault injection for the embedded gateway: failing calls, latency, dropped streams."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import grpc

from zeebe_router._proto import gateway_pb2

__all__ = ["RPC_NAMES", "Faults"]

RPC_NAMES = frozenset(m.name for m in gateway_pb2.DESCRIPTOR.services_by_name["Gateway"].methods)


@dataclass
class _Failure:
    status: grpc.StatusCode
    remaining: int
    details: str


class Faults:
    """Make the next calls of an rpc fail or slow down, or drop every open job stream."""

    def __init__(self) -> None:
        self._failures: dict[str, list[_Failure]] = {}
        self._delays: dict[str, float] = {}
        self._stream_droppers: set[Callable[[grpc.StatusCode, str], None]] = set()

    def fail(self, rpc: str, status: grpc.StatusCode, *, times: int = 1, details: str = "") -> None:
        """Answer the next ``times`` calls of ``rpc`` with ``status`` (and ``details``).

        Raises:
            ValueError: ``rpc`` is not a Gateway rpc name (e.g. "CompleteJob"), ``status`` is
                OK, or ``times`` < 1.
        """
        self._check(rpc)
        if status is grpc.StatusCode.OK:
            raise ValueError("a failure needs a status other than OK")
        if times < 1:
            raise ValueError(f"times must be >= 1, got {times}")
        message = details or f"injected fault: {rpc} answers {status.name}"
        self._failures.setdefault(rpc, []).append(_Failure(status, times, message))

    def delay(self, rpc: str, seconds: float) -> None:
        """Add ``seconds`` of latency before every call of ``rpc`` is handled (0 removes it).

        Raises:
            ValueError: ``rpc`` is not a Gateway rpc name, or ``seconds`` is negative.
        """
        self._check(rpc)
        if seconds < 0:
            raise ValueError(f"a delay cannot be negative, got {seconds}")
        if seconds:
            self._delays[rpc] = seconds
        else:
            self._delays.pop(rpc, None)

    def drop_streams(
        self, status: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE, details: str = ""
    ) -> int:
        """End every open StreamActivatedJobs call with ``status``; return how many ended."""
        droppers = list(self._stream_droppers)
        for drop in droppers:
            drop(status, details or f"injected fault: job stream dropped with {status.name}")
        return len(droppers)

    def clear(self) -> None:
        """Remove every pending failure and delay."""
        self._failures.clear()
        self._delays.clear()

    async def apply(self, rpc: str) -> tuple[grpc.StatusCode, str] | None:
        """Wait the rpc's delay; return the status and details to fail this call with, if any."""
        delay = self._delays.get(rpc)
        if delay:
            await asyncio.sleep(delay)
        failures = self._failures.get(rpc)
        if not failures:
            return None
        failure = failures[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            failures.pop(0)
        return failure.status, failure.details

    def watch_stream(self, drop: Callable[[grpc.StatusCode, str], None]) -> None:
        """Register an open stream so :meth:`drop_streams` can end it."""
        self._stream_droppers.add(drop)

    def unwatch_stream(self, drop: Callable[[grpc.StatusCode, str], None]) -> None:
        """Forget a stream that ended."""
        self._stream_droppers.discard(drop)

    @staticmethod
    def _check(rpc: str) -> None:
        if rpc not in RPC_NAMES:
            raise ValueError(f"unknown rpc {rpc!r}; expected one of {sorted(RPC_NAMES)}")
