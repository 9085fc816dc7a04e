"""JobController: answers one activated job, exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from zeebe_router.errors import JobAlreadyAnsweredError, VariablesError
from zeebe_router.job import Job, JobResult, JobStatus

__all__ = ["SHUTDOWN_MESSAGE", "JobController", "OutcomeSink"]

#: The failure message of a job handed back by a worker that is stopping.
SHUTDOWN_MESSAGE = "worker shutting down"


class OutcomeSink(Protocol):
    """Where a controller sends its answer: the gateway adapter, or a recorder in tests.

    :class:`zeebe_router.gateway.ZeebeGateway` satisfies it. A sink encodes variables
    before it sends anything, so a :class:`~zeebe_router.errors.VariablesError` means
    that nothing was sent.
    """

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        """Complete the job."""

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Fail the job, leaving it ``retries`` retries."""

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Throw a BPMN error for the job."""

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        """Set the job's deadline to ``timeout_ms`` from now."""

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        """Set the job's remaining retries."""


class JobController:
    """Sends exactly one of complete / fail / throw-error for one activated job.

    A handler may take a ``JobController`` parameter to answer the job itself, extend
    its timeout or change its retries. A second answer raises
    :class:`~zeebe_router.errors.JobAlreadyAnsweredError` and sends nothing.
    """

    __slots__ = ("_answer", "_job", "_sink")

    def __init__(self, job: Job, sink: OutcomeSink) -> None:
        self._job = job
        self._sink = sink
        self._answer: str | None = None

    @property
    def job(self) -> Job:
        """The job this controller answers."""
        return self._job

    @property
    def answered(self) -> bool:
        """Whether an answer has been sent (or is being sent)."""
        return self._answer is not None

    @property
    def answer(self) -> str | None:
        """``"complete"``, ``"fail"``, ``"throw_error"``, ``"hand_back"`` or ``None``."""
        return self._answer

    def _claim(self, what: str) -> None:
        if self._answer is not None:
            raise JobAlreadyAnsweredError(self._job.key, self._answer, what)
        self._answer = what

    async def complete(
        self, variables: Mapping[str, Any] | None = None, result: JobResult | None = None
    ) -> None:
        """Complete the job with ``variables`` (and a listener ``result``)."""
        self._claim("complete")
        try:
            await self._sink.complete_job(self._job.key, variables, result)
        except VariablesError:
            self._answer = None
            raise
        self._job._set_status(JobStatus.Completed)

    async def fail(
        self,
        message: str,
        retries: int | None = None,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Fail the job; ``retries=None`` leaves it ``job.retries - 1`` retries."""
        self._claim("fail")
        left = self._job.retries - 1 if retries is None else retries
        try:
            await self._sink.fail_job(self._job.key, left, message, retry_backoff_ms, variables)
        except VariablesError:
            self._answer = None
            raise
        self._job._set_status(JobStatus.Failed)

    async def throw_error(
        self, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        """Throw a BPMN error with ``code``, to be caught by a matching error event."""
        self._claim("throw_error")
        try:
            await self._sink.throw_error(self._job.key, code, message, variables)
        except VariablesError:
            self._answer = None
            raise
        self._job._set_status(JobStatus.ErrorThrown)

    async def hand_back(self, message: str = SHUTDOWN_MESSAGE) -> None:
        """Return the job untouched (retries unchanged, no back-off) for another worker."""
        self._claim("hand_back")
        await self._sink.fail_job(self._job.key, self._job.retries, message, 0, None)
        self._job._set_status(JobStatus.HandedBack)

    async def extend_timeout(self, timeout_ms: int) -> None:
        """Set the job's deadline to ``timeout_ms`` from now (``UpdateJobTimeout``)."""
        await self._sink.update_job_timeout(self._job.key, timeout_ms)

    async def update_retries(self, retries: int) -> None:
        """Set the retries the job has left (``UpdateJobRetries``)."""
        await self._sink.update_job_retries(self._job.key, retries)

    # pyzeebe's names -------------------------------------------------------------------

    async def set_running_after_decorators_status(self) -> None:
        """Mark the job as past its handler, running its ``after`` decorators."""
        self._job._set_status(JobStatus.RunningAfterDecorators)

    async def set_success_status(self, variables: Mapping[str, Any] | None = None) -> None:
        """Complete the job (pyzeebe's name for :meth:`complete`)."""
        await self.complete(variables)

    async def set_failure_status(
        self,
        message: str,
        retry_back_off_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Fail the job with ``job.retries - 1`` retries (pyzeebe's name for :meth:`fail`)."""
        await self.fail(message, None, retry_back_off_ms, variables)

    async def set_error_status(
        self,
        message: str,
        error_code: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Throw a BPMN error (pyzeebe's name for :meth:`throw_error`)."""
        await self.throw_error(error_code, message, variables)
