import asyncio
import logging
import threading
from collections.abc import Callable

import grpc
import pytest

from zeebe_router.errors import WorkerError
from zeebe_router.job import Job
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.worker import ZeebeWorker

from .conftest import RecordingMetrics

Start = Callable[[ZeebeWorker], "asyncio.Task[None]"]


async def test_streamed_jobs_never_exceed_max_running_jobs(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    worker = make_worker()
    active = 0
    most = 0
    release = asyncio.Event()
    full = asyncio.Event()

    @worker.task(job_type, max_running_jobs=4)
    async def handle() -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        assert active <= 4
        if active == 4:
            full.set()
        await asyncio.sleep(0)
        if not release.is_set():
            await release.wait()
        active -= 1

    running(worker)
    await gateway.wait_for(lambda: gateway.calls["StreamActivatedJobs"] >= 1)
    keys = [gateway.create_job(job_type) for _ in range(100)]
    await asyncio.wait_for(full.wait(), 5)
    health = worker.health().tasks[0]
    assert (health.in_flight, health.free_slots) == (4, 0)
    release.set()
    done = await gateway.wait_for_jobs(
        lambda job: job.key in keys and job.state == "completed", 100, timeout=30
    )
    assert len(done) == 100
    assert most == 4


async def test_the_next_job_starts_while_the_previous_answer_is_on_its_way(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    gateway.faults.delay("CompleteJob", 1.0)
    worker = make_worker()
    # For each handler start: the states of the jobs started before it.
    seen: list[list[str]] = []
    started: list[int] = []
    third = asyncio.Event()
    active = 0

    @worker.task(job_type, max_running_jobs=1)
    async def handle(job: Job) -> None:
        nonlocal active
        active += 1
        assert active == 1
        seen.append([gateway.job(key).state for key in started])
        started.append(job.key)
        if len(started) == 3:
            third.set()
        await asyncio.sleep(0)
        active -= 1

    running(worker)
    keys = [gateway.create_job(job_type) for _ in range(3)]
    await asyncio.wait_for(third.wait(), 10)
    # The one slot was free for the second job while the first was still being answered;
    # with one answer in flight already, the third waited for an answer to arrive.
    assert seen[1] == ["activated"]
    assert "completed" in seen[2]
    done = await gateway.wait_for_jobs(
        lambda job: job.key in keys and job.state == "completed", 3, timeout=10
    )
    assert len(done) == 3


async def test_handler_duration_ends_when_the_answer_leaves(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    gateway.faults.delay("CompleteJob", 1.0)
    metrics = RecordingMetrics()
    worker = make_worker(metrics=metrics)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    running(worker)
    key = gateway.create_job(job_type)
    started = asyncio.get_running_loop().time()
    await gateway.wait_for_job(key, "completed")
    assert asyncio.get_running_loop().time() - started >= 1.0
    [duration] = metrics.durations
    assert duration < 0.5


async def test_backlog_created_before_the_worker_starts_is_polled(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    keys = [gateway.create_job(job_type, {"n": i}) for i in range(10)]
    worker = make_worker()

    @worker.task(job_type, max_running_jobs=3)
    async def handle(n: int) -> dict[str, int]:
        return {"doubled": 2 * n}

    running(worker)
    for i, key in enumerate(keys):
        job = await gateway.wait_for_job(key, "completed")
        assert job.variables["doubled"] == 2 * i


async def test_sync_handlers_run_in_the_workers_own_threads(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    worker = make_worker()

    @worker.task(job_type)
    def handle() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    running(worker)
    key = gateway.create_job(job_type)
    job = await gateway.wait_for_job(key, "completed")
    assert job.variables["thread"].startswith("zeebe-router-")


async def test_unimplemented_stream_falls_back_to_polling_logged_once(
    gateway: EmbeddedGateway,
    make_worker: Callable[..., ZeebeWorker],
    running: Start,
    job_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gateway.faults.fail("StreamActivatedJobs", grpc.StatusCode.UNIMPLEMENTED, times=5)
    worker = make_worker()

    @worker.task(job_type)
    async def handle() -> None:
        pass

    with caplog.at_level(logging.INFO, logger="zeebe_router.worker"):
        running(worker)
        await gateway.wait_for(lambda: gateway.calls["StreamActivatedJobs"] >= 1)
        keys = [gateway.create_job(job_type) for _ in range(3)]
        for key in keys:
            await gateway.wait_for_job(key, "completed")
        await gateway.wait_for(lambda: worker.health().tasks[0].stream == "polling-only")
    assert gateway.calls["StreamActivatedJobs"] == 1
    assert caplog.text.count("does not offer job streaming") == 1
    assert worker.health().ready


async def test_stream_disabled_polls_only(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    worker = make_worker(stream_enabled=False)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    running(worker)
    await gateway.wait_for(lambda: gateway.calls["ActivateJobs"] >= 1)
    key = gateway.create_job(job_type)
    await gateway.wait_for_job(key, "completed")
    assert gateway.calls["StreamActivatedJobs"] == 0
    assert worker.health().tasks[0].stream == "polling-only"


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, "max_jobs_to_activate"),
        (grpc.StatusCode.PERMISSION_DENIED, "Grant the client access"),
    ],
)
async def test_configuration_errors_end_work_with_a_worker_error(
    gateway: EmbeddedGateway,
    make_worker: Callable[..., ZeebeWorker],
    job_type: str,
    status: grpc.StatusCode,
    advice: str,
) -> None:
    gateway.faults.fail("ActivateJobs", status)
    worker = make_worker(stream_enabled=False)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    with pytest.raises(WorkerError, match=advice) as raised:
        await asyncio.wait_for(worker.work(), 10)
    assert raised.value.__cause__ is not None
    assert getattr(raised.value.__cause__, "status", None) == status.name
    assert not worker.health().live


async def test_unauthenticated_once_is_retried_twice_in_a_row_is_fatal(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], job_type: str
) -> None:
    gateway.faults.fail("ActivateJobs", grpc.StatusCode.UNAUTHENTICATED, times=1)
    worker = make_worker(stream_enabled=False)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    work = asyncio.ensure_future(worker.work())
    key = gateway.create_job(job_type)
    await gateway.wait_for_job(key, "completed")
    await worker.stop(grace_period=1)
    await work

    gateway.faults.fail("ActivateJobs", grpc.StatusCode.UNAUTHENTICATED, times=2)
    again = ZeebeWorker(gateway.channel(), name="again", stream_enabled=False)
    again.include_router(worker)
    with pytest.raises(WorkerError, match="client id and secret"):
        await asyncio.wait_for(again.work(), 10)
