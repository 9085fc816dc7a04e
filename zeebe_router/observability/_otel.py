"""A middleware that traces each job as an OpenTelemetry span (``otel`` extra)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from zeebe_router.errors import BpmnError
from zeebe_router.job import Job

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

__all__ = ["job_span_attributes", "tracing_middleware"]

#: The instrumentation scope of the spans.
TRACER_NAME = "zeebe_router"


def job_span_attributes(job: Job) -> dict[str, str | int]:
    """The span attributes that describe ``job``."""
    return {
        "zeebe.job.key": job.key,
        "zeebe.job.type": job.type,
        "zeebe.job.retries": job.retries,
        "zeebe.job.worker": job.worker,
        "zeebe.process_instance.key": job.process_instance_key,
        "zeebe.bpmn_process_id": job.bpmn_process_id,
        "zeebe.element_id": job.element_id,
        "zeebe.tenant_id": job.tenant_id,
    }


def tracing_middleware(
    tracer: Tracer | None = None,
) -> Callable[[Job, Callable[[Job], Awaitable[Any]]], Awaitable[Any]]:
    """Return a middleware that runs each job inside a span named ``zeebe.job <type>``.

    The span carries the job's key, type, retries, worker, process instance key, BPMN
    process id and element id, and ``zeebe.handler.outcome`` (returned, bpmn_error,
    exception, cancelled). An exception is recorded and sets the span's status to
    ERROR; a :class:`~zeebe_router.errors.BpmnError` is a business outcome, so it becomes a
    ``zeebe.bpmn_error`` event (with its code) and the status stays unset.

    Args:
        tracer: the tracer to use; ``None`` takes one from the global tracer provider.

    Raises:
        ImportError: opentelemetry-api is not installed (``pip install
            'zeebe-router[otel]'``).
    """
    try:
        from opentelemetry import trace
    except ImportError as exc:
        raise ImportError(
            "tracing_middleware needs opentelemetry-api: pip install 'zeebe-router[otel]'"
        ) from exc
    use = tracer if tracer is not None else trace.get_tracer(TRACER_NAME)

    async def trace_job(job: Job, call_next: Callable[[Job], Awaitable[Any]]) -> Any:
        with use.start_as_current_span(
            f"zeebe.job {job.type}",
            kind=trace.SpanKind.CONSUMER,
            attributes=job_span_attributes(job),
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                result = await call_next(job)
            except BpmnError as exc:
                span.set_attribute("zeebe.handler.outcome", "bpmn_error")
                span.add_event(
                    "zeebe.bpmn_error",
                    {"zeebe.error.code": exc.code, "zeebe.error.message": exc.message},
                )
                raise
            except asyncio.CancelledError:
                span.set_attribute("zeebe.handler.outcome", "cancelled")
                raise
            except Exception as exc:
                span.set_attribute("zeebe.handler.outcome", "exception")
                span.record_exception(exc)
                span.set_status(
                    trace.Status(trace.StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
                )
                raise
            span.set_attribute("zeebe.handler.outcome", "returned")
            span.set_status(trace.Status(trace.StatusCode.OK))
            return result

    return trace_job
