"""Turning what a handler returned or raised into the one answer its job gets."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Mapping
from typing import Any

from zeebe_router._json import short_repr
from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, JobFailure, JobOutcome, VariablesError
from zeebe_router.job import Job, JobResult

__all__ = [
    "ResultTypeError",
    "answer_outcome",
    "complete",
    "default_exception_handler",
    "default_failure",
    "fail_plainly",
    "to_completion",
]

_LOG = logging.getLogger("zeebe_router.pipeline")


class ResultTypeError(TypeError):
    """Raised when a handler returns something that cannot become output variables."""


def to_completion(
    value: Any, single_value: bool, variable_name: str | None
) -> tuple[Mapping[str, Any] | None, JobResult | None]:
    """Return the variables (and listener result) that complete a job for ``value``.

    Raises:
        ResultTypeError: ``value`` is not a dict, dataclass, pydantic model, JobResult or None.
    """
    if single_value:
        assert variable_name is not None
        return {variable_name: value}, None
    if value is None:
        return None, None
    if isinstance(value, JobResult):
        return value.variables, value
    if isinstance(value, Mapping):
        return value, None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value), None
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        dumped: dict[str, Any] = value.model_dump(mode="json", by_alias=True)
        return dumped, None
    raise ResultTypeError(
        f"the handler returned {type(value).__name__} {short_repr(value)}; return a dict, a "
        f"dataclass, a pydantic model, a JobResult or None, or register the task with "
        f"single_value=True and a variable_name"
    )


async def complete(
    controller: JobController, value: Any, single_value: bool, variable_name: str | None
) -> None:
    """Complete the job with ``value``; fail it instead if ``value`` cannot be sent."""
    try:
        variables, result = to_completion(value, single_value, variable_name)
    except ResultTypeError as exc:
        await fail_plainly(controller, f"cannot complete the job: {exc}")
        return
    try:
        await controller.complete(variables, result)
    except VariablesError as exc:
        await fail_plainly(controller, f"cannot complete the job: {exc}")


async def answer_outcome(controller: JobController, outcome: JobOutcome) -> None:
    """Send the answer a raised :class:`BpmnError` or :class:`JobFailure` asks for."""
    if isinstance(outcome, BpmnError):
        try:
            await controller.throw_error(outcome.code, outcome.message, outcome.variables)
        except VariablesError as exc:
            await fail_plainly(controller, f"cannot throw BPMN error {outcome.code!r}: {exc}")
        return
    if isinstance(outcome, JobFailure):
        try:
            await controller.fail(
                outcome.message, outcome.retries, outcome.retry_backoff_ms, outcome.variables
            )
        except VariablesError as exc:
            await controller.fail(
                f"{outcome.message} (variables not sent: {exc})",
                outcome.retries,
                outcome.retry_backoff_ms,
            )
        return
    await default_failure(controller, controller.job, outcome)


async def default_failure(controller: JobController, job: Job, exc: BaseException) -> None:
    """Log ``exc`` with its traceback and fail the job with ``retries - 1``."""
    _LOG.error(
        "job %s of type %r failed: %s: %s",
        job.key,
        job.type,
        type(exc).__name__,
        exc,
        exc_info=exc,
        extra=job.log_context(),
    )
    await controller.fail(describe(exc))


async def default_exception_handler(
    exc: Exception, job: Job, job_controller: JobController
) -> None:
    """The handler of last resort (pyzeebe's name), usable in a chain of your own.

    A :class:`BpmnError` or :class:`JobFailure` gets the answer it asks for; anything else
    is logged with its traceback and fails the job with ``retries - 1`` and
    ``"<ExcType>: <message>"``.
    """
    if isinstance(exc, JobOutcome):
        await answer_outcome(job_controller, exc)
    else:
        await default_failure(job_controller, job, exc)


async def fail_plainly(controller: JobController, message: str) -> None:
    """Fail the job with ``retries - 1`` and ``message`` (no variables, so it cannot be refused)."""
    job = controller.job
    _LOG.error("job %s of type %r: %s", job.key, job.type, message, extra=job.log_context())
    await controller.fail(message)


def describe(exc: BaseException) -> str:
    """The failure message of an unexpected exception: ``"<ExcType>: <message>"``."""
    return f"{type(exc).__name__}: {exc}"
