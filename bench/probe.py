"""Per-process measurement of handled jobs: throughput window, latency samples, RSS, CPU."""

from __future__ import annotations

import asyncio
import os
import resource
import threading
import time
from collections.abc import Iterable
from typing import Any

__all__ = ["Probe", "rss_kib"]


def rss_kib() -> int:
    """Resident set size of this process in KiB (Linux ``/proc``, else peak RSS)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class Probe:
    """Counts finished handler calls and notes what the report needs.

    Thread-safe, so blocking handlers running in a pool can call it. The measured window runs
    from the first handler start to the ``target``-th handler end, or is cut at ``cap_s``
    seconds after the first start.
    """

    def __init__(
        self,
        target: int,
        cap_s: float,
        rss_checkpoints: Iterable[int] = (),
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.target = target
        self.cap_s = cap_s
        self._checkpoints = sorted(set(rss_checkpoints))
        self._lock = threading.Lock()
        self._loop = loop
        self.count = 0
        self.first_start: float | None = None
        self.last_end: float | None = None
        self._cpu_at_first: float | None = None
        self._cpu_at_end: float | None = None
        self._window_count = 0
        self.latencies_ms: list[float] = []
        self.rss: dict[int, int] = {}
        self.first_job = asyncio.Event()
        self.done = asyncio.Event()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver the events on ``loop`` (the probe may be built before it runs)."""
        self._loop = loop

    def _notify(self, event: asyncio.Event) -> None:
        loop = self._loop
        if loop is None:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    def start(self, created_ns: int | None = None) -> None:
        """Note a handler start; ``created_ns`` (wall clock) gives a latency sample."""
        now_ns = time.time_ns()
        with self._lock:
            if self.first_start is None:
                self.first_start = time.perf_counter()
                self._cpu_at_first = _cpu_seconds()
                self._notify(self.first_job)
            if created_ns is not None:
                self.latencies_ms.append((now_ns - created_ns) / 1e6)

    def end(self) -> None:
        """Note a handler end; the ``target``-th one closes the window."""
        with self._lock:
            self.count += 1
            count = self.count
            if self._checkpoints and count == self._checkpoints[0]:
                self._checkpoints.pop(0)
                self.rss[count] = rss_kib()
            if count == self.target:
                self._close()
                self._notify(self.done)

    def _close(self) -> None:
        """Freeze the window at now; callers hold the lock."""
        if self.last_end is None:
            self.last_end = time.perf_counter()
            self._cpu_at_end = _cpu_seconds()
            self._window_count = self.count

    def close_if_expired(self) -> bool:
        """Close the window if ``cap_s`` has passed; True only for the call that closed it."""
        with self._lock:
            if self.first_start is None or self.last_end is not None:
                return False
            if time.perf_counter() - self.first_start < self.cap_s:
                return False
            self._close()
            return True

    async def wait(self, first_job_timeout_s: float) -> None:
        """Wait for the window to close: the target reached or the cap passed."""
        await asyncio.wait_for(self.first_job.wait(), first_job_timeout_s)
        assert self.first_start is not None
        remaining = self.first_start + self.cap_s - time.perf_counter()
        try:
            await asyncio.wait_for(self.done.wait(), max(remaining, 0.0))
        except asyncio.TimeoutError:
            with self._lock:
                self._close()

    def result(self) -> dict[str, Any]:
        """The measurements as a JSON-ready dict."""
        with self._lock:
            if self.first_start is None or self.last_end is None:
                return {"count": self.count, "elapsed_s": 0.0, "jobs_per_s": 0.0}
            elapsed = max(self.last_end - self.first_start, 1e-9)
            counted = self._window_count
            cpu = (self._cpu_at_end or 0.0) - (self._cpu_at_first or 0.0)
            return {
                "count": counted,
                "elapsed_s": elapsed,
                "jobs_per_s": counted / elapsed,
                "cpu_us_per_job": cpu / counted * 1e6 if counted else None,
                "capped": counted < self.target,
                "latencies_ms": list(self.latencies_ms),
                "rss_kib": {str(k): v for k, v in self.rss.items()},
            }
