"""The handlers each scenario runs, built around a probe so every contender measures alike."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from bench.probe import Probe

__all__ = ["CPU_LOOP_ITERATIONS", "WORKLOADS", "burn_cpu", "make_handler"]

#: Iterations of the pure-Python loop of the CPU-bound handler (a few ms on a modern core).
CPU_LOOP_ITERATIONS = 40_000

Handler = Callable[..., Any]


def burn_cpu(iterations: int = CPU_LOOP_ITERATIONS) -> int:
    """Spin in pure Python, holding the GIL, as a CPU-bound handler does."""
    acc = 0
    for i in range(iterations):
        acc = (acc * 31 + i) % 1_000_003
    return acc


def _noop(probe: Probe) -> Handler:
    async def noop() -> dict[str, Any]:
        probe.start()
        probe.end()
        return {}

    return noop


def _io(probe: Probe) -> Handler:
    async def io_50ms() -> dict[str, Any]:
        probe.start()
        await asyncio.sleep(0.05)
        probe.end()
        return {}

    return io_50ms


def _blocking(probe: Probe) -> Handler:
    def blocking_10ms() -> dict[str, Any]:
        probe.start()
        time.sleep(0.01)
        probe.end()
        return {}

    return blocking_10ms


def _payload(probe: Probe) -> Handler:
    async def echo_payload(payload: str) -> dict[str, Any]:
        probe.start()
        probe.end()
        return {"echo": payload}

    return echo_payload


def _latency(probe: Probe) -> Handler:
    async def note_latency(created_ns: int) -> dict[str, Any]:
        probe.start(created_ns)
        probe.end()
        return {}

    return note_latency


def _cpu(probe: Probe) -> Handler:
    def cpu_bound() -> dict[str, Any]:
        probe.start()
        burn_cpu()
        probe.end()
        return {}

    return cpu_bound


WORKLOADS: dict[str, Callable[[Probe], Handler]] = {
    "noop": _noop,
    "io": _io,
    "blocking": _blocking,
    "payload": _payload,
    "latency": _latency,
    "cpu": _cpu,
}


def make_handler(workload: str, probe: Probe) -> Handler:
    """The handler of ``workload`` reporting to ``probe``."""
    return WORKLOADS[workload](probe)
