"""A periodic one-line log summary of what a worker did."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from zeebe_router.observability._metrics import NOOP_METRICS, Outcome, WorkerMetrics

__all__ = ["SummaryReporter"]

_LOG = logging.getLogger("zeebe_router.summary")


class SummaryReporter:
    """Counts a worker's measurements (forwarding each to ``inner``) and logs a summary.

    Pass it as the worker's metrics and start :meth:`run`; every interval it logs, at INFO,
    a line such as ``jobs/s=123.4 in_flight=7 activated=900 completed=850 failed=3
    errors=1 handed_back=0 lost=0 activation_errors=0 reconnects=0``: the rate of answered
    jobs over the interval, the jobs in flight now and the totals since the start.

    Args:
        inner: the metrics to forward to (e.g. :class:`PrometheusMetrics`).
        logger: where the summary goes; ``zeebe_router.summary`` by default.
    """

    def __init__(
        self, inner: WorkerMetrics = NOOP_METRICS, logger: logging.Logger | None = None
    ) -> None:
        self.inner = inner
        self.logger = logger if logger is not None else _LOG
        self.activated = 0
        self.outcomes: Counter[Outcome] = Counter()
        self.activation_errors = 0
        self.reconnects = 0
        self._in_flight: dict[str, int] = {}
        self._last_answered = 0
        self._last_time = time.monotonic()

    @property
    def in_flight(self) -> int:
        """Jobs in flight now, over all tasks."""
        return sum(self._in_flight.values())

    @property
    def answered(self) -> int:
        """Jobs answered since the start, whatever the outcome."""
        return sum(self.outcomes.values())

    def job_activated(self, task_type: str, count: int = 1) -> None:
        """Count and forward."""
        self.activated += count
        self.inner.job_activated(task_type, count)

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """Count and forward."""
        self.outcomes[outcome] += 1
        self.inner.job_answered(task_type, outcome)

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """Forward."""
        self.inner.handler_duration(task_type, seconds)

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        """Remember the task's jobs in flight and forward."""
        self._in_flight[task_type] = in_flight
        self.inner.slots(task_type, in_flight, free)

    def activation_error(self, task_type: str, status: str) -> None:
        """Count and forward."""
        self.activation_errors += 1
        self.inner.activation_error(task_type, status)

    def stream_reconnect(self, task_type: str) -> None:
        """Count and forward."""
        self.reconnects += 1
        self.inner.stream_reconnect(task_type)

    def summary(self) -> str:
        """The summary line; the rate covers the time since the previous call."""
        now = time.monotonic()
        answered = self.answered
        elapsed = now - self._last_time
        rate = (answered - self._last_answered) / elapsed if elapsed > 0 else 0.0
        self._last_answered, self._last_time = answered, now
        o = self.outcomes
        return (
            f"jobs/s={rate:.1f} in_flight={self.in_flight} activated={self.activated} "
            f"completed={o['complete']} failed={o['fail']} errors={o['error']} "
            f"handed_back={o['handed_back']} lost={o['lost']} "
            f"activation_errors={self.activation_errors} reconnects={self.reconnects}"
        )

    async def run(self, interval_s: float = 60.0) -> None:
        """Log the summary every ``interval_s`` seconds until cancelled.

        Raises:
            ValueError: ``interval_s`` is not positive.
        """
        if interval_s <= 0:
            raise ValueError(f"interval_s must be positive, got {interval_s}")
        self._last_answered, self._last_time = self.answered, time.monotonic()
        while True:
            await asyncio.sleep(interval_s)
            self.logger.info("%s", self.summary())
