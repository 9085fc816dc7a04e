import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from zeebe_router.controller import JobController
from zeebe_router.job import Job, JobResult
from zeebe_router.observability import NOOP_METRICS
from zeebe_router.worker._activator import ActivationSettings, Activator
from zeebe_router.worker._health import ConnectionMonitor
from zeebe_router.worker._outcomes import RetryingOutcomeSink


@dataclass(frozen=True)
class Config:
    type: str = "fake"
    timeout_ms: int = 60_000
    max_jobs_to_activate: int = 32
    max_running_jobs: int = 1
    variables_to_fetch: tuple[str, ...] | None = None


class HangingRunner:
    config = Config()

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def run(self, job: Job, controller: JobController) -> None:
        self.started.set()
        await asyncio.Event().wait()


class FakeGateway:
    """A job source whose streamed job arrives just after a poll took the only slot."""

    def __init__(self) -> None:
        self.stream_reading = asyncio.Event()
        self.polled = asyncio.Event()
        self.failed: list[tuple[int, int, str]] = []
        self.connected = True

    async def wait_for_connection(self) -> None:
        pass

    def activate_jobs(
        self,
        task_type: str,
        worker: str,
        timeout_ms: int,
        max_jobs_to_activate: int,
        variables_to_fetch: Iterable[str] | None = None,
        request_timeout_ms: int = 0,
        tenant_ids: Iterable[str] | None = None,
    ) -> AsyncIterator[Job]:
        return self.poll(task_type, max_jobs_to_activate)

    async def poll(self, task_type: str, max_jobs: int) -> AsyncIterator[Job]:
        if self.stream_reading.is_set() and not self.polled.is_set():
            yield Job(key=1, type=task_type, retries=3)
            self.polled.set()

    async def stream_activated_jobs(
        self,
        task_type: str,
        worker: str,
        timeout_ms: int,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_ids: Iterable[str] | None = None,
        stream_timeout_s: float | None = None,
    ) -> AsyncIterator[Job]:
        self.stream_reading.set()
        await self.polled.wait()
        yield Job(key=2, type=task_type, retries=5)
        await asyncio.Event().wait()

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.failed.append((job_key, retries, message))

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        raise AssertionError("no job completes here")

    async def throw_error(
        self, job_key: int, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        raise AssertionError("no job throws here")

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        pass

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        pass


async def test_a_streamed_job_waiting_for_a_slot_is_handed_back_at_stop() -> None:
    gateway = FakeGateway()
    runner = HangingRunner()
    sink = RetryingOutcomeSink(gateway, "fake", 60_000)
    activator = Activator(
        runner,
        gateway,
        sink,
        ActivationSettings(worker_name="w"),
        ConnectionMonitor(),
        NOOP_METRICS,
    )
    fatal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    activator.start(fatal)
    await asyncio.wait_for(runner.started.wait(), 2)
    while not activator.unstarted:
        await asyncio.sleep(0)  # the stream receives its job right after the poll's
    health = activator.health()
    assert (health.in_flight, health.free_slots) == (1, 0)

    activator.draining = True
    await activator.stop_activating()
    running = list(activator.jobs)
    for task in running:
        task.cancel()
    await asyncio.wait(running)
    assert await activator.hand_back_unanswered() == 2
    assert sorted(gateway.failed) == [
        (1, 3, "worker shutting down"),
        (2, 5, "worker shutting down"),
    ]
    assert not fatal.done()
    # Every slot is back: handing back answered nothing twice.
    assert activator.capacity.free == 1


class AnsweringRunner:
    """Completes each job once told to; a second run of a key waits for the first's answer."""

    config = Config(max_running_jobs=2)

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.finished = 0
        self.all_done = asyncio.Event()

    async def run(self, job: Job, controller: JobController) -> None:
        await self.go.wait()
        await controller.complete()
        self.finished += 1
        if self.finished == 2:
            self.all_done.set()


class SlowCompletions(FakeGateway):
    """Yields the same job twice (it timed out and came back) and completes slowly."""

    def __init__(self) -> None:
        super().__init__()
        self.deliver = asyncio.Event()
        self.answered = 0
        self.asked: list[int] = []
        self.polled_again = asyncio.Event()

    async def poll(self, task_type: str, max_jobs: int) -> AsyncIterator[Job]:
        self.asked.append(max_jobs)
        if not self.polled.is_set():
            self.polled.set()
            yield Job(key=7, type=task_type, retries=3)
            yield Job(key=7, type=task_type, retries=3)
        else:
            self.polled_again.set()
            await asyncio.Event().wait()

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        self.answered += 1
        await self.deliver.wait()


async def test_slots_freed_while_answers_travel_add_up_for_a_job_activated_twice() -> None:
    gateway = SlowCompletions()
    runner = AnsweringRunner()
    activator = Activator(
        runner,
        gateway,
        RetryingOutcomeSink(gateway, "fake", 60_000),
        ActivationSettings(worker_name="w", stream=False),
        ConnectionMonitor(),
        NOOP_METRICS,
    )
    fatal: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    activator.start(fatal)
    await asyncio.wait_for(gateway.polled.wait(), 2)
    assert activator.capacity.free == 0
    runner.go.set()
    await asyncio.wait_for(gateway.polled_again.wait(), 2)
    # Both answers are still on their way, and both slots are asked for again already.
    assert gateway.answered == 2
    assert gateway.asked == [2, 2]
    gateway.deliver.set()
    await asyncio.wait_for(runner.all_done.wait(), 2)
    await asyncio.wait_for(asyncio.gather(*activator.jobs, return_exceptions=True), 2)
    await activator.stop_activating()
    assert (activator.capacity.in_flight, activator.capacity.free) == (0, 2)
    assert not fatal.done()
