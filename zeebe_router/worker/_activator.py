"""Per task type: a job stream for new jobs plus long polling for the backlog, one limit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from zeebe_router.controller import JobController
from zeebe_router.errors import (
    DeadlineExceededError,
    InvalidArgumentError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnimplementedError,
    WorkerError,
    ZeebeGatewayError,
)
from zeebe_router.job import Job
from zeebe_router.observability import WorkerMetrics
from zeebe_router.worker._backoff import Backoff, BackoffFactory, ExponentialBackoff
from zeebe_router.worker._capacity import Capacity
from zeebe_router.worker._health import ConnectionMonitor, StreamState, TaskHealth
from zeebe_router.worker._outcomes import RetryingOutcomeSink

__all__ = ["ActivationSettings", "Activator", "JobSource", "Runner", "RunnerConfig"]

_LOG = logging.getLogger("zeebe_router.worker")

#: Between polls while the stream delivers new jobs: the backlog is checked at least
#: this often (growing from the first value while polls come back empty).
_IDLE_POLL_FIRST_S = 0.1
_IDLE_POLL_MAX_S = 5.0
#: A poll that returns nothing faster than this is followed by a pause of that length,
#: so a gateway that ignores long polling is not hammered.
_MIN_POLL_INTERVAL_S = 0.1
#: A poll waits until this share (1/n) of the task's slots is free: fewer, larger
#: polls (half the ActivateJobs calls of 1/8 for fast handlers), at a few per cent of
#: utilisation for slow ones.
_POLL_BATCH_DIVISOR = 4
#: A stream that ends by its deadline after at least this share of it is a renewal.
_RENEWAL_SHARE = 0.5


class RunnerConfig(Protocol):
    """The task settings an activator reads (``zeebe_router.routing.TaskConfig``)."""

    @property
    def type(self) -> str: ...
    @property
    def timeout_ms(self) -> int: ...
    @property
    def max_jobs_to_activate(self) -> int: ...
    @property
    def max_running_jobs(self) -> int: ...
    @property
    def variables_to_fetch(self) -> tuple[str, ...] | None: ...


class Runner(Protocol):
    """Runs one job through its task's pipeline, sending exactly one answer."""

    @property
    def config(self) -> RunnerConfig: ...

    async def run(self, job: Job, controller: JobController) -> None:
        """Handle ``job``; never raises except ``CancelledError``."""


class JobSource(Protocol):
    """The activation rpcs of :class:`zeebe_router.gateway.ZeebeGateway`."""

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
        """Long-poll ``ActivateJobs``."""

    def stream_activated_jobs(
        self,
        task_type: str,
        worker: str,
        timeout_ms: int,
        variables_to_fetch: Iterable[str] | None = None,
        tenant_ids: Iterable[str] | None = None,
        stream_timeout_s: float | None = None,
    ) -> AsyncIterator[Job]:
        """Open ``StreamActivatedJobs``."""

    @property
    def connected(self) -> bool:
        """Whether the channel is connected right now."""

    async def wait_for_connection(self) -> None:
        """Return once the channel is connected."""


@dataclass(frozen=True, slots=True)
class ActivationSettings:
    """How the activators of one worker talk to the gateway."""

    worker_name: str
    request_timeout_ms: int = 0
    tenant_ids: tuple[str, ...] | None = None
    stream: bool = True
    stream_timeout_s: float = 3600.0


