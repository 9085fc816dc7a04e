"""Retry schedules: how long to wait after a failed gateway call."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

__all__ = ["Backoff", "BackoffFactory", "ExponentialBackoff"]


class Backoff(Protocol):
    """A retry schedule with state: one per retrying loop."""

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; advances the schedule."""

    def reset(self) -> None:
        """Start the schedule again, after a success."""


#: Makes a fresh :class:`Backoff`; ``ZeebeWorker(backoff=...)`` takes one.
BackoffFactory = Callable[[], Backoff]


class ExponentialBackoff:
    """Exponential back-off with jitter, reset on success.

    The n-th delay (from 0) is ``min(maximum, initial * multiplier**n)`` scaled by a
    random factor in ``[1 - jitter, 1 + jitter]``. The defaults are the Java client's:
    50 ms growing by 1.6 up to 5 s, with ±10 % jitter so a fleet does not retry in step.
    The class itself is a :data:`BackoffFactory`; use ``functools.partial`` to change
    the parameters.
    """

    __slots__ = ("_current", "_rng", "initial", "jitter", "maximum", "multiplier")

    def __init__(
        self,
        initial: float = 0.05,
        maximum: float = 5.0,
        multiplier: float = 1.6,
        jitter: float = 0.1,
        rng: random.Random | None = None,
    ) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"need 0 < initial <= maximum, got {initial} and {maximum}")
        if multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {multiplier}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter}")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._current = initial

    def next_delay(self) -> float:
        """The next delay in seconds, with jitter; the base grows for the next call."""
        base = self._current
        self._current = min(self.maximum, base * self.multiplier)
        if not self.jitter:
            return base
        return base * self._rng.uniform(1 - self.jitter, 1 + self.jitter)

    def reset(self) -> None:
        """Go back to the initial delay."""
        self._current = self.initial
