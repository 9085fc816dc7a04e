"""ZeebeWorker: the router that runs, with its lifecycle, activators and drain."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import multiprocessing
import random
import socket
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from zeebe_router.observability import NOOP_METRICS, SummaryReporter, WorkerMetrics
from zeebe_router.pipeline import Executors, TaskRunner
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.worker._activator import ActivationSettings, Activator
from zeebe_router.worker._backoff import BackoffFactory, ExponentialBackoff
from zeebe_router.worker._health import ConnectionMonitor, DrainReport, WorkerHealth
from zeebe_router.worker._outcomes import RetryingOutcomeSink

if TYPE_CHECKING:
    import grpc

    from zeebe_router.gateway import ZeebeGateway
    from zeebe_router.routing._task import ExceptionHandler, Middleware, Task, TaskDecorator
    from zeebe_router.settings import WorkerSettings

__all__ = ["DEFAULT_GRACE_PERIOD_S", "ZeebeWorker"]

_LOG = logging.getLogger("zeebe_router.worker")

#: How long ``stop()`` lets running handlers finish by default.
DEFAULT_GRACE_PERIOD_S = 30.0
#: After the grace period, how long answers already being sent may take to arrive.
_FLUSH_TIMEOUT_S = 10.0
#: How long cancelled handlers get to unwind before their jobs are handed back anyway.
_CANCEL_TIMEOUT_S = 5.0


class ZeebeWorker(ZeebeTaskRouter):
    """Activates jobs of its tasks from a Zeebe gateway and runs their handlers.

    A drop-in for pyzeebe's ``ZeebeWorker`` (same keywords) that streams new jobs and
    polls for the backlog under one ``max_running_jobs`` limit per task, retries every
    gateway error with back-off, and drains gracefully on :meth:`stop`.

    Args:
        grpc_channel: a ``grpc.aio`` channel to the gateway; ``None`` builds one from the
            environment (``ZEEBE_ADDRESS``, OAuth settings, ...) and closes it at stop.
        name: the worker name sent with activations; ``None``: ``CAMUNDA_WORKER_NAME``
            or the host name.
        request_timeout: long-poll duration in ms; ``None``:
            ``CAMUNDA_WORKER_REQUEST_TIMEOUT`` or 0 (the gateway's default).
        before: decorators run before every handler of this worker.
        after: decorators run after every handler of this worker.
        max_connection_retries: consecutive failed activation calls after which
            ``work()`` gives up with :class:`~zeebe_router.errors.WorkerError`; a success
            resets the count; ``-1`` retries forever.
        poll_retry_delay: accepted for pyzeebe compatibility and unused: a task at its
            limit waits for a slot to free instead of sleeping.
        tenant_ids: tenants to activate jobs for; ``None``: ``CAMUNDA_TENANT_IDS``.
        exception_handler: the worker-level handler of exceptions raised by handlers.
        stream_enabled: ``"auto"`` and ``True`` stream new jobs (falling back to polling
            if the gateway does not offer streaming); ``False`` only polls.
        stream_request_timeout: seconds after which a stream is renewed (not an error).
        backoff: makes the retry schedule of each activation loop and answer;
            default :class:`ExponentialBackoff` (50 ms to 5 s, factor 1.6, 10 % jitter).
        max_sync_workers: threads for plain ``def`` handlers; ``None``: the sum of the
            ``max_running_jobs`` of the tasks that run in threads, so the pool never
            limits a task below its own limit.
        metrics: receives per-job measurements; default none.
        middleware: worker-level middleware, outermost.
        summary_interval: seconds between one-line INFO summaries of what the worker did
            (jobs/s, in flight, outcomes) on the ``zeebe_router.summary`` logger;
            ``None`` turns them off.
    """

    def __init__(
        self,
        grpc_channel: grpc.aio.Channel | None = None,
        name: str | None = None,
        request_timeout: int | None = None,
        before: list[TaskDecorator] | None = None,
        after: list[TaskDecorator] | None = None,
        max_connection_retries: int = -1,
        poll_retry_delay: float = 5,
        tenant_ids: Sequence[str] | None = None,
        exception_handler: ExceptionHandler | None = None,
        stream_enabled: bool | Literal["auto"] = "auto",
        stream_request_timeout: float = 3600,
        backoff: BackoffFactory | None = None,
        max_sync_workers: int | None = None,
        *,
        metrics: WorkerMetrics | None = None,
        middleware: Sequence[Middleware] | None = None,
        summary_interval: float | None = 60.0,
    ) -> None:
        super().__init__(
            before=before,
            after=after,
            exception_handler=exception_handler,
            middleware=middleware,
        )
        if stream_request_timeout <= 0:
            raise ValueError(f"stream_request_timeout must be > 0, got {stream_request_timeout}")
        if max_sync_workers is not None and max_sync_workers < 1:
            raise ValueError(f"max_sync_workers must be >= 1, got {max_sync_workers}")
        self._channel = grpc_channel
        self._owns_channel = False
        self.name = name
        self.request_timeout = request_timeout
        self.max_connection_retries = max_connection_retries
        self.poll_retry_delay = poll_retry_delay
        self.tenant_ids = None if tenant_ids is None else list(tenant_ids)
        self._stream_enabled = stream_enabled
        self._stream_request_timeout = float(stream_request_timeout)
        self._backoff: BackoffFactory = backoff or ExponentialBackoff
        self._max_sync_workers = max_sync_workers
        if summary_interval is not None and summary_interval <= 0:
            raise ValueError(f"summary_interval must be > 0 or None, got {summary_interval}")
        self._summary_interval = summary_interval
        self._summary = SummaryReporter(metrics or NOOP_METRICS) if summary_interval else None
        self._metrics: WorkerMetrics = self._summary or metrics or NOOP_METRICS
        self._monitor = ConnectionMonitor(max_connection_retries)
        self._activators: list[Activator] = []
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None
        self._processes: concurrent.futures.ProcessPoolExecutor | None = None
        self._running = False
        self._stopping = False
        self._wake: asyncio.Future[None] | None = None
        self._drain: asyncio.Task[DrainReport] | None = None
        self._startup_jitter_max_s = 0.0
        self._work_task: asyncio.Task[None] | None = None

    # --- public lifecycle ------------------------------------------------------------

    async def work(self) -> None:
        """Activate and run jobs until :meth:`stop` is called.

        Raises:
            WorkerError: a configuration error (INVALID_ARGUMENT on activation,
                PERMISSION_DENIED, UNAUTHENTICATED after a new token) or
                ``max_connection_retries`` consecutive failures; the message says what
                to fix and ``__cause__`` is the gateway's error.
            RuntimeError: ``work()`` is already running.
        """
        if self._running:
            raise RuntimeError("work() is already running for this worker")
        if self._stopping:
            return
        self._running = True
        reporter: asyncio.Task[None] | None = None
        try:
            wake = self._wake = asyncio.get_running_loop().create_future()
            self._start()
            if self._summary is not None and self._summary_interval is not None:
                reporter = asyncio.get_running_loop().create_task(
                    self._summary.run(self._summary_interval)
                )
            await self._startup_jitter(wake)
            for activator in self._activators:
                if not wake.done():
                    activator.start(wake)
            try:
                await asyncio.shield(wake)
            except asyncio.CancelledError:
                # Cancelled from outside: hand running jobs back at once, then unwind.
                await asyncio.shield(self.stop(grace_period=0))
                raise
            except BaseException:
                # A configuration error: let running jobs finish, then raise it.
                await asyncio.shield(self.stop())
                raise
            assert self._drain is not None
            await asyncio.shield(self._drain)
        finally:
            self._running = False
            if reporter is not None:
                reporter.cancel()
        _LOG.info("worker %r stopped", self.name)

    async def stop(self, grace_period: float = DEFAULT_GRACE_PERIOD_S) -> DrainReport:
        """Stop activating, let running handlers finish, hand back the rest, close.

        The order: stop polling and close the streams → wait up to ``grace_period``
        seconds for running handlers → cancel those still running and hand their jobs
        back (failed with unchanged retries, no back-off, so another worker takes them
        at once), and the same for jobs received but not started → wait for answers
        still being sent → shut the thread and process pools down → close the channel
        if the worker created it. ``work()`` returns after that. Calling it again
        returns the same report.
        """
        self._stopping = True
        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(self._drain_all(grace_period))
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)
        return await asyncio.shield(self._drain)

    async def __aenter__(self) -> ZeebeWorker:
        """Start :meth:`work` in the background; :meth:`stop` on exit."""
        self._work_task = asyncio.get_running_loop().create_task(self.work())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop gracefully and wait for :meth:`work`; re-raise a worker error."""
        await self.stop()
        if self._work_task is not None:
            await self._work_task

    @property
    def channel(self) -> grpc.aio.Channel | None:
        """The channel given to the worker, or the one it built at start (``None`` before)."""
        return self._channel

    def health(self) -> WorkerHealth:
        """Liveness, readiness and per-task slots and stream state, for probes."""
        return WorkerHealth(
            live=self._running,
            ready=self._running and not self._stopping and self._monitor.connected,
            last_activation=self._monitor.last_success,
            tasks=tuple(activator.health() for activator in self._activators),
        )

    # --- start -----------------------------------------------------------------------

    def _start(self) -> None:
        settings = _settings_from_env()
        self.name = self.name or settings.name or socket.gethostname()
        if self.request_timeout is None:
            self.request_timeout = settings.request_timeout_ms or 0
        if self.tenant_ids is None and settings.tenant_ids is not None:
            self.tenant_ids = list(settings.tenant_ids)
        tasks = [_with_defaults(task, settings) for task in self.tasks]
        executors = Executors(threads=self._thread_pool(tasks), processes=self._process_pool)
        runners = [TaskRunner(task, executors) for task in tasks]
        gateway = self._gateway()
        activation = ActivationSettings(
            worker_name=self.name,
            request_timeout_ms=self.request_timeout,
            tenant_ids=None if self.tenant_ids is None else tuple(self.tenant_ids),
            stream=self._stream_enabled is not False,
            stream_timeout_s=self._stream_request_timeout,
        )
        self._activators = []
        for runner in runners:
            sink = RetryingOutcomeSink(
                gateway,
                runner.config.type,
                runner.config.timeout_ms,
                metrics=self._metrics,
                backoff=self._backoff,
            )
            self._activators.append(
                Activator(
                    runner,
                    gateway,
                    sink,
                    activation,
                    self._monitor,
                    self._metrics,
                    self._backoff,
                )
            )
        self._startup_jitter_max_s = settings.startup_jitter_max_s or 0.0

    def _gateway(self) -> ZeebeGateway:
        from zeebe_router.gateway import ZeebeGateway

        if self._channel is None:
            from zeebe_router.connection import channel_from_env

            self._channel = channel_from_env()
            self._owns_channel = True
        assert self._channel is not None
        return ZeebeGateway(self._channel)

    def _thread_pool(self, tasks: Sequence[Task]) -> concurrent.futures.ThreadPoolExecutor:
        size = self._max_sync_workers
        if size is None:
            size = max(1, sum(t.config.max_running_jobs for t in tasks if _in_thread(t)))
        self._threads = concurrent.futures.ThreadPoolExecutor(
            max_workers=size, thread_name_prefix=f"zeebe-router-{self.name}"
        )
        return self._threads

    def _process_pool(self) -> concurrent.futures.Executor:
        if self._processes is None:
            # Never fork a process running grpc's threads and an event loop.
            self._processes = concurrent.futures.ProcessPoolExecutor(
                mp_context=multiprocessing.get_context("spawn")
            )
        return self._processes

    async def _startup_jitter(self, wake: asyncio.Future[None]) -> None:
        """Delay the first activation randomly so a fleet restarting at once spreads out."""
        if self._startup_jitter_max_s > 0:
            delay = random.uniform(0, self._startup_jitter_max_s)
            await asyncio.wait([wake], timeout=delay)

    # --- drain -----------------------------------------------------------------------

    async def _drain_all(self, grace_period: float) -> DrainReport:
        activators = self._activators
        for activator in activators:
            activator.draining = True
        await asyncio.gather(*(a.stop_activating() for a in activators))
        running = {task: a for a in activators for task in a.jobs}
        expired = False
        if running:
            _, pending = await asyncio.wait(running, timeout=max(grace_period, 0))
            overdue = [t for t in pending if not running[t].jobs[t].answered]
            if overdue:
                expired = True
                for task in overdue:
                    task.cancel()
                await asyncio.wait(overdue, timeout=_CANCEL_TIMEOUT_S)
        handed_back = sum(await asyncio.gather(*(a.hand_back_unanswered() for a in activators)))
        sending = [task for a in activators for task in a.jobs]
        if sending:
            _, late = await asyncio.wait(sending, timeout=_FLUSH_TIMEOUT_S)
            for task in late:
                task.cancel()
        report = DrainReport(
            finished=sum(a.finished_while_draining for a in activators),
            handed_back=handed_back,
            grace_period_expired=expired,
        )
        self._close_pools()
        if self._owns_channel and self._channel is not None:
            await self._channel.close(None)
        if handed_back or expired:
            _LOG.info(
                "worker %r drained: %d jobs finished, %d handed back%s",
                self.name,
                report.finished,
                report.handed_back,
                " (grace period ran out)" if expired else "",
            )
        return report

    def _close_pools(self) -> None:
        # Handlers stuck in a thread cannot be interrupted: do not wait for them.
        if self._threads is not None:
            self._threads.shutdown(wait=False, cancel_futures=True)
        if self._processes is not None:
            self._processes.shutdown(wait=False, cancel_futures=True)


def _with_defaults(task: Task, settings: WorkerSettings) -> Task:
    """Apply ``CAMUNDA_WORKER_TIMEOUT`` / ``..._MAX_CONCURRENT_JOBS`` where a task set neither."""
    config = task.config
    timeout_ms = settings.timeout_ms
    if timeout_ms is not None and "timeout_ms" in config.inherited:
        config = dataclasses.replace(config, timeout_ms=timeout_ms)
    max_running = settings.max_running_jobs
    if max_running is not None and "max_running_jobs" in config.inherited:
        config = dataclasses.replace(config, max_running_jobs=max_running)
    return task if config is task.config else dataclasses.replace(task, config=config)


def _in_thread(task: Task) -> bool:
    """Whether a task's handler runs in the worker's thread pool."""
    execution = task.config.execution
    return bool(execution == "thread" or (execution == "auto" and not task.plan.is_coroutine))


def _settings_from_env() -> WorkerSettings:
    """The worker defaults from the environment (``CAMUNDA_WORKER_*``)."""
    from zeebe_router.settings import WorkerSettings

    return WorkerSettings.from_env()
