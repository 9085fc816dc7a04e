"""Where handlers run: the loop, the worker's thread pool, or a process pool."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from zeebe_router.controller import JobController
from zeebe_router.job import Job
from zeebe_router.observability import current_job
from zeebe_router.pipeline import Executors, TaskRunner, build_runners
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment, RecordingSink

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def fib(n: int) -> dict[str, int]:
    """CPU-bound work for a process pool."""
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return {"fib": a, "pid": os.getpid()}


@pytest.fixture
def threads() -> Iterator[concurrent.futures.ThreadPoolExecutor]:
    pool = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="handlers")
    yield pool
    pool.shutdown(wait=True)


@pytest.fixture
async def pooled_env(
    threads: concurrent.futures.ThreadPoolExecutor,
) -> AsyncIterator[JobEnvironment]:
    processes: list[concurrent.futures.ProcessPoolExecutor] = []

    def process_pool() -> concurrent.futures.Executor:
        processes.append(concurrent.futures.ProcessPoolExecutor(1))
        return processes[-1]

    async with JobEnvironment(Executors(threads, process_pool)) as env:
        yield env
    for pool in processes:
        pool.shutdown(wait=True)


async def test_sync_handler_runs_in_the_workers_pool_with_the_context(
    pooled_env: JobEnvironment,
) -> None:
    router = ZeebeTaskRouter()

    @router.middleware
    async def tag(job: Job, call_next: Callable[[Job], Awaitable[object]]) -> object:
        request_id.set(f"req-{job.key}")
        return await call_next(job)

    @router.task("exec-thread")
    def handler(job: Job) -> dict[str, object]:
        current = current_job.get()
        return {
            "thread": threading.current_thread().name,
            "request": request_id.get(),
            "current": current.key if current else None,
            "key": job.key,
        }

    outcome = await pooled_env.run(router)

    assert str(outcome.variables["thread"]).startswith("handlers")
    assert outcome.variables["request"] == f"req-{outcome.job.key}"
    assert outcome.variables["current"] == outcome.job.key


async def test_async_handler_runs_on_the_loop_with_current_job(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()
    loop_thread = threading.current_thread().name
    seen_in_middleware: list[int | None] = []

    @router.middleware
    async def look(job: Job, call_next: Callable[[Job], Awaitable[object]]) -> object:
        current = current_job.get()
        seen_in_middleware.append(current.key if current else None)
        return await call_next(job)

    @router.task("exec-async")
    async def handler(job: Job) -> dict[str, object]:
        current = current_job.get()
        return {"thread": threading.current_thread().name, "current": current is job}

    outcome = await env.run(router)

    assert outcome.variables == {"thread": loop_thread, "current": True}
    assert seen_in_middleware == [outcome.job.key]
    assert current_job.get() is None


async def test_async_execution_runs_a_plain_function_on_the_loop(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("exec-inline", execution="async")
    def handler() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    outcome = await env.run(router)

    assert outcome.variables == {"thread": threading.current_thread().name}


async def test_process_execution_runs_in_another_process(pooled_env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()
    router.task("exec-process", execution="process")(fib)

    outcome = await pooled_env.run(router, variables={"n": 20})

    assert outcome.variables["fib"] == 6765
    assert outcome.variables["pid"] != os.getpid()


async def test_process_pool_is_created_only_when_a_process_task_runs(
    threads: concurrent.futures.ThreadPoolExecutor,
) -> None:
    created: list[int] = []

    def process_pool() -> concurrent.futures.Executor:
        created.append(1)
        return concurrent.futures.ProcessPoolExecutor(1)

    router = ZeebeTaskRouter()
    router.task("exec-lazy", execution="process")(fib)

    runners = build_runners(router, Executors(threads, process_pool))

    assert set(runners) == {"exec-lazy"}
    assert isinstance(runners["exec-lazy"], TaskRunner)
    assert created == []


async def test_cancellation_is_never_swallowed() -> None:
    router = ZeebeTaskRouter()
    started = asyncio.Event()

    @router.task("exec-cancel")
    async def handler() -> None:
        started.set()
        await asyncio.Event().wait()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        runner = build_runners(router, Executors(pool, lambda: pool))["exec-cancel"]
        sink = RecordingSink()
        job = JobEnvironment(Executors(pool, lambda: pool)).job("exec-cancel")
        running = asyncio.ensure_future(runner.run(job, JobController(job, sink)))
        await asyncio.wait_for(started.wait(), 5)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    assert sink.calls == []
