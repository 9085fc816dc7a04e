"""Job measurements for the demo's summary: answers by outcome and job latency percentiles."""

from __future__ import annotations

import time
from collections import Counter

from zeebe_router.observability import NoopMetrics, Outcome


class JobStats(NoopMetrics):
    """Counts answers and keeps every job's latency (handler start to answer sent)."""

    def __init__(self) -> None:
        self.outcomes: Counter[Outcome] = Counter()
        self.latencies: list[float] = []
        self.started = time.perf_counter()

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """Count one answer."""
        self.outcomes[outcome] += 1

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """Keep one job's latency."""
        self.latencies.append(seconds)

    @property
    def answered(self) -> int:
        """Jobs answered so far."""
        return sum(self.outcomes.values())

    def percentile_ms(self, fraction: float) -> float:
        """The latency under which ``fraction`` of the jobs finished, in milliseconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
        return ordered[index] * 1000
