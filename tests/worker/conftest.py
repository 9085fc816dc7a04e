import asyncio
import functools
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from zeebe_router.observability import Outcome
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.worker import ExponentialBackoff, ZeebeWorker

_types = itertools.count()

#: Quick retries so tests of failures do not wait out the production schedule.
FAST_BACKOFF = functools.partial(ExponentialBackoff, initial=0.01, maximum=0.1)


class RecordingMetrics:
    """A WorkerMetrics that keeps what it is told."""

    def __init__(self) -> None:
        self.answers: list[Outcome] = []
        self.activation_errors: list[str] = []
        self.reconnects = 0
        self.activated = 0
        self.durations: list[float] = []
        self.changed = asyncio.Event()

    def job_activated(self, task_type: str, count: int = 1) -> None:
        self.activated += count

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        self.answers.append(outcome)
        self.changed.set()

    def handler_duration(self, task_type: str, seconds: float) -> None:
        self.durations.append(seconds)

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        pass

    def activation_error(self, task_type: str, status: str) -> None:
        self.activation_errors.append(status)
        self.changed.set()

    def stream_reconnect(self, task_type: str) -> None:
        self.reconnects += 1


@pytest.fixture
def job_type(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name[:40]}-{next(_types)}"


@pytest.fixture
async def gateway() -> AsyncIterator[EmbeddedGateway]:
    async with EmbeddedGateway() as gw:
        yield gw


@pytest.fixture
def make_worker(gateway: EmbeddedGateway) -> Callable[..., ZeebeWorker]:
    def make(**kwargs: Any) -> ZeebeWorker:
        kwargs.setdefault("name", "test-worker")
        kwargs.setdefault("backoff", FAST_BACKOFF)
        return ZeebeWorker(gateway.channel(), **kwargs)

    return make


@pytest.fixture
async def running() -> AsyncIterator[Callable[[ZeebeWorker], asyncio.Task[None]]]:
    """Start workers' work() in the background; stop them (without grace) at the end."""
    started: list[tuple[ZeebeWorker, asyncio.Task[None]]] = []

    def start(worker: ZeebeWorker) -> asyncio.Task[None]:
        task = asyncio.ensure_future(worker.work())
        started.append((worker, task))
        return task

    yield start
    for worker, task in started:
        await worker.stop(grace_period=0)
        await asyncio.gather(task, return_exceptions=True)