class Activator:
    """Activates jobs of one task type and runs each as a task on the loop.

    A ``StreamActivatedJobs`` stream takes new jobs and ``ActivateJobs`` polling takes
    the backlog; both draw on one :class:`Capacity` of ``max_running_jobs`` slots. The
    stream reads its next job only when a slot is free, so a full task applies HTTP/2
    back-pressure; a poll asks for the free slots only and waits while there are none.
    """

    def __init__(
        self,
        runner: Runner,
        source: JobSource,
        sink: RetryingOutcomeSink,
        settings: ActivationSettings,
        monitor: ConnectionMonitor,
        metrics: WorkerMetrics,
        backoff: BackoffFactory = ExponentialBackoff,
    ) -> None:
        config = runner.config
        self._runner = runner
        self._config = config
        self._type = config.type
        self._source = source
        self._sink = sink
        self._settings = settings
        self._monitor = monitor
        self._metrics = metrics
        self._backoff = backoff
        self._fetch = config.variables_to_fetch
        self.capacity = Capacity(config.max_running_jobs)
        self._limit = config.max_running_jobs
        self.stream_state: StreamState = "streaming" if settings.stream else "polling-only"
        #: Running jobs and their controllers.
        self.jobs: dict[asyncio.Task[None], JobController] = {}
        #: Jobs received but not started (no slot yet) and not answered.
        self.unstarted: list[JobController] = []
        #: Jobs whose task ended without an answer (cancelled): to be handed back.
        self.unanswered: list[JobController] = []
        #: Jobs answered since :attr:`draining` was set.
        self.finished_while_draining = 0
        self.draining = False
        self._loops: list[asyncio.Task[None]] = []
        self._unauthenticated = False
        #: Set whenever the stream delivers a job; read by the idle poll.
        self._stream_activity = asyncio.Event()
        #: When each running job started; dropped as its answer leaves.
        self._started: dict[asyncio.Task[None], float] = {}
        #: Running jobs whose slot was freed as their answer left, before it arrived.
        self._answering: set[asyncio.Task[None]] = set()
        sink.listen(self._answer_leaving)
        self._fatal: asyncio.Future[None] | None = None

    @property
    def type(self) -> str:
        """The task type."""
        return self._type

    def health(self) -> TaskHealth:
        """The slots and stream state of the task."""
        running = self._running()
        return TaskHealth(self._type, running, self._limit - running, self.stream_state)

    def _running(self) -> int:
        """Jobs whose handlers run: started and not answered (or not let go of)."""
        return len(self.jobs) - len(self._answering)

    def _report_slots(self) -> None:
        running = self._running()
        self._metrics.slots(self._type, running, self._limit - running)

    # --- lifecycle -------------------------------------------------------------------

    def start(self, fatal: asyncio.Future[None]) -> None:
        """Start polling (and streaming); a configuration error is set on ``fatal``."""
        self._fatal = fatal
        loop = asyncio.get_running_loop()
        self._loops.append(loop.create_task(self._guard(self._poll_loop())))
        if self._settings.stream:
            self._loops.append(loop.create_task(self._guard(self._stream_loop())))

    async def stop_activating(self) -> None:
        """Cancel polling and close the stream; running jobs carry on."""
        for task in self._loops:
            task.cancel()
        if self._loops:
            await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops.clear()
        self.stream_state = "stopped"

    async def _guard(self, loop_coro: Coroutine[Any, Any, None]) -> None:
        try:
            await loop_coro
        except Exception as exc:
            # A WorkerError, or a bug: either way work() must end and say why.
            if not isinstance(exc, WorkerError):
                _LOG.error("activating jobs of %r failed", self._type, exc_info=exc)
            if self._fatal is not None and not self._fatal.done():
                self._fatal.set_exception(exc)

    # --- polling ---------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        backoff = self._backoff()
        idle = ExponentialBackoff(_IDLE_POLL_FIRST_S, _IDLE_POLL_MAX_S, 2.0, 0.1)
        clock = asyncio.get_running_loop().time
        settings = self._settings
        config = self._config
        capacity = self.capacity
        # Poll once a quarter of the slots is free rather than for every freed slot: far
        # fewer requests for the same jobs, and the slots stay nearly full meanwhile.
        batch = max(1, min(config.max_jobs_to_activate, capacity.limit) // _POLL_BATCH_DIVISOR)
        while True:
            reserved = await capacity.take(config.max_jobs_to_activate, batch)
            # Long-poll only without a stream: next to one, a long poll would hold the
            # free slots the stream needs, so polls are short and paced instead.
            streaming = self.stream_state != "polling-only"
            started = clock()
            received = 0
            failure: ZeebeGatewayError | None = None
            try:
                async for job in self._source.activate_jobs(
                    self._type,
                    settings.worker_name,
                    config.timeout_ms,
                    reserved,
                    self._fetch,
                    -1 if streaming else settings.request_timeout_ms,
                    settings.tenant_ids,
                ):
                    if received < reserved:
                        received += 1
                    else:
                        # More jobs than asked for: run them anyway, over the limit.
                        capacity.take_over_limit()
                    self._start(job)
            except ZeebeGatewayError as exc:
                failure = exc
            finally:
                capacity.release(reserved - received)
            if failure is not None:
                await self._activation_failed(failure, backoff)
                continue
            backoff.reset()
            self._unauthenticated = False
            self._monitor.success()
            if received:
                self._metrics.job_activated(self._type, received)
                idle.reset()
            elif streaming:
                await self._idle(idle, started)
            elif clock() - started < _MIN_POLL_INTERVAL_S:
                await asyncio.sleep(_MIN_POLL_INTERVAL_S)

    async def _idle(self, idle: Backoff, started: float) -> None:
        """Pause after an empty poll next to a stream: longer while the stream is quiet.

        Jobs the stream delivers hint at a burst, part of which may have missed the
        stream: then the next poll comes after the shortest pause instead.
        """
        activity = self._stream_activity
        activity.clear()
        try:
            await asyncio.wait_for(activity.wait(), idle.next_delay())
        except asyncio.TimeoutError:
            return
        idle.reset()
        rest = started + _IDLE_POLL_FIRST_S - asyncio.get_running_loop().time()
        if rest > 0:
            await asyncio.sleep(rest)

    # --- streaming -------------------------------------------------------------------

    async def _stream_loop(self) -> None:
        backoff = self._backoff()
        clock = asyncio.get_running_loop().time
        settings = self._settings
        config = self._config
        capacity = self.capacity
        activity = self._stream_activity
        reopening = False
        while True:
            await capacity.wait_free()
            if reopening:
                self._metrics.stream_reconnect(self._type)
            reopening = True
            stream = self._source.stream_activated_jobs(
                self._type,
                settings.worker_name,
                config.timeout_ms,
                self._fetch,
                settings.tenant_ids,
                settings.stream_timeout_s,
            )
            opened = clock()
            self.stream_state = "streaming"
            try:
                while True:
                    # Only ask for the next job when it can run: a full task stops
                    # reading and HTTP/2 flow control pushes back on the gateway.
                    await capacity.wait_free()
                    job = await anext(stream)
                    if not capacity.try_take():
                        await self._take_slot_for(job)
                    self._metrics.job_activated(self._type)
                    self._start(job)
                    activity.set()
                    backoff.reset()
                    self._unauthenticated = False
            except StopAsyncIteration:
                # The gateway closed the stream: open it again at once, unless it keeps
                # closing straight away.
                if clock() - opened < 1.0:
                    await asyncio.sleep(backoff.next_delay())
                else:
                    backoff.reset()
            except UnimplementedError:
                _LOG.info(
                    "the gateway does not offer job streaming; task %r polls for jobs only",
                    self._type,
                )
                self.stream_state = "polling-only"
                return
            except ZeebeGatewayError as exc:
                renewal = isinstance(exc, DeadlineExceededError) and (
                    clock() - opened >= settings.stream_timeout_s * _RENEWAL_SHARE
                )
                if not renewal:
                    self.stream_state = "reconnecting"
                    await self._activation_failed(exc, backoff, polling=False)
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()

    async def _take_slot_for(self, job: Job) -> None:
        """Wait for a slot for a streamed job; if stopped meanwhile, keep it to hand back."""
        controller = JobController(job, self._sink)
        self._sink.track(job.key)
        self.unstarted.append(controller)
        await self.capacity.take()
        self.unstarted.remove(controller)

    # --- errors ----------------------------------------------------------------------

    async def _activation_failed(
        self, exc: ZeebeGatewayError, backoff: Backoff, *, polling: bool = True
    ) -> None:
        """Count a failed activation call, stop on configuration errors, then back off.

        Only polls drive the worker's connection state: the poll loop runs whether or
        not the stream is up, so a failing stream next to working polls does not flap it.

        Raises:
            WorkerError: the gateway rejected the request in a way retrying cannot fix,
                or ``max_connection_retries`` consecutive polls failed.
        """
        self._metrics.activation_error(self._type, exc.status)
        self._check_configuration(exc)
        if polling:
            self._monitor.failure(exc)
        else:
            _LOG.debug("job stream of %r failed, reopening it: %s", self._type, exc)
        await self._pause(backoff.next_delay())

    async def _pause(self, delay: float) -> None:
        """Back off for ``delay``, but retry at once when a lost connection comes back."""
        if self._source.connected:
            await asyncio.sleep(delay)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._source.wait_for_connection(), delay)

    def _check_configuration(self, exc: ZeebeGatewayError) -> None:
        where = f"activating jobs of task {self._type!r} (worker {self._settings.worker_name!r})"
        if isinstance(exc, InvalidArgumentError):
            raise WorkerError(
                f"the gateway rejected {where}: {exc.details}. Check the task type, "
                "timeout_ms (>= 1), max_jobs_to_activate (>= 1), the worker name and "
                "tenant_ids (at most 31 characters of [A-Za-z0-9._-] each)"
            ) from exc
        if isinstance(exc, PermissionDeniedError):
            raise WorkerError(
                f"the gateway denied {where}: {exc.details}. Grant the client access to "
                "these jobs and tenants, or change tenant_ids"
            ) from exc
        if isinstance(exc, UnauthenticatedError):
            if self._unauthenticated:
                raise WorkerError(
                    f"the gateway refused the credentials when {where}, even after a "
                    f"new token: {exc.details}. Check the client id and secret, the "
                    "authorization server URL and the token audience"
                ) from exc
            self._unauthenticated = True
        elif isinstance(exc, UnimplementedError):
            raise WorkerError(
                f"the gateway does not implement {exc.rpc or 'ActivateJobs'} ({where}): "
                f"{exc.details}. Check that the address points at a Zeebe gateway"
            ) from exc

    # --- running jobs ----------------------------------------------------------------

    def _start(self, job: Job) -> None:
        """Run ``job`` as a task on the loop; its slot is already taken."""
        controller = JobController(job, self._sink)
        self._sink.track(job.key)
        task = asyncio.get_running_loop().create_task(self._runner.run(job, controller))
        self.jobs[task] = controller
        self._started[task] = time.perf_counter()
        task.add_done_callback(self._job_done)
        self._report_slots()

    def _answer_leaving(self, job_key: int, leaving: bool) -> None:
        """Time the handler and free its slot once its answer is on its way.

        The next job can start while the gateway answers. At most ``max_running_jobs``
        answers are in flight so; beyond that (a slow gateway) a job keeps its slot
        until its answer arrives. An answer that raises takes the slot back until the
        job's task ends. Answers sent outside a job's own task (handing back) and a
        job's later answers change nothing.
        """
        task = asyncio.current_task()
        if task is None:
            return
        if leaving:
            started = self._started.pop(task, None)
            if started is None:
                return
            self._metrics.handler_duration(self._type, time.perf_counter() - started)
            if len(self._answering) >= self._limit:
                return
            self._answering.add(task)
            self.capacity.release()
        elif task in self._answering:
            self._answering.discard(task)
            self.capacity.take_over_limit()
        else:
            return
        self._report_slots()

    def _job_done(self, task: asyncio.Task[None]) -> None:
        controller = self.jobs.pop(task)
        self._started.pop(task, None)
        if task in self._answering:
            self._answering.discard(task)
        else:
            self.capacity.release()
        self._report_slots()
        if not task.cancelled() and task.exception() is not None:
            _LOG.error(
                "job %d of %r: its pipeline raised",
                controller.job.key,
                self._type,
                exc_info=task.exception(),
            )
        if not controller.answered:
            self.unanswered.append(controller)
            if not task.cancelled():
                _LOG.error(
                    "job %d of %r ended without an answer; handing it back",
                    controller.job.key,
                    self._type,
                )
                asyncio.get_running_loop().create_task(self.hand_back_unanswered())
        else:
            self._sink.forget(controller.job.key)
            if self.draining:
                self.finished_while_draining += 1

    async def hand_back_unanswered(self) -> int:
        """Return every received job without an answer to the gateway; count those."""
        pending = self.unanswered + self.unstarted
        self.unanswered = []
        self.unstarted = []
        if not pending:
            return 0
        results = await asyncio.gather(*(self._sink.hand_back(c) for c in pending))
        for controller in pending:
            self._sink.forget(controller.job.key)
        return sum(results)
