import asyncio
from collections.abc import Callable

from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.worker import DrainReport, ZeebeWorker

Start = Callable[[ZeebeWorker], "asyncio.Task[None]"]


async def test_stop_finishes_quick_jobs_and_hands_back_hanging_ones(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    worker = make_worker()
    started = 0
    all_started = asyncio.Event()

    @worker.task(job_type, timeout_ms=60_000, max_running_jobs=20)
    async def handle(hang: bool) -> None:
        nonlocal started
        started += 1
        if started == 15:
            all_started.set()
        if hang:
            await asyncio.Event().wait()
        await asyncio.sleep(1)

    quick = [gateway.create_job(job_type, {"hang": False}) for _ in range(10)]
    hanging = [gateway.create_job(job_type, {"hang": True}, retries=3) for _ in range(5)]
    work = running(worker)
    await asyncio.wait_for(all_started.wait(), 5)

    loop = asyncio.get_running_loop()
    began = loop.time()
    report = await worker.stop(grace_period=3)
    took = loop.time() - began

    assert report == DrainReport(finished=10, handed_back=5, grace_period_expired=True)
    assert 3 <= took < 4.5
    await asyncio.wait_for(work, 1)
    assert all(gateway.job(key).state == "completed" for key in quick)
    for key in hanging:
        job = gateway.job(key)
        assert job.state == "activatable"
        assert job.retries == 3
    assert await worker.stop() is report

    second = make_worker(name="second")
    taken: list[int] = []

    @second.task(job_type, timeout_ms=60_000)
    async def finish(hang: bool) -> None:
        taken.append(1)

    running(second)
    for key in hanging:
        await gateway.wait_for_job(key, "completed", timeout=3)
    assert len(taken) == 5


async def test_stop_with_nothing_running_returns_at_once(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], job_type: str
) -> None:
    worker = make_worker()

    @worker.task(job_type)
    async def handle() -> None:
        pass

    async with worker:
        await gateway.wait_for(lambda: worker.health().ready)
        key = gateway.create_job(job_type)
        await gateway.wait_for_job(key, "completed")
        assert worker.health().live
    health = worker.health()
    assert not health.live
    assert not health.ready
    assert health.tasks[0].stream == "stopped"
    assert (await worker.stop()).handed_back == 0


async def test_stop_before_work_makes_work_return(
    make_worker: Callable[..., ZeebeWorker], job_type: str
) -> None:
    worker = make_worker()

    @worker.task(job_type)
    async def handle() -> None:
        pass

    assert await worker.stop() == DrainReport()
    await asyncio.wait_for(worker.work(), 1)


async def test_cancelling_work_hands_running_jobs_back(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], job_type: str
) -> None:
    worker = make_worker()
    started = asyncio.Event()

    @worker.task(job_type, timeout_ms=60_000)
    async def handle() -> None:
        started.set()
        await asyncio.Event().wait()

    key = gateway.create_job(job_type)
    work = asyncio.ensure_future(worker.work())
    await asyncio.wait_for(started.wait(), 5)
    work.cancel()
    await asyncio.gather(work, return_exceptions=True)
    assert work.cancelled()
    assert gateway.job(key).state == "activatable"
