"""JobEnvironment: run one task handler on a fabricated job, with no network, for unit tests."""

from __future__ import annotations

import concurrent.futures
import itertools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from zeebe_router import _json
from zeebe_router.controller import JobController
from zeebe_router.errors import TaskNotFoundError
from zeebe_router.job import Job, JobResult
from zeebe_router.pipeline._execution import Executors
from zeebe_router.pipeline._runner import TaskRunner
from zeebe_router.routing._router import ZeebeTaskRouter
from zeebe_router.routing._task import Task

__all__ = ["JobEnvironment", "RecordedOutcome", "RecordingSink", "SinkCall"]

#: The kinds of answer a job can get.
AnswerKind = Literal["complete", "fail", "throw_error"]
_KINDS: dict[str, AnswerKind] = {
    "complete": "complete",
    "fail": "fail",
    "throw_error": "throw_error",
}


@dataclass(frozen=True)
class SinkCall:
    """One call a controller made on its sink, with its variables as Zeebe would store them."""

    rpc: Literal["complete", "fail", "throw_error", "update_timeout", "update_retries"]
    job_key: int
    variables: dict[str, Any] = field(default_factory=dict)
    result: JobResult | None = None
    retries: int | None = None
    retry_backoff_ms: int = 0
    message: str = ""
    code: str = ""
    timeout_ms: int | None = None


class RecordingSink:
    """An :class:`~zeebe_router.controller.OutcomeSink` that records instead of sending.

    Variables are encoded with the same JSON codec as the gateway adapter, so values
    that could not be sent are refused the same way.
    """

    def __init__(self) -> None:
        self.calls: list[SinkCall] = []

    @property
    def answers(self) -> list[SinkCall]:
        """The complete / fail / throw-error calls, in order."""
        return [c for c in self.calls if c.rpc in ("complete", "fail", "throw_error")]

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        """Record a completion."""
        decoded = _roundtrip(variables)
        self.calls.append(SinkCall("complete", job_key, decoded, result=result))

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a failure."""
        decoded = _roundtrip(variables)
        self.calls.append(
            SinkCall(
                "fail",
                job_key,
                decoded,
                retries=retries,
                retry_backoff_ms=retry_backoff_ms,
                message=message,
            )
        )

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a thrown BPMN error."""
        decoded = _roundtrip(variables)
        self.calls.append(SinkCall("throw_error", job_key, decoded, message=message, code=code))

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        """Record a timeout extension."""
        self.calls.append(SinkCall("update_timeout", job_key, timeout_ms=timeout_ms))

    async def update_job_retries(self, job_key: int, retries: int) -> None:
        """Record a change of retries."""
        self.calls.append(SinkCall("update_retries", job_key, retries=retries))


