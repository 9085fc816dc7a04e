"""Event-driven waiting on engine state: woken by changes, never by polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

__all__ = ["Watchers"]

T = TypeVar("T")


@dataclass(eq=False)
class _Watch(Generic[T]):
    check: Callable[[], T | None]
    future: asyncio.Future[T]


@dataclass(eq=False)
class Watchers:
    """Waiters re-checked after every change of engine state."""

    _watches: list[_Watch[object]] = field(default_factory=list)

    def changed(self) -> None:
        """Re-check every waiter; resolve those whose condition now holds."""
        if not self._watches:
            return
        for watch in list(self._watches):
            if watch.future.done():
                continue
            result = watch.check()
            if result is not None:
                watch.future.set_result(result)

    async def wait(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        """Wait until ``check`` returns something other than None, and return it.

        Raises:
            TimeoutError: the condition did not hold within ``timeout`` seconds; the message
                says what was awaited.
        """
        result = check()
        if result is not None:
            return result
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        watch = _Watch(check, future)
        self._watches.append(watch)  # type: ignore[arg-type]
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}") from None
        finally:
            self._watches.remove(watch)  # type: ignore[arg-type]
