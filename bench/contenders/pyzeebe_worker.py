"""pyzeebe 4.7.0 as a user would run it: its defaults, or tuned."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pyzeebe import ZeebeWorker, create_insecure_channel

from bench.spec import RunSpec
from bench.workloads import Handler

__all__ = ["PyzeebeWorker"]

#: Jobs in flight when the scenario does not impose a number (tuned only).
TUNED_CAPACITY = 128
STOP_TIMEOUT_S = 10.0


class PyzeebeWorker:
    """``pyzeebe-defaults``, ``pyzeebe-tuned`` (polls for a quarter of its capacity at a time,
    retries after 1 s instead of 5 s) or ``pyzeebe-stream`` (defaults plus streaming)."""

    def __init__(self, spec: RunSpec, handler: Handler) -> None:
        self._spec = spec
        self._handler = handler
        self._worker: ZeebeWorker | None = None
        self._work: asyncio.Task[None] | None = None

    def _options(self) -> tuple[dict[str, Any], dict[str, Any]]:
        worker_kw: dict[str, Any] = {}
        task_kw: dict[str, Any] = {}
        if self._spec.concurrency is not None:
            task_kw["max_running_jobs"] = self._spec.concurrency
        if self._spec.contender == "pyzeebe-tuned":
            capacity = self._spec.concurrency or TUNED_CAPACITY
            worker_kw["poll_retry_delay"] = 1
            task_kw["max_running_jobs"] = capacity
            task_kw["max_jobs_to_activate"] = max(1, capacity // 4)
        elif self._spec.contender == "pyzeebe-stream":
            worker_kw["stream_enabled"] = True
        return worker_kw, task_kw

    async def start(self) -> None:
        worker_kw, task_kw = self._options()
        channel = create_insecure_channel(grpc_address=self._spec.address)
        worker = ZeebeWorker(channel, name="bench-pyzeebe", **worker_kw)
        worker.task(self._spec.job_type, **task_kw)(self._handler)  # type: ignore[no-untyped-call]
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