def _roundtrip(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    return _json.loads(_json.dumps(variables))


@dataclass(frozen=True)
class RecordedOutcome:
    """How one job was answered.

    Attributes:
        job: the job the handler was given.
        kind: ``"complete"``, ``"fail"``, ``"throw_error"`` or ``None`` if unanswered.
        variables: the completed variables (or those sent with the failure / error),
            as Zeebe would store them.
        result: the listener :class:`~zeebe_router.job.JobResult` of a completion.
        retries: the retries a failure leaves.
        retry_backoff_ms: the back-off of a failure.
        message: the failure or error message.
        error_code: the BPMN error code.
        answered_by_handler: the handler answered through its ``JobController``.
        calls: every call made on the sink, extensions and retry updates included.
    """

    job: Job
    kind: AnswerKind | None
    variables: dict[str, Any]
    result: JobResult | None
    retries: int | None
    retry_backoff_ms: int
    message: str
    error_code: str
    answered_by_handler: bool
    calls: tuple[SinkCall, ...]

    @property
    def completed(self) -> bool:
        """Whether the job was completed."""
        return self.kind == "complete"

    @property
    def failed(self) -> bool:
        """Whether the job was failed."""
        return self.kind == "fail"

    @property
    def error_thrown(self) -> bool:
        """Whether a BPMN error was thrown."""
        return self.kind == "throw_error"

    @property
    def answers(self) -> tuple[SinkCall, ...]:
        """The answers sent: exactly one for every job the pipeline handled."""
        return tuple(c for c in self.calls if c.rpc in ("complete", "fail", "throw_error"))


class JobEnvironment:
    """Runs a task's full pipeline (middleware, decorators, handler, outcome) on one job.

    Nothing touches the network: the answer is recorded and returned. Use it to unit-test
    handlers::

        env = JobEnvironment()
        outcome = await env.run(router, type="charge-card", variables={"amount": 5})
        assert outcome.completed and outcome.variables == {"receipt": "r-1"}

    Args:
        executors: the pools for ``def`` and ``process`` handlers; by default a thread
            pool and a process pool owned by the environment (close it with :meth:`close`
            or ``async with``).
        worker: the worker name the fabricated jobs carry.
    """

    def __init__(self, executors: Executors | None = None, *, worker: str = "job-environment"):
        self._owned: list[concurrent.futures.Executor] = []
        self._executors = executors or Executors(threads=self._threads(), processes=self._processes)
        self._worker = worker
        self._keys = itertools.count(2251799813685249)

    def _threads(self) -> concurrent.futures.Executor:
        pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="job-environment")
        self._owned.append(pool)
        return pool

    def _processes(self) -> concurrent.futures.Executor:
        for pool in self._owned:
            if isinstance(pool, concurrent.futures.ProcessPoolExecutor):
                return pool
        process_pool = concurrent.futures.ProcessPoolExecutor(2)
        self._owned.append(process_pool)
        return process_pool

    def job(
        self,
        type: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        retries: int = 3,
        timeout_ms: int = 10000,
        **fields: Any,
    ) -> Job:
        """Fabricate an activated job (``fields`` sets any other :class:`Job` field)."""
        values: dict[str, Any] = {
            "key": next(self._keys),
            "type": type,
            "process_instance_key": next(self._keys),
            "bpmn_process_id": "job-environment",
            "process_definition_version": 1,
            "process_definition_key": next(self._keys),
            "element_id": type,
            "element_instance_key": next(self._keys),
            "custom_headers": dict(headers or {}),
            "worker": self._worker,
            "retries": retries,
            "deadline": int(time.time() * 1000) + timeout_ms,
            "variables": _roundtrip(variables),
        }
        values.update(fields)
        return Job(**values)

    async def run(
        self,
        target: Task | ZeebeTaskRouter,
        *,
        type: str | None = None,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
        retries: int = 3,
        **fields: Any,
    ) -> RecordedOutcome:
        """Run the task of ``type`` in ``target`` on a job with ``variables`` and return its answer.

        ``type`` may be left out when ``target`` is a task or a router with one task. As
        from the gateway, the job only carries the variables the task fetches.

        Raises:
            TaskNotFoundError: ``target`` has no task of ``type``.
        """
        task = _pick(target, type)
        fetch = task.config.variables_to_fetch
        given = dict(variables or {})
        if fetch:
            given = {k: v for k, v in given.items() if k in fetch}
        job = self.job(task.type, given, headers, retries, task.config.timeout_ms, **fields)
        sink = RecordingSink()
        controller = JobController(job, sink)
        by_handler = await TaskRunner(task, self._executors).execute(job, controller)
        return _outcome(job, sink, by_handler)

    def close(self) -> None:
        """Shut down the pools this environment created."""
        for pool in self._owned:
            pool.shutdown(wait=False, cancel_futures=True)
        self._owned.clear()

    async def __aenter__(self) -> JobEnvironment:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


def _pick(target: Task | ZeebeTaskRouter, task_type: str | None) -> Task:
    if isinstance(target, Task):
        if task_type is not None and task_type != target.type:
            raise TaskNotFoundError(task_type)
        return target
    if task_type is None:
        tasks = target.tasks
        if len(tasks) != 1:
            types = ", ".join(repr(t.type) for t in tasks) or "none"
            raise TypeError(f"pass type=...: the router has several tasks ({types})")
        return tasks[0]
    return target.get_task(task_type)


def _outcome(job: Job, sink: RecordingSink, by_handler: bool) -> RecordedOutcome:
    answers = sink.answers
    last = answers[-1] if answers else None
    return RecordedOutcome(
        job=job,
        kind=_KINDS.get(last.rpc) if last else None,
        variables=dict(last.variables) if last else {},
        result=last.result if last else None,
        retries=last.retries if last else None,
        retry_backoff_ms=last.retry_backoff_ms if last else 0,
        message=last.message if last else "",
        error_code=last.code if last else "",
        answered_by_handler=by_handler,
        calls=tuple(sink.calls),
    )
