"""Middleware, and pyzeebe's before/after decorators expressed as middleware."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zeebe_router.errors import JobOutcome
from zeebe_router.job import Job

if TYPE_CHECKING:
    from zeebe_router.routing._task import CallNext, Layer, Middleware, TaskDecorator

__all__ = ["decorator_middleware", "layer_middleware", "run_decorators"]

_LOG = logging.getLogger("zeebe_router.pipeline")


async def run_decorators(decorators: Sequence[TaskDecorator], job: Job) -> Job:
    """Run decorators in order, each getting the job the previous one returned.

    As in pyzeebe, a decorator that raises is logged and skipped (the job goes on
    unchanged); raising :class:`~zeebe_router.errors.BpmnError` or
    :class:`~zeebe_router.errors.JobFailure` chooses the job's outcome instead.
    """
    for decorator in decorators:
        try:
            returned: Any = decorator(job)
            if inspect.isawaitable(returned):
                returned = await returned
        except JobOutcome:
            raise
        except Exception:
            _LOG.warning(
                "decorator %r failed for job %s of type %r; continuing without it",
                decorator,
                job.key,
                job.type,
                exc_info=True,
                extra=job.log_context(),
            )
            continue
        if isinstance(returned, Job):
            job = returned
        elif returned is not None:
            _LOG.warning(
                "decorator %r returned %s instead of the job; continuing with the job",
                decorator,
                type(returned).__name__,
                extra=job.log_context(),
            )
    return job


def decorator_middleware(
    before: Sequence[TaskDecorator], after: Sequence[TaskDecorator]
) -> Middleware:
    """Run ``before`` decorators, the rest of the pipeline, then ``after`` decorators.

    ``after`` decorators run whether the handler returned or raised, as in pyzeebe.
    """
    before = tuple(before)
    after = tuple(after)

    async def decorators(job: Job, call_next: CallNext) -> Any:
        if before:
            job = await run_decorators(before, job)
        try:
            result = await call_next(job)
        except Exception:
            if after:
                await run_decorators(after, job)
            raise
        if after:
            await run_decorators(after, job)
        return result

    decorators.__qualname__ = f"decorators(before={len(before)}, after={len(after)})"
    return decorators


def layer_middleware(layers: Sequence[Layer]) -> tuple[Middleware, ...]:
    """Flatten layers (outermost first) into one middleware sequence.

    Within a layer its middleware wraps its before/after decorators.
    """
    chain: list[Middleware] = []
    for layer in layers:
        chain.extend(layer.middleware)
        if layer.before or layer.after:
            chain.append(decorator_middleware(layer.before, layer.after))
    return tuple(chain)
