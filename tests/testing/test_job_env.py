"""JobEnvironment: unit-testing a handler with no network."""

from __future__ import annotations

import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, JobFailure, TaskNotFoundError
from zeebe_router.job import Job, JobKind, UserTaskProperties
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment, RecordingSink


async def test_run_returns_the_completion_and_the_job() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-complete")
    async def greet(name: str, job: Job) -> dict[str, str]:
        return {"greeting": f"hello {name} ({job.custom_headers['lang']})"}

    async with JobEnvironment() as env:
        outcome = await env.run(
            router, type="env-complete", variables={"name": "Ann"}, headers={"lang": "en"}
        )

    assert outcome.completed
    assert not outcome.failed
    assert not outcome.error_thrown
    assert outcome.variables == {"greeting": "hello Ann (en)"}
    assert outcome.job.type == "env-complete"
    assert not outcome.answered_by_handler


async def test_run_reports_failure_and_bpmn_error() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-fail")
    async def fail() -> None:
        raise JobFailure("later", retry_backoff_ms=250)

    @router.task("env-error")
    async def error() -> None:
        raise BpmnError("NOPE", "not allowed")

    async with JobEnvironment() as env:
        failed = await env.run(router, type="env-fail", retries=4)
        thrown = await env.run(router, type="env-error")

    assert (failed.kind, failed.retries, failed.retry_backoff_ms, failed.message) == (
        "fail",
        3,
        250,
        "later",
    )
    assert (thrown.kind, thrown.error_code, thrown.message) == (
        "throw_error",
        "NOPE",
        "not allowed",
    )


async def test_run_accepts_a_task_and_a_single_task_router() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-single")
    def only() -> dict[str, int]:
        return {"n": 1}

    async with JobEnvironment() as env:
        via_router = await env.run(router)
        via_task = await env.run(router.get_task("env-single"))

    assert via_router.variables == via_task.variables == {"n": 1}


async def test_run_rejects_an_unknown_type() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-known")
    def known() -> None: ...

    async with JobEnvironment() as env:
        with pytest.raises(TaskNotFoundError):
            await env.run(router, type="env-unknown")


async def test_job_only_carries_the_fetched_variables() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-fetch")
    def peek(job: Job, a: int) -> dict[str, object]:
        return {"seen": sorted(job.variables)}

    async with JobEnvironment() as env:
        outcome = await env.run(router, variables={"a": 1, "b": 2})

    assert outcome.variables == {"seen": ["a"]}


async def test_job_fields_can_describe_a_task_listener() -> None:
    router = ZeebeTaskRouter()

    @router.task("env-listener")
    async def on_assign(job: Job, controller: JobController) -> None:
        assert job.user_task is not None
        await controller.complete({"assignee_seen": job.user_task.assignee})

    async with JobEnvironment() as env:
        outcome = await env.run(
            router,
            kind=JobKind.TASK_LISTENER,
            user_task=UserTaskProperties(assignee="ann"),
        )

    assert outcome.answered_by_handler
    assert outcome.variables == {"assignee_seen": "ann"}


async def test_recording_sink_refuses_what_the_gateway_would_refuse() -> None:
    sink = RecordingSink()
    job = Job(key=1, type="env-sink", retries=2)
    controller = JobController(job, sink)

    with pytest.raises(TypeError, match="'x'"):
        await controller.complete({"x": object()})
    assert not controller.answered
    await controller.fail("after all")

    assert [(c.rpc, c.retries, c.message) for c in sink.calls] == [("fail", 1, "after all")]
