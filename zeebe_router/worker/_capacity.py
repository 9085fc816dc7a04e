"""One limit on the jobs a task runs at once, shared by its stream and its polls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["Capacity"]


class Capacity:
    """Counts a task's jobs in flight against ``limit`` and wakes waiters when slots free.

    Slots are taken synchronously (:meth:`try_take`) or after waiting for one to free
    (:meth:`take`); every taken slot is given back with :meth:`release`. There is no
    sleeping or polling: a waiter resumes as soon as a job finishes.
    """

    __slots__ = ("_in_flight", "_limit", "_on_change", "_waiters")

    def __init__(self, limit: int, on_change: Callable[[int, int], None] | None = None) -> None:
        if limit < 1:
            raise ValueError(f"the job limit must be at least 1, got {limit}")
        self._limit = limit
        self._in_flight = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._on_change = on_change

    @property
    def limit(self) -> int:
        """The most jobs in flight at once."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """Slots taken now."""
        return self._in_flight

    @property
    def free(self) -> int:
        """Slots free now."""
        return self._limit - self._in_flight

    def try_take(self, count: int = 1) -> int:
        """Take up to ``count`` free slots at once; return how many were taken."""
        taken = min(count, self._limit - self._in_flight)
        if taken > 0:
            self._in_flight += taken
            if self._on_change is not None:
                self._on_change(self._in_flight, self._limit - self._in_flight)
            return taken
        return 0

    def take_over_limit(self) -> None:
        """Take one slot even if none is free (a gateway sent more jobs than asked for)."""
        self._in_flight += 1
        if self._on_change is not None:
            self._on_change(self._in_flight, self._limit - self._in_flight)

    async def take(self, count: int = 1, at_least: int = 1) -> int:
        """Wait until ``at_least`` slots are free, then take up to ``count``; return how many."""
        while True:
            await self.wait_free(at_least)
            taken = self.try_take(count)
            if taken:
                return taken

    async def wait_free(self, count: int = 1) -> None:
        """Return once at least ``count`` slots (at most all) are free, without taking them."""
        needed = min(count, self._limit)
        while self._limit - self._in_flight < needed:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def release(self, count: int = 1) -> None:
        """Give back ``count`` slots and wake everyone waiting for one."""
        if count <= 0:
            return
        self._in_flight = max(0, self._in_flight - count)
        if self._on_change is not None:
            self._on_change(self._in_flight, self._limit - self._in_flight)
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
