"""A running worker logs a periodic one-line summary of what it did."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from zeebe_router import ZeebeWorker
from zeebe_router.testing import EmbeddedGateway


class _Lines(logging.Handler):
    """Collects summary lines and wakes the test when one mentions a completion."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.completed = asyncio.Event()
        self._loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        if "completed=3" in line:
            self._loop.call_soon_threadsafe(self.completed.set)


async def test_summary_lines_report_the_jobs_answered(
    gateway: EmbeddedGateway,
    make_worker: Callable[..., ZeebeWorker],
    running: Callable[[ZeebeWorker], asyncio.Task[None]],
    job_type: str,
) -> None:
    lines = _Lines(asyncio.get_running_loop())
    logger = logging.getLogger("zeebe_router.summary")
    logger.addHandler(lines)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        worker = make_worker(summary_interval=0.05)

        @worker.task(job_type)
        async def handle() -> None:
            return None

        running(worker)
        for _ in range(3):
            gateway.create_job(job_type)
        await asyncio.wait_for(lines.completed.wait(), timeout=10)
    finally:
        logger.removeHandler(lines)
        logger.setLevel(previous)
    line = next(text for text in lines.lines if "completed=3" in text)
    assert "jobs/s=" in line
    assert "in_flight=" in line


def test_summary_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="summary_interval"):
        ZeebeWorker(None, summary_interval=0)
