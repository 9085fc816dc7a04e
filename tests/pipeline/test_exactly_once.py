"""Property: whatever raises wherever in a pipeline, exactly one answer reaches the sink."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, GatewayUnavailableError, JobFailure
from zeebe_router.job import Job, JobResult
from zeebe_router.pipeline import Executors, build_runners
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment, RecordingSink

DECORATOR = st.sampled_from(["ok", "raise", "bpmn", "failure", "wrong-return"])
MIDDLEWARE = st.sampled_from(["ok", "raise", "bpmn", "failure", "short", "short-unserialisable"])
HANDLER = st.sampled_from(
    [
        "dict",
        "none",
        "raise",
        "bpmn",
        "bpmn-unserialisable",
        "failure",
        "failure-unserialisable",
        "answer",
        "answer-then-raise",
        "answer-twice",
        "answer-unserialisable",
        "unserialisable",
        "wrong-type",
    ]
)
EXCEPTION_HANDLER = st.sampled_from(
    ["none", "answers", "raises", "silent", "raises-outcome", "answers-then-raises"]
)


@dataclass(frozen=True)
class Plan:
    before: str
    middleware: str
    handler: str
    after: str
    exception_handler: str
    sync_handler: bool
    sink_fails: bool


class FlakySink(RecordingSink):
    """Records every answer attempt; optionally the gateway then refuses it."""

    def __init__(self, fails: bool) -> None:
        super().__init__()
        self.fails = fails

    async def complete_job(
        self,
        job_key: int,
        variables: Mapping[str, Any] | None = None,
        result: JobResult | None = None,
    ) -> None:
        await super().complete_job(job_key, variables, result)
        self._maybe_fail("CompleteJob")

    async def fail_job(
        self,
        job_key: int,
        retries: int,
        message: str,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        await super().fail_job(job_key, retries, message, retry_backoff_ms, variables)
        self._maybe_fail("FailJob")

    async def throw_error(
        self,
        job_key: int,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        await super().throw_error(job_key, code, message, variables)
        self._maybe_fail("ThrowError")

    def _maybe_fail(self, rpc: str) -> None:
        if self.fails:
            raise GatewayUnavailableError("gateway gone", rpc=rpc, status="UNAVAILABLE")


def decorator(behaviour: str) -> Callable[[Job], Job]:
    def run(job: Job) -> Job:
        if behaviour == "raise":
            raise RuntimeError("decorator bug")
        if behaviour == "bpmn":
            raise BpmnError("FROM_DECORATOR")
        if behaviour == "failure":
            raise JobFailure("from decorator", retries=1)
        if behaviour == "wrong-return":
            return "not a job"  # type: ignore[return-value]
        return job

    return run


def middleware(behaviour: str) -> Callable[[Job, Callable[[Job], Awaitable[Any]]], Awaitable[Any]]:
    async def run(job: Job, call_next: Callable[[Job], Awaitable[Any]]) -> Any:
        if behaviour == "raise":
            raise RuntimeError("middleware bug")
        if behaviour == "bpmn":
            raise BpmnError("FROM_MIDDLEWARE")
        if behaviour == "failure":
            raise JobFailure("from middleware")
        if behaviour == "short":
            return {"short": True}
        if behaviour == "short-unserialisable":
            return {"short": object()}
        return await call_next(job)

    return run


async def act(behaviour: str, controller: JobController) -> Any:
    if behaviour == "dict":
        return {"ok": True}
    if behaviour == "none":
        return None
    if behaviour == "raise":
        raise ValueError("handler bug")
    if behaviour == "bpmn":
        raise BpmnError("FROM_HANDLER", "m", {"k": 1})
    if behaviour == "bpmn-unserialisable":
        raise BpmnError("FROM_HANDLER", "m", {"k": object()})
    if behaviour == "failure":
        raise JobFailure("from handler", retries=0, retry_backoff_ms=10)
    if behaviour == "failure-unserialisable":
        raise JobFailure("from handler", variables={"k": {1, 2}})
    if behaviour == "answer":
        await controller.complete({"by": "handler"})
        return {"ignored": True}
    if behaviour == "answer-then-raise":
        await controller.fail("by handler")
        raise ValueError("after answering")
    if behaviour == "answer-twice":
        await controller.complete({"first": True})
        await controller.complete({"second": True})
        return None
    if behaviour == "answer-unserialisable":
        await controller.complete({"bad": object()})
        return None
    if behaviour == "unserialisable":
        return {"bad": float("nan")}
    return ["not", "a", "dict"]


def exception_handler(behaviour: str) -> Any:
    async def handle(exc: Exception, job: Job, controller: JobController) -> None:
        if behaviour == "answers":
            await controller.fail(f"handled {type(exc).__name__}", retries=7)
        elif behaviour == "raises":
            raise RuntimeError("exception handler bug")
        elif behaviour == "raises-outcome":
            raise BpmnError("FROM_EXCEPTION_HANDLER")
        elif behaviour == "answers-then-raises":
            await controller.throw_error("HANDLED")
            raise RuntimeError("late")

    return None if behaviour == "none" else handle


def build_router(plan: Plan) -> ZeebeTaskRouter:
    router = ZeebeTaskRouter(
        before=[decorator(plan.before)],
        after=[decorator(plan.after)],
        exception_handler=exception_handler(plan.exception_handler),
        middleware=[middleware(plan.middleware)],
    )
    if plan.sync_handler:

        def sync_handler(controller: JobController) -> Any:
            future = asyncio.run_coroutine_threadsafe(act(plan.handler, controller), LOOP[0])
            return future.result(5)

        router.task("exactly-once", execution="thread")(sync_handler)
    else:

        async def async_handler(controller: JobController) -> Any:
            return await act(plan.handler, controller)

        router.task("exactly-once")(async_handler)
    return router


LOOP: list[asyncio.AbstractEventLoop] = []

plans = st.builds(
    Plan,
    before=DECORATOR,
    middleware=MIDDLEWARE,
    handler=HANDLER,
    after=DECORATOR,
    exception_handler=EXCEPTION_HANDLER,
    sync_handler=st.booleans(),
    sink_fails=st.booleans(),
)


async def run_plan(plan: Plan, pool: concurrent.futures.Executor) -> FlakySink:
    LOOP[:] = [asyncio.get_running_loop()]
    executors = Executors(pool, lambda: pool)
    runner = build_runners(build_router(plan), executors)["exactly-once"]
    sink = FlakySink(plan.sink_fails)
    job = JobEnvironment(executors).job("exactly-once", retries=3)
    await asyncio.wait_for(runner.run(job, JobController(job, sink)), 10)
    return sink


def test_exactly_one_answer_reaches_the_sink() -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as pool:

        @settings(max_examples=300, deadline=None)
        @given(plan=plans)
        def check(plan: Plan) -> None:
            sink = asyncio.run(run_plan(plan, pool))
            assert len(sink.answers) == 1, (plan, sink.calls)

        check()
