"""Delivers job answers to the gateway, retrying transient errors until the job's deadline."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from zeebe_router.controller import JobController, OutcomeSink
from zeebe_router.errors import InvalidStateError, NotFoundError, ZeebeGatewayError
from zeebe_router.job import JobResult
from zeebe_router.observability import NOOP_METRICS, Outcome, WorkerMetrics
from zeebe_router.worker._backoff import BackoffFactory, ExponentialBackoff

__all__ = ["AnswerListener", "RetryingOutcomeSink"]

#: Told ``(job_key, True)`` as a job's answer leaves for the gateway, and
#: ``(job_key, False)`` if that answer then raises instead of being delivered.
AnswerListener = Callable[[int, bool], None]

_LOG = logging.getLogger("zeebe_router.worker")


class RetryingOutcomeSink:
    """An :class:`~zeebe_router.controller.OutcomeSink` over the gateway for one task type.

    Transient errors (UNAVAILABLE, RESOURCE_EXHAUSTED, ...) are retried with back-off
    until the job's deadline, after which the job belongs to the gateway again.
    NOT_FOUND and FAILED_PRECONDITION mean the job is no longer this worker's (it timed
    out, was cancelled or already answered): they are logged, counted as ``lost`` and
    never raised. Other errors (INVALID_ARGUMENT, PERMISSION_DENIED, ...) are raised.

    Args:
        gateway: anything with the gateway's job rpcs (``ZeebeGateway``).
        task_type: the task type, for metrics and logs.
        timeout_ms: the task's activation timeout: a job's deadline unless tracked.
        clock: monotonic seconds (the event loop's time).
    """

    __slots__ = (
        "_backoff",
        "_clock",
        "_deadlines",
        "_gateway",
        "_handing_back",
        "_listener",
        "_metrics",
        "_timeout_s",
        "task_type",
    )

    def __init__(
        self,
        gateway: OutcomeSink,
        task_type: str,
        timeout_ms: int,
        *,
        metrics: WorkerMetrics = NOOP_METRICS,
        backoff: BackoffFactory = ExponentialBackoff,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._gateway = gateway
        self.task_type = task_type
        self._timeout_s = timeout_ms / 1000
        self._metrics = metrics
        self._backoff = backoff
        self._clock = clock or asyncio.get_running_loop().time
        self._deadlines: dict[int, float] = {}
        self._handing_back: set[int] = set()
        self._listener: AnswerListener | None = None

    def listen(self, listener: AnswerListener | None) -> None:
        """Have ``listener`` told when each answer leaves (and if it raises instead)."""
        self._listener = listener

    # --- deadlines -------------------------------------------------------------------

    def track(self, job_key: int, timeout_ms: int | None = None) -> None:
        """Remember that ``job_key`` was activated now, expiring after ``timeout_ms``."""
        timeout_s = self._timeout_s if timeout_ms is None else timeout_ms / 1000
        self._deadlines[job_key] = self._clock() + timeout_s

    def forget(self, job_key: int) -> None:
        """Drop what is known about ``job_key`` (it was answered)."""
        self._deadlines.pop(job_key, None)

    def deadline(self, job_key: int) -> float:
        """The monotonic time after which ``job_key`` is no longer this worker's."""
        deadline = self._deadlines.get(job_key)
        return self._clock() + self._timeout_s if deadline is None else deadline

    # --- OutcomeSink -----------------------------------------------------------------

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        """Complete the job, retrying transient errors until its deadline."""
        await self._answer("complete", job_key, self._gateway.complete_job, variables, result)

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Fail the job (or hand it back), retrying transient errors until its deadline."""
        outcome: Outcome = "handed_back" if job_key in self._handing_back else "fail"
        await self._answer(
            outcome, job_key, self._gateway.fail_job, retries, message, retry_backoff_ms, variables
        )

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Throw a BPMN error, retrying transient errors until the job's deadline."""
        await self._answer("error", job_key, self._gateway.throw_error, code, message, variables)

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        """Move the job's deadline; retried like an answer, but NOT_FOUND is raised."""
        await self._call(job_key, self._gateway.update_job_timeout, (job_key, timeout_ms))
        if job_key in self._deadlines:
            self._deadlines[job_key] = self._clock() + timeout_ms / 1000

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        """Set the job's retries; retried like an answer, but NOT_FOUND is raised."""
        await self._call(job_key, self._gateway.update_job_retries, (job_key, retries))

    async def hand_back(self, controller: JobController) -> bool:
        """Return the job of ``controller`` untouched; ``False`` if the gateway lost it."""
        key = controller.job.key
        self._handing_back.add(key)
        try:
            await controller.hand_back()
        except ZeebeGatewayError as exc:
            _LOG.warning("could not hand back job %d of %r: %s", key, self.task_type, exc)
            return False
        finally:
            self._handing_back.discard(key)
        return True

    # --- delivery --------------------------------------------------------------------

    async def _answer(
        self, outcome: Outcome, job_key: int, send: Callable[..., Awaitable[None]], *args: Any
    ) -> None:
        listener = self._listener
        if listener is not None:
            listener(job_key, True)
        try:
            try:
                await send(job_key, *args)
                delivered = True
            except ZeebeGatewayError as exc:
                delivered = await self._recover(job_key, exc, send, (job_key, *args))
        except BaseException:
            if listener is not None:
                listener(job_key, False)
            raise
        self._deadlines.pop(job_key, None)
        self._metrics.job_answered(self.task_type, outcome if delivered else "lost")

    async def _recover(
        self,
        job_key: int,
        exc: ZeebeGatewayError,
        send: Callable[..., Awaitable[None]],
        args: tuple[Any, ...],
    ) -> bool:
        """Retry a failed answer; ``False`` when the job is no longer this worker's."""
        try:
            await self._retry(job_key, exc, send, args)
        except (NotFoundError, InvalidStateError) as gone:
            self._deadlines.pop(job_key, None)
            level = logging.INFO if isinstance(gone, NotFoundError) else logging.WARNING
            _LOG.log(
                level,
                "job %d of %r is no longer this worker's (%s); its answer was dropped",
                job_key,
                self.task_type,
                gone,
            )
            return False
        except TimeoutError as late:
            self._deadlines.pop(job_key, None)
            _LOG.warning(
                "gave up answering job %d of %r at its deadline: %s",
                job_key,
                self.task_type,
                late.__cause__,
            )
            return False
        return True

    async def _call(
        self, job_key: int, send: Callable[..., Awaitable[None]], args: tuple[Any, ...]
    ) -> None:
        try:
            await send(*args)
        except ZeebeGatewayError as exc:
            try:
                await self._retry(job_key, exc, send, args)
            except TimeoutError as late:
                last = late.__cause__
                if isinstance(last, ZeebeGatewayError):
                    raise last from last.__cause__
                raise exc from None

    async def _retry(
        self,
        job_key: int,
        exc: ZeebeGatewayError,
        send: Callable[..., Awaitable[None]],
        args: tuple[Any, ...],
    ) -> None:
        """Send again with back-off while errors are transient and the deadline allows.

        Raises:
            TimeoutError: the deadline passed (chained from the last error).
            ZeebeGatewayError: the first error that is not transient.
        """
        backoff = self._backoff()
        deadline = self.deadline(job_key)
        while True:
            if not exc.transient:
                raise exc
            delay = backoff.next_delay()
            if self._clock() + delay >= deadline:
                raise TimeoutError(f"deadline of job {job_key} passed") from exc
            _LOG.debug("retrying %s for job %d in %.2fs: %s", exc.rpc, job_key, delay, exc)
            await asyncio.sleep(delay)
            try:
                await send(*args)
            except ZeebeGatewayError as again:
                exc = again
            else:
                return
