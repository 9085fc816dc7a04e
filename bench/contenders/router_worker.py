"""zeebe-router's ZeebeWorker: its defaults, tuned, or with streaming off."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bench.spec import RunSpec
from bench.workloads import Handler
from zeebe_router.connection import create_insecure_channel
from zeebe_router.worker import ZeebeWorker

__all__ = ["RouterWorker"]

#: Jobs in flight when the scenario does not impose a number (tuned only).
TUNED_CAPACITY = 128
STOP_TIMEOUT_S = 10.0


class RouterWorker:
    """``router-defaults``, ``router-tuned`` (a larger in-flight limit, polls for all of it)
    or ``router-poll`` (defaults with the job stream off)."""

    def __init__(self, spec: RunSpec, handler: Handler) -> None:
        self._spec = spec
        self._handler = handler
        self._worker: ZeebeWorker | None = None
        self._work: asyncio.Task[Any] | None = None

    def _options(self) -> tuple[dict[str, Any], dict[str, Any]]:
        worker_kw: dict[str, Any] = {}
        task_kw: dict[str, Any] = {}
        if self._spec.concurrency is not None:
            task_kw["max_running_jobs"] = self._spec.concurrency
        if self._spec.contender == "router-tuned":
            capacity = self._spec.concurrency or TUNED_CAPACITY
            task_kw["max_running_jobs"] = capacity
            task_kw["max_jobs_to_activate"] = capacity
        elif self._spec.contender == "router-poll":
            worker_kw["stream_enabled"] = False
        return worker_kw, task_kw

    async def start(self) -> None:
        worker_kw, task_kw = self._options()
        channel = create_insecure_channel(self._spec.address)
        worker = ZeebeWorker(channel, name="bench-router", **worker_kw)
        worker.task(self._spec.job_type, **task_kw)(self._handler)
        self._worker = worker
        self._work = asyncio.create_task(worker.work())

    async def stop(self) -> None:
        if self._worker is None or self._work is None:
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._worker.stop(), STOP_TIMEOUT_S)
        self._work.cancel()
        with contextlib.suppress(BaseException):
            await self._work
