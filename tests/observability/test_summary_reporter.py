"""SummaryReporter: forwarding, counting and the periodic log line."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from zeebe_router.observability import PrometheusMetrics, SummaryReporter


class Signal(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.event.set()


def test_the_summary_counts_every_outcome_and_forwards() -> None:
    registry = CollectorRegistry()
    reporter = SummaryReporter(PrometheusMetrics(registry))
    reporter.job_activated("summary-a", 5)
    for outcome in ("complete", "complete", "fail", "error", "handed_back", "lost"):
        reporter.job_answered("summary-a", outcome)
    reporter.slots("summary-a", in_flight=2, free=6)
    reporter.slots("summary-b", in_flight=3, free=0)
    reporter.slots("summary-a", in_flight=1, free=7)
    reporter.activation_error("summary-a", "UNAVAILABLE")
    reporter.stream_reconnect("summary-a")
    reporter.handler_duration("summary-a", 0.5)
    line = reporter.summary()
    assert line.startswith("jobs/s=")
    assert (
        "in_flight=4 activated=5 completed=2 failed=1 errors=1 handed_back=1 lost=1 "
        "activation_errors=1 reconnects=1"
    ) in line
    exported = generate_latest(registry).decode()
    assert 'zeebe_router_jobs_answered_total{outcome="complete",task_type="summary-a"} 2.0' in (
        exported
    )
    assert 'zeebe_router_handler_duration_seconds_count{task_type="summary-a"} 1.0' in exported


async def test_run_logs_the_summary_every_interval(caplog: pytest.LogCaptureFixture) -> None:
    reporter = SummaryReporter()
    signal = Signal()
    reporter.logger.addHandler(signal)
    caplog.set_level(logging.INFO, logger=reporter.logger.name)
    reporter.job_activated("summary-run", 2)
    reporter.job_answered("summary-run", "complete")
    task = asyncio.create_task(reporter.run(interval_s=0.01))
    try:
        await asyncio.wait_for(signal.event.wait(), timeout=5)
    finally:
        task.cancel()
        reporter.logger.removeHandler(signal)
    with pytest.raises(asyncio.CancelledError):
        await task
    record = next(r for r in caplog.records if r.name == "zeebe_router.summary")
    assert record.levelno == logging.INFO
    assert "activated=2 completed=1 failed=0" in record.getMessage()


async def test_run_needs_a_positive_interval() -> None:
    with pytest.raises(ValueError, match="positive"):
        await SummaryReporter().run(0)


def _rate(line: str) -> float:
    return float(line.split()[0].removeprefix("jobs/s="))


def test_the_rate_covers_the_time_since_the_last_summary() -> None:
    reporter = SummaryReporter()
    reporter.job_answered("summary-rate", "complete")
    reporter.summary()
    assert _rate(reporter.summary()) == 0.0
    reporter.job_answered("summary-rate", "complete")
    assert _rate(reporter.summary()) > 0.0
