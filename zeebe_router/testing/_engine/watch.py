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
    _keyed: dict[int, list[_Watch[object]]] = field(default_factory=dict)

    def changed(self, key: int | None = None) -> None:
        """Re-check the general waiters, and those of ``key`` when given."""
        if self._watches:
            self._check(self._watches)
        if key is not None and key in self._keyed:
            self._check(self._keyed[key])

    @staticmethod
    def _check(watches: list[_Watch[object]]) -> None:
        for watch in list(watches):
            if watch.future.done():
                continue
            result = watch.check()
            if result is not None:
                watch.future.set_result(result)

    async def wait(
        self, check: Callable[[], T | None], timeout: float, what: str, key: int | None = None
    ) -> T:
        """Wait until ``check`` returns something other than None, and return it.

        With ``key``, the condition is re-checked only by ``changed(key)``: use it for state
        that only changes with that key (an instance), so busy engines stay cheap.

        Raises:
            TimeoutError: the condition did not hold within ``timeout`` seconds; the message
                says what was awaited.
        """
        result = check()
        if result is not None:
            return result
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        watch = _Watch(check, future)
        watches = self._watches if key is None else self._keyed.setdefault(key, [])
        watches.append(watch)  # type: ignore[arg-type]
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}") from None
        finally:
            watches.remove(watch)  # type: ignore[arg-type]
            if key is not None and not watches:
                del self._keyed[key]
