"""The practical limit: ActivateJobs / StreamActivatedJobs and CompleteJob on the raw stub."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from bench.spec import RunSpec
from bench.workloads import Handler
from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto import gateway_pb2_grpc as pb_grpc

__all__ = ["BareLoop"]

#: Jobs in flight when the scenario does not impose a number.
DEFAULT_CAPACITY = 128
#: A poll waits for a 1/MIN_POLL_DIVISOR share of the capacity to be free (fewer, larger polls).
MIN_POLL_DIVISOR = 8
#: Long-poll duration of each ActivateJobs.
REQUEST_TIMEOUT_MS = 1_000
JOB_TIMEOUT_MS = 60_000
WORKER_NAME = "bench-bare"


class _Slots:
    """Free capacity; the poller and the stream take slots, finished jobs give them back."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.free = capacity
        self._changed = asyncio.Event()

    async def take_up_to(self, wanted: int, at_least: int = 1) -> int:
        """Take up to ``wanted`` slots once ``at_least`` are free (or all of them are)."""
        while self.free < at_least and self.free < self.capacity:
            self._changed.clear()
            await self._changed.wait()
        taken = min(wanted, self.free)
        self.free -= taken
        return taken

    def give(self, count: int = 1) -> None:
        self.free += count
        self._changed.set()


class BareLoop:
    """No framework: one long-poll loop (and optionally one stream) and a task per job."""

    def __init__(self, spec: RunSpec, handler: Handler, *, stream: bool) -> None:
        self._spec = spec
        self._handler = handler
        self._stream = stream
        self._capacity = spec.concurrency or DEFAULT_CAPACITY
        self._batch = max(1, self._capacity // 2)
        self._min_poll = max(1, self._capacity // MIN_POLL_DIVISOR)
        self._is_async = inspect.iscoroutinefunction(handler)
        self._fetch = list(inspect.signature(handler).parameters)
        self._pool = None if self._is_async else ThreadPoolExecutor(self._capacity)
        self._channel: grpc.aio.Channel | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._channel = grpc.aio.insecure_channel(self._spec.address)
        stub = pb_grpc.GatewayStub(self._channel)
        slots = _Slots(self._capacity)
        self._loops.append(asyncio.create_task(self._poll(stub, slots)))
        if self._stream:
            self._loops.append(asyncio.create_task(self._read_stream(stub, slots)))

    async def stop(self) -> None:
        for task in [*self._loops, *self._tasks]:
            task.cancel()
        for task in [*self._loops, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, grpc.RpcError):
                await task
        if self._channel is not None:
            await self._channel.close(None)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _spawn(self, stub: pb_grpc.GatewayAsyncStub, slots: _Slots, job: Any) -> None:
        task = asyncio.create_task(self._handle(stub, slots, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, stub: pb_grpc.GatewayAsyncStub, slots: _Slots, job: Any) -> None:
        try:
            kwargs = json.loads(job.variables) if self._fetch else {}
            if self._is_async:
                output = await self._handler(**kwargs)
            else:
                call = functools.partial(self._handler, **kwargs)
                output = await asyncio.get_running_loop().run_in_executor(self._pool, call)
            request = pb.CompleteJobRequest(jobKey=job.key, variables=json.dumps(output))
            await stub.CompleteJob(request)
        finally:
            slots.give()

    async def _poll(self, stub: pb_grpc.GatewayAsyncStub, slots: _Slots) -> None:
        while True:
            wanted = await slots.take_up_to(self._batch, self._min_poll)
            request = pb.ActivateJobsRequest(
                type=self._spec.job_type,
                worker=WORKER_NAME,
                timeout=JOB_TIMEOUT_MS,
                maxJobsToActivate=wanted,
                fetchVariable=self._fetch,
                requestTimeout=REQUEST_TIMEOUT_MS,
            )
            received = 0
            async for response in stub.ActivateJobs(
                request, timeout=REQUEST_TIMEOUT_MS / 1000 + 10
            ):
                for job in response.jobs:
                    received += 1
                    self._spawn(stub, slots, job)
            slots.give(wanted - received)

    async def _read_stream(self, stub: pb_grpc.GatewayAsyncStub, slots: _Slots) -> None:
        request = pb.StreamActivatedJobsRequest(
            type=self._spec.job_type,
            worker=WORKER_NAME,
            timeout=JOB_TIMEOUT_MS,
            fetchVariable=self._fetch,
        )
        async for job in stub.StreamActivatedJobs(request):
            await slots.take_up_to(1)
            self._spawn(stub, slots, job)
