"""tracing_middleware with the OpenTelemetry SDK's in-memory exporter."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from zeebe_router.errors import BpmnError, JobFailure
from zeebe_router.job import Job
from zeebe_router.observability import tracing_middleware

JOB = Job(
    key=7,
    type="trace-charge",
    process_instance_key=70,
    bpmn_process_id="order",
    element_id="charge",
    retries=3,
    worker="w1",
)


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.shutdown()


@pytest.fixture
def tracer(exporter: InMemorySpanExporter) -> trace.Tracer:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("tests")


async def test_a_job_runs_inside_its_span(
    tracer: trace.Tracer, exporter: InMemorySpanExporter
) -> None:
    mw = tracing_middleware(tracer)
    seen: list[trace.Span] = []

    async def call_next(job: Job) -> Any:
        seen.append(trace.get_current_span())
        return {"receipt": "r-1"}

    assert await mw(JOB, call_next) == {"receipt": "r-1"}
    [span] = exporter.get_finished_spans()
    assert span.name == "zeebe.job trace-charge"
    assert span.kind is trace.SpanKind.CONSUMER
    assert span.status.status_code is trace.StatusCode.OK
    assert dict(span.attributes or {}) == {
        "zeebe.job.key": 7,
        "zeebe.job.type": "trace-charge",
        "zeebe.job.retries": 3,
        "zeebe.job.worker": "w1",
        "zeebe.process_instance.key": 70,
        "zeebe.bpmn_process_id": "order",
        "zeebe.element_id": "charge",
        "zeebe.tenant_id": "<default>",
        "zeebe.handler.outcome": "returned",
    }
    assert seen[0].get_span_context().span_id == span.context.span_id


async def test_an_exception_is_recorded_as_a_span_error(
    tracer: trace.Tracer, exporter: InMemorySpanExporter
) -> None:
    async def call_next(job: Job) -> Any:
        raise RuntimeError("card service down")

    with pytest.raises(RuntimeError, match="card service down"):
        await tracing_middleware(tracer)(JOB, call_next)
    [span] = exporter.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.ERROR
    assert span.status.description == "RuntimeError: card service down"
    [event] = span.events
    assert event.name == "exception"
    assert (event.attributes or {})["exception.type"] == "RuntimeError"
    assert (span.attributes or {})["zeebe.handler.outcome"] == "exception"


async def test_a_job_failure_is_a_span_error(
    tracer: trace.Tracer, exporter: InMemorySpanExporter
) -> None:
    async def call_next(job: Job) -> Any:
        raise JobFailure("try later", retries=1)

    with pytest.raises(JobFailure):
        await tracing_middleware(tracer)(JOB, call_next)
    [span] = exporter.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.ERROR


async def test_a_bpmn_error_is_an_event_not_a_span_error(
    tracer: trace.Tracer, exporter: InMemorySpanExporter
) -> None:
    async def call_next(job: Job) -> Any:
        raise BpmnError("INVALID_AMOUNT", "amount -1")

    with pytest.raises(BpmnError):
        await tracing_middleware(tracer)(JOB, call_next)
    [span] = exporter.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.UNSET
    [event] = span.events
    assert event.name == "zeebe.bpmn_error"
    assert dict(event.attributes or {}) == {
        "zeebe.error.code": "INVALID_AMOUNT",
        "zeebe.error.message": "amount -1",
    }
    assert (span.attributes or {})["zeebe.handler.outcome"] == "bpmn_error"


async def test_without_a_tracer_the_global_provider_is_used() -> None:
    async def call_next(job: Job) -> Any:
        return None

    # The API's default provider makes non-recording spans: the job still runs.
    assert await tracing_middleware()(JOB, call_next) is None


def test_without_opentelemetry_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ImportError, match=r"zeebe-router\[otel\]"):
        tracing_middleware()
