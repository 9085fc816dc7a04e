"""The embedded gateway's clock: real time plus an offset that tests move forward."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable

__all__ = ["Clock", "Timer"]

# Re-check at least this often, so a far-away timer never needs a huge loop delay.
_MAX_SLEEP_S = 3600.0
# Rebuild the timer heap once this many cancelled timers (and at least half of it) pile up.
_COMPACT_AFTER = 1024


class Timer:
    """A scheduled callback; :meth:`cancel` keeps it from running."""

    __slots__ = ("_clock", "callback", "cancelled", "due_ms")

    def __init__(self, clock: Clock, due_ms: int, callback: Callable[[], None]) -> None:
        self._clock = clock
        self.due_ms = due_ms
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        """Do not run the callback (no effect once it ran)."""
        if not self.cancelled:
            self.cancelled = True
            self._clock._forget(self)


class Clock:
    """Engine time in epoch milliseconds; :meth:`advance` makes deadlines and back-offs due now.

    Timers run on the event loop that was running when they were scheduled; advancing the
    clock runs every timer that became due at once, without sleeping.
    """

    def __init__(self) -> None:
        self._offset_ms = 0
        self._timers: list[tuple[int, int, Timer]] = []
        self._cancelled = 0
        self._order = itertools.count()
        self._handle: asyncio.TimerHandle | None = None
        self._armed_for: int | None = None

    @property
    def offset_ms(self) -> int:
        """How far this clock runs ahead of real time, in milliseconds."""
        return self._offset_ms

    def now_ms(self) -> int:
        """The current engine time in epoch milliseconds."""
        return time.time_ns() // 1_000_000 + self._offset_ms

    def advance(self, ms: int) -> None:
        """Move the clock ``ms`` milliseconds forward and run every timer that became due.

        Raises:
            ValueError: ``ms`` is negative (the clock never goes back).
        """
        if ms < 0:
            raise ValueError(f"the clock only moves forward, got advance({ms})")
        self._offset_ms += ms
        self._run_due()

    def call_at(self, due_ms: int, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` once the engine time reaches ``due_ms``."""
        timer = Timer(self, due_ms, callback)
        heapq.heappush(self._timers, (due_ms, next(self._order), timer))
        if self._armed_for is None or due_ms < self._armed_for:
            self._arm()
        return timer

    @property
    def pending(self) -> int:
        """How many timers wait to run."""
        return len(self._timers) - self._cancelled

    def close(self) -> None:
        """Drop every pending timer."""
        self._timers.clear()
        self._cancelled = 0
        self._disarm()

    def _run_due(self) -> None:
        self._disarm()
        while self._timers and self._timers[0][0] <= self.now_ms():
            _, _, timer = heapq.heappop(self._timers)
            if timer.cancelled:
                self._cancelled -= 1
                continue
            timer.cancelled = True  # ran: a later cancel() changes nothing
            timer.callback()
        self._arm()

    def _forget(self, timer: Timer) -> None:
        self._cancelled += 1
        if self._cancelled >= _COMPACT_AFTER and self._cancelled * 2 >= len(self._timers):
            self._timers = [entry for entry in self._timers if not entry[2].cancelled]
            heapq.heapify(self._timers)
            self._cancelled = 0

    def _disarm(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._armed_for = None

    def _arm(self) -> None:
        self._disarm()
        if not self._timers:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # armed again by the next timer scheduled or advance() on a loop
        due = self._timers[0][0]
        delay = min(max(0.0, (due - self.now_ms()) / 1000), _MAX_SLEEP_S)
        self._handle = loop.call_later(delay, self._run_due)
        self._armed_for = due
