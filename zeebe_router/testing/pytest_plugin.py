"""pytest fixtures for zeebe-router: an embedded gateway, a worker bound to it, a job environment.

Installed with zeebe-router as a ``pytest11`` plugin, so the fixtures need no import:

- ``zeebe_gateway``: a started :class:`~zeebe_router.testing.EmbeddedGateway`
  per test, stopped after it;
- ``zeebe_channel``: a ``grpc.aio`` channel to that gateway;
- ``zeebe_worker``: a :class:`~zeebe_router.worker.ZeebeWorker` on that channel. Register
  tasks on it (``@zeebe_worker.task(...)`` or ``zeebe_worker.include_router(router)``) at the
  start of the test: it starts working at the test's next ``await`` with every task
  registered so far, and is drained after the test (a worker error fails the test);
- ``job_env``: a :class:`~zeebe_router.testing.JobEnvironment` to run one handler
  on a fabricated job, with no network.

The async fixtures need pytest-asyncio (``asyncio_mode = "auto"``, or mark the tests with
``@pytest.mark.asyncio``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest

from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment
from zeebe_router.worker import ZeebeWorker

if TYPE_CHECKING:
    import grpc

    from zeebe_router.testing._embedded import EmbeddedGateway

_F = TypeVar("_F", bound=Callable[..., Any])


def _async_fixture(func: _F) -> _F:
    """Declare an async fixture with pytest-asyncio, which runs it on the test's loop."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - the async fixtures then cannot run
        return cast(_F, pytest.fixture(func))
    return cast(_F, pytest_asyncio.fixture(func))


__all__ = [
    "DRAIN_GRACE_PERIOD_S",
    "LazyStartWorker",
    "job_env",
    "zeebe_channel",
    "zeebe_gateway",
    "zeebe_worker",
]

#: How long running handlers may finish when the ``zeebe_worker`` fixture drains the worker.
DRAIN_GRACE_PERIOD_S = 5.0


class LazyStartWorker(ZeebeWorker):
    """A ZeebeWorker that starts :meth:`work` on the loop turn after its first registration.

    Registrations made in one go (before the code that made them awaits anything) all
    take part, so a test can register its tasks and then create jobs. :meth:`finish`
    stops it and re-raises what stopped :meth:`work`, if anything did.

    Create it inside a running event loop (an async fixture or test); it takes the same
    arguments as :class:`ZeebeWorker`.

    Raises:
        RuntimeError: a task or router is registered after the worker started: register
            everything before the test's first ``await``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loop = asyncio.get_running_loop()
        self._start_scheduled = False
        self._work_future: asyncio.Task[None] | None = None

    @property
    def started(self) -> bool:
        """Whether :meth:`work` has been started."""
        return self._work_future is not None

    def include_router(self, *routers: ZeebeTaskRouter) -> None:
        """Add the tasks of ``routers``; the worker starts at the next loop turn."""
        self._check_not_started()
        super().include_router(*routers)
        self._schedule_start()

    if not TYPE_CHECKING:
        # Type checkers see ZeebeTaskRouter.task (with its overloads); at run time the
        # registration also schedules the start.
        def task(self, *args, **kwargs):
            """Register a handler like ``ZeebeTaskRouter.task``; the worker starts after."""
            register = super().task(*args, **kwargs)

            def register_then_start(func):
                self._check_not_started()
                registered = register(func)
                self._schedule_start()
                return registered

            return register_then_start

    def _check_not_started(self) -> None:
        if self._work_future is not None:
            raise RuntimeError(
                "the zeebe_worker fixture is already working: register its tasks before "
                "the test's first await"
            )

    def _schedule_start(self) -> None:
        if not self._start_scheduled:
            self._start_scheduled = True
            self._loop.call_soon(self._start_work)

    def _start_work(self) -> None:
        if self._work_future is None:
            self._work_future = self._loop.create_task(self.work(), name="zeebe_worker.work")

    async def finish(self, grace_period: float = DRAIN_GRACE_PERIOD_S) -> None:
        """Stop and drain; re-raise the error that stopped :meth:`work`, if any."""
        await self.stop(grace_period=grace_period)
        if self._work_future is not None:
            await self._work_future


@_async_fixture
async def zeebe_gateway() -> AsyncIterator[EmbeddedGateway]:
    """A started embedded gateway for this test, stopped after it."""
    from zeebe_router.testing._embedded import EmbeddedGateway

    async with EmbeddedGateway() as gateway:
        yield gateway


@pytest.fixture
def zeebe_channel(zeebe_gateway: EmbeddedGateway) -> grpc.aio.Channel:
    """An insecure channel to ``zeebe_gateway``, closed when the gateway stops."""
    return zeebe_gateway.channel()


@_async_fixture
async def zeebe_worker(
    zeebe_channel: grpc.aio.Channel, request: pytest.FixtureRequest
) -> AsyncIterator[LazyStartWorker]:
    """A worker on ``zeebe_channel`` that starts once the test registered its tasks.

    It is named after the test and drained after it; an error that stopped it (such as
    a configuration error) fails the test.
    """
    worker = LazyStartWorker(zeebe_channel, name=_worker_name(request.node.name))
    try:
        yield worker
    finally:
        await worker.finish()


@pytest.fixture
def job_env() -> Iterator[JobEnvironment]:
    """A :class:`JobEnvironment` whose thread and process pools close after the test."""
    env = JobEnvironment()
    try:
        yield env
    finally:
        env.close()


def _worker_name(test_name: str) -> str:
    """A worker name from a test name: letters, digits and dashes, at most 64 characters."""
    name = "".join(c if c.isalnum() else "-" for c in test_name).strip("-")
    return (name or "pytest")[:64]
