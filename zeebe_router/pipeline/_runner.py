"""TaskRunner: one task's pipeline, built once, answering each job exactly once."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zeebe_router.controller import JobController
from zeebe_router.errors import JobAlreadyAnsweredError, JobOutcome, NotFoundError
from zeebe_router.job import Job, JobStatus
from zeebe_router.observability import current_job
from zeebe_router.pipeline._execution import Executors, HandlerCall, make_call, resolve_mode
from zeebe_router.pipeline._middleware import layer_middleware
from zeebe_router.pipeline._outcome import answer_outcome, complete, default_failure

if TYPE_CHECKING:
    from zeebe_router.routing._router import ZeebeTaskRouter
    from zeebe_router.routing._task import (
        CallNext,
        ExceptionHandler,
        Middleware,
        Task,
        TaskConfig,
    )

__all__ = ["TaskRunner", "build_runners"]

_LOG = logging.getLogger("zeebe_router.pipeline")


class _Run:
    """The state of one activation: its controller and the job the handler last saw."""

    __slots__ = ("controller", "job")

    def __init__(self, controller: JobController, job: Job) -> None:
        self.controller = controller
        self.job = job


class TaskRunner:
    """Runs middleware → decorators → handler → outcome for the jobs of one task.

    Built once per task (see :func:`build_runners`); :meth:`run` sends exactly one
    answer per job through its controller, unless the handler answered itself.
    """

    __slots__ = ("_call", "_chain", "_handlers", "_plan", "config", "task")

    def __init__(self, task: Task, executors: Executors) -> None:
        self.task = task
        self.config: TaskConfig = task.config
        self._plan = task.plan
        mode = resolve_mode(task.original_function, task.config.execution, task.plan)
        self._call: HandlerCall = make_call(task.original_function, mode, executors)
        self._chain: tuple[Middleware, ...] = layer_middleware(task.layers)
        # Innermost (task) level first: that is the order exceptions are offered in.
        self._handlers: tuple[Mapping[type[BaseException], ExceptionHandler], ...] = tuple(
            layer.exception_handlers for layer in reversed(task.layers) if layer.exception_handlers
        )

    async def run(self, job: Job, controller: JobController) -> None:
        """Handle ``job`` and answer it through ``controller``; never raises but cancellation."""
        await self.execute(job, controller)

    async def execute(self, job: Job, controller: JobController) -> bool:
        """Like :meth:`run`; returns whether the handler answered through its controller."""
        token = current_job.set(job)
        run = _Run(controller, job)
        extender = self._start_extending(controller)
        try:
            error: Exception | None = None
            result: Any = None
            try:
                result = await self._step(0, job, run)
            except Exception as exc:
                error = exc
            finally:
                if extender is not None:
                    extender.cancel()
            by_handler = controller.answered
            await self._answer(result, error, run)
        finally:
            current_job.reset(token)
        return by_handler

    async def _answer(self, result: Any, error: Exception | None, run: _Run) -> None:
        job = run.job
        try:
            if isinstance(error, JobOutcome):
                await self._answer_outcome(error, run)
            elif error is not None:
                await self._handle_exception(error, run)
            elif not run.controller.answered:
                await complete(
                    run.controller, result, self.config.single_value, self.config.variable_name
                )
        except JobAlreadyAnsweredError as exc:
            _LOG.warning("%s", exc, extra=job.log_context())
        except Exception as exc:
            # The outcome sink has already retried what can be retried.
            _LOG.error(
                "could not answer job %s of type %r: %s",
                job.key,
                job.type,
                exc,
                exc_info=not isinstance(exc, NotFoundError),
                extra=job.log_context(),
            )

    def _step(self, index: int, job: Job, run: _Run) -> Any:
        if index == len(self._chain):
            return self._handle(job, run)
        return self._chain[index](job, self._next(index + 1, run))

    def _next(self, index: int, run: _Run) -> CallNext:
        async def call_next(job: Job) -> Any:
            return await self._step(index, job, run)

        return call_next

    async def _handle(self, job: Job, run: _Run) -> Any:
        run.job = job
        args, kwargs = self._plan.bind(job, run.controller)
        result = await self._call(args, kwargs)
        job._set_task_result(result)
        if job.status is JobStatus.Running:
            job._set_status(JobStatus.RunningAfterDecorators)
        return result

    async def _answer_outcome(self, outcome: JobOutcome, run: _Run) -> None:
        if run.controller.answered:
            _LOG.warning(
                "job %s was already answered (%s); ignoring the raised %s",
                run.job.key,
                run.controller.answer,
                type(outcome).__name__,
                extra=run.job.log_context(),
            )
            return
        await answer_outcome(run.controller, outcome)

    async def _handle_exception(self, exc: Exception, run: _Run) -> None:
        controller, job = run.controller, run.job
        if controller.answered:
            _LOG.error(
                "handler %s raised after answering job %s (%s)",
                self._plan.handler_name,
                job.key,
                controller.answer,
                exc_info=exc,
                extra=job.log_context(),
            )
            return
        handler = self._find_handler(exc)
        if handler is None:
            await default_failure(controller, job, exc)
            return
        try:
            returned = handler(exc, job, controller)
            if inspect.isawaitable(returned):
                await returned
        except JobOutcome as outcome:
            await self._answer_outcome(outcome, run)
            return
        except Exception as handler_exc:
            _LOG.error(
                "exception handler %r failed while handling %s for job %s",
                handler,
                type(exc).__name__,
                job.key,
                exc_info=handler_exc,
                extra=job.log_context(),
            )
        else:
            if not controller.answered:
                _LOG.warning(
                    "exception handler %r returned without answering job %s; failing it",
                    handler,
                    job.key,
                    extra=job.log_context(),
                )
        if not controller.answered:
            await default_failure(controller, job, exc)

    def _find_handler(self, exc: Exception) -> ExceptionHandler | None:
        mro = type(exc).__mro__
        for handlers in self._handlers:
            for cls in mro:
                handler = handlers.get(cls)
                if handler is not None:
                    return handler
        return None

    def _start_extending(self, controller: JobController) -> asyncio.Task[None] | None:
        if not self.config.auto_extend:
            return None
        return asyncio.ensure_future(_keep_extending(controller, self.config.timeout_ms))


async def _keep_extending(controller: JobController, timeout_ms: int) -> None:
    """Push the job's deadline out every half timeout while its handler runs."""
    interval = max(timeout_ms, 1) / 2000
    while True:
        await asyncio.sleep(interval)
        if controller.answered:
            return
        try:
            await controller.extend_timeout(timeout_ms)
        except NotFoundError:
            return
        except Exception as exc:
            _LOG.warning(
                "could not extend the timeout of job %s: %s",
                controller.job.key,
                exc,
                extra=controller.job.log_context(),
            )


def build_runners(router: ZeebeTaskRouter, executors: Executors) -> dict[str, TaskRunner]:
    """Build a runner per task type of ``router`` (and the routers it includes)."""
    return {task.type: TaskRunner(task, executors) for task in router.tasks}
