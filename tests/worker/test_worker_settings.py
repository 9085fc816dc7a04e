import asyncio
from collections.abc import Callable

import pytest

import zeebe_router.worker as worker_module
from zeebe_router.job import Job
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.worker import ZeebeWorker

from .conftest import FAST_BACKOFF

Start = Callable[[ZeebeWorker], "asyncio.Task[None]"]


def test_exported_names() -> None:
    assert sorted(worker_module.__all__) == [
        "Backoff",
        "BackoffFactory",
        "Capacity",
        "DEFAULT_GRACE_PERIOD_S",
        "DrainReport",
        "ExponentialBackoff",
        "RetryingOutcomeSink",
        "StreamState",
        "TaskHealth",
        "WorkerHealth",
        "ZeebeWorker",
    ]
    for name in worker_module.__all__:
        assert getattr(worker_module, name) is not None


async def test_environment_defaults_apply_to_tasks_that_set_nothing(
    gateway: EmbeddedGateway,
    running: Start,
    job_type: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAMUNDA_WORKER_NAME", "from-env")
    monkeypatch.setenv("CAMUNDA_WORKER_MAX_CONCURRENT_JOBS", "2")
    worker = ZeebeWorker(gateway.channel(), backoff=FAST_BACKOFF)

    @worker.task(job_type)
    async def defaults(job: Job) -> dict[str, str]:
        return {"worker": job.worker}

    @worker.task(f"{job_type}-own", max_running_jobs=5)
    async def own() -> None:
        pass

    # Set explicitly to the router's default value: still the task's own choice.
    @worker.task(f"{job_type}-default", max_running_jobs=32)
    async def chosen() -> None:
        pass

    running(worker)
    key = gateway.create_job(job_type)
    job = await gateway.wait_for_job(key, "completed")
    assert job.variables["worker"] == "from-env"
    slots = {task.type: task.free_slots + task.in_flight for task in worker.health().tasks}
    assert slots == {job_type: 2, f"{job_type}-own": 5, f"{job_type}-default": 32}


async def test_keyword_beats_environment(
    gateway: EmbeddedGateway, running: Start, job_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMUNDA_WORKER_NAME", "from-env")
    worker = ZeebeWorker(gateway.channel(), name="from-code", backoff=FAST_BACKOFF)

    @worker.task(job_type)
    async def handle(job: Job) -> dict[str, str]:
        return {"worker": job.worker}

    running(worker)
    key = gateway.create_job(job_type)
    job = await gateway.wait_for_job(key, "completed")
    assert job.variables["worker"] == "from-code"


async def test_startup_jitter_delays_the_first_activation_and_stop_cuts_it_short(
    gateway: EmbeddedGateway, job_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMUNDA_WORKER_STARTUP_JITTER_MAX_SECONDS", "3600")
    monkeypatch.setattr("random.uniform", lambda low, high: high)
    worker = ZeebeWorker(gateway.channel(), name="jittery")

    @worker.task(job_type)
    async def handle() -> None:
        pass

    work = asyncio.ensure_future(worker.work())
    while not worker.health().live:
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert worker.health().tasks[0].free_slots == 32
    assert not worker.health().ready
    await asyncio.wait_for(worker.stop(), 2)
    await asyncio.wait_for(work, 2)
    assert gateway.calls["ActivateJobs"] == 0
