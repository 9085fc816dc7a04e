"""Middleware, before/after decorators and the exception handler chain."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable

import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, JobFailure
from zeebe_router.job import Job, JobStatus
from zeebe_router.pipeline import Executors, build_runners
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment, RecordingSink

CallNext = Callable[[Job], Awaitable[object]]


def recorder(log: list[str], name: str) -> Callable[[Job], Job]:
    def decorator(job: Job) -> Job:
        log.append(name)
        return job

    return decorator


def async_recorder(log: list[str], name: str) -> Callable[[Job], Awaitable[Job]]:
    async def decorator(job: Job) -> Job:
        log.append(name)
        return job

    return decorator


async def test_decorators_run_root_router_task_then_reverse(env: JobEnvironment) -> None:
    log: list[str] = []
    root = ZeebeTaskRouter(before=[recorder(log, "root-before")])
    root.after(async_recorder(log, "root-after"))
    router = ZeebeTaskRouter(after=[recorder(log, "router-after")])
    router.before(async_recorder(log, "router-before"))

    @router.task(
        "mw-order",
        before=[recorder(log, "task-before")],
        after=[recorder(log, "task-after")],
    )
    def handler() -> None:
        log.append("handler")

    root.include_router(router)
    await env.run(root)

    assert log == [
        "root-before",
        "router-before",
        "task-before",
        "handler",
        "task-after",
        "router-after",
        "root-after",
    ]


async def test_middleware_wraps_decorators_and_can_time_and_see_results(
    env: JobEnvironment,
) -> None:
    log: list[str] = []
    router = ZeebeTaskRouter(before=[recorder(log, "before")], after=[recorder(log, "after")])

    @router.middleware
    async def outer(job: Job, call_next: CallNext) -> object:
        log.append("mw-in")
        result = await call_next(job)
        log.append(f"mw-out {result}")
        return result

    @router.task("mw-wrap")
    async def handler() -> dict[str, int]:
        log.append("handler")
        return {"x": 1}

    await env.run(router)

    assert log == ["mw-in", "before", "handler", "after", "mw-out {'x': 1}"]


async def test_before_decorator_can_replace_the_job(env: JobEnvironment) -> None:
    def enrich(job: Job) -> Job:
        return job.replace(variables={**job.variables, "currency": "EUR"})

    router = ZeebeTaskRouter(before=[enrich])

    @router.task("mw-enrich")
    async def handler(amount: int, currency: str) -> dict[str, str]:
        return {"price": f"{amount} {currency}"}

    outcome = await env.run(router, variables={"amount": 5})

    assert outcome.variables == {"price": "5 EUR"}


async def test_after_decorator_sees_result_and_status(env: JobEnvironment) -> None:
    seen: list[object] = []

    def after(job: Job) -> Job:
        seen.append((job.task_result, job.status))
        return job

    router = ZeebeTaskRouter(after=[after])

    @router.task("mw-after")
    async def handler() -> dict[str, int]:
        return {"y": 2}

    outcome = await env.run(router)

    assert seen == [({"y": 2}, JobStatus.RunningAfterDecorators)]
    assert outcome.job.status is JobStatus.Completed


async def test_failing_decorator_is_logged_and_skipped_like_pyzeebe(
    env: JobEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    log: list[str] = []

    def broken(job: Job) -> Job:
        raise RuntimeError("decorator bug")

    router = ZeebeTaskRouter(before=[broken, recorder(log, "second")], after=[broken])

    @router.task("mw-broken")
    async def handler() -> dict[str, int]:
        return {"z": 3}

    with caplog.at_level(logging.WARNING, logger="zeebe_router.pipeline"):
        outcome = await env.run(router)

    assert outcome.variables == {"z": 3}
    assert log == ["second"]
    assert sum("decorator" in r.getMessage() for r in caplog.records) == 2


async def test_after_decorators_run_when_the_handler_raises(env: JobEnvironment) -> None:
    log: list[str] = []
    router = ZeebeTaskRouter(after=[recorder(log, "after")])

    @router.task("mw-after-raise")
    async def handler() -> None:
        raise ValueError("no")

    outcome = await env.run(router)

    assert log == ["after"]
    assert outcome.message == "ValueError: no"


async def test_middleware_can_short_circuit(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()
    called: list[bool] = []

    @router.middleware
    async def cached(job: Job, call_next: CallNext) -> object:
        if job.custom_headers.get("cached") == "yes":
            return {"from": "cache"}
        return await call_next(job)

    @router.task("mw-short")
    async def handler() -> dict[str, str]:
        called.append(True)
        return {"from": "handler"}

    assert (await env.run(router, headers={"cached": "yes"})).variables == {"from": "cache"}
    assert called == []
    assert (await env.run(router)).variables == {"from": "handler"}


async def test_middleware_error_goes_through_the_exception_handlers(
    env: JobEnvironment,
) -> None:
    handled: list[str] = []

    async def on_error(exc: Exception, job: Job, controller: JobController) -> None:
        handled.append(str(exc))
        await controller.fail(f"handled: {exc}", retries=1)

    router = ZeebeTaskRouter(exception_handler=on_error)

    @router.middleware
    async def broken(job: Job, call_next: CallNext) -> object:
        raise LookupError("middleware bug")

    @router.task("mw-error")
    async def handler() -> None: ...

    outcome = await env.run(router)

    assert handled == ["middleware bug"]
    assert (outcome.message, outcome.retries) == ("handled: middleware bug", 1)


async def test_typed_exception_handlers_resolve_by_mro(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.exception_handler(LookupError)
    async def lookup(exc: LookupError, job: Job, controller: JobController) -> None:
        await controller.throw_error("LOOKUP", str(exc))

    @router.exception_handler(KeyError)
    async def key(exc: KeyError, job: Job, controller: JobController) -> None:
        await controller.throw_error("KEY", str(exc))

    @router.exception_handler
    async def anything(exc: Exception, job: Job, controller: JobController) -> None:
        await controller.throw_error("ANY", str(exc))

    errors = {"key": KeyError("k"), "index": IndexError("i"), "other": OSError("o")}

    @router.task("mw-mro")
    async def handler(kind: str) -> None:
        raise errors[kind]

    codes = [
        (await env.run(router, variables={"kind": kind})).error_code
        for kind in ("key", "index", "other")
    ]

    assert codes == ["KEY", "LOOKUP", "ANY"]


async def test_typed_handler_at_router_level_after_task_catch_all(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.exception_handler(ValueError)
    async def router_value(exc: ValueError, job: Job, controller: JobController) -> None:
        await controller.fail("router", retries=5)

    async def task_all(exc: Exception, job: Job, controller: JobController) -> None:
        await controller.fail("task", retries=6)

    @router.task("mw-task-first", exception_handler=task_all)
    async def handler() -> None:
        raise ValueError("v")

    assert (await env.run(router)).message == "task"


async def test_exception_handler_that_raises_falls_back_to_the_default(
    env: JobEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(exc: Exception, job: Job, controller: JobController) -> None:
        raise RuntimeError("handler bug")

    router = ZeebeTaskRouter(exception_handler=broken)

    @router.task("mw-handler-raises")
    async def handler() -> None:
        raise ValueError("original")

    with caplog.at_level(logging.ERROR, logger="zeebe_router.pipeline"):
        outcome = await env.run(router, retries=3)

    assert (outcome.message, outcome.retries) == ("ValueError: original", 2)
    assert len(outcome.answers) == 1
    assert any("exception handler" in r.getMessage() for r in caplog.records)


async def test_exception_handler_that_does_not_answer_gets_the_default(
    env: JobEnvironment,
) -> None:
    async def silent(exc: Exception, job: Job, controller: JobController) -> None:
        return None

    router = ZeebeTaskRouter(exception_handler=silent)

    @router.task("mw-handler-silent")
    async def handler() -> None:
        raise ValueError("unanswered")

    outcome = await env.run(router)

    assert outcome.message == "ValueError: unanswered"


async def test_exception_handler_can_choose_an_outcome_by_raising(env: JobEnvironment) -> None:
    def translate(exc: Exception, job: Job, controller: JobController) -> None:
        if isinstance(exc, PermissionError):
            raise BpmnError("FORBIDDEN", str(exc))
        raise JobFailure("retry later", retries=job.retries, retry_backoff_ms=100)

    router = ZeebeTaskRouter(exception_handler=translate)
    errors: dict[str, Exception] = {"perm": PermissionError("no"), "other": OSError("x")}

    @router.task("mw-handler-raises-outcome")
    async def handler(kind: str) -> None:
        raise errors[kind]

    forbidden = await env.run(router, variables={"kind": "perm"})
    later = await env.run(router, variables={"kind": "other"}, retries=4)

    assert (forbidden.error_code, forbidden.message) == ("FORBIDDEN", "no")
    assert (later.retries, later.retry_backoff_ms) == (4, 100)


async def test_handler_raising_after_answering_sends_nothing_more(
    env: JobEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    router = ZeebeTaskRouter()

    @router.task("mw-raise-after-answer")
    async def handler(controller: JobController) -> None:
        await controller.complete({"done": True})
        raise RuntimeError("late bug")

    with caplog.at_level(logging.ERROR, logger="zeebe_router.pipeline"):
        outcome = await env.run(router)

    assert outcome.completed
    assert outcome.answered_by_handler
    assert len(outcome.answers) == 1
    assert any("after answering" in r.getMessage() for r in caplog.records)


async def test_second_answer_in_a_handler_raises_and_sends_nothing(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("mw-double")
    async def handler(controller: JobController) -> dict[str, str]:
        await controller.complete({"first": True})
        try:
            await controller.fail("second")
        except Exception as exc:
            return {"second": type(exc).__name__}
        return {"second": "sent"}

    outcome = await env.run(router)

    assert outcome.variables == {"first": True}
    assert len(outcome.answers) == 1


class ExtensionCounter(RecordingSink):
    def __init__(self, wanted: int) -> None:
        super().__init__()
        self.wanted = wanted
        self.enough = asyncio.Event()

    async def update_job_timeout(self, job_key: int, timeout_ms: int) -> None:
        await super().update_job_timeout(job_key, timeout_ms)
        if sum(c.rpc == "update_timeout" for c in self.calls) >= self.wanted:
            self.enough.set()


async def test_auto_extend_extends_while_the_handler_runs() -> None:
    router = ZeebeTaskRouter()
    sink = ExtensionCounter(wanted=2)

    @router.task("mw-extend", timeout_ms=40, auto_extend=True)
    async def handler() -> dict[str, bool]:
        await asyncio.wait_for(sink.enough.wait(), 5)
        return {"done": True}

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        executors = Executors(pool, lambda: pool)
        job = JobEnvironment(executors).job("mw-extend")
        await build_runners(router, executors)["mw-extend"].run(job, JobController(job, sink))

    rpcs = [c.rpc for c in sink.calls]
    assert rpcs[-1] == "complete"
    assert rpcs.count("update_timeout") >= 2
    assert all(c.timeout_ms == 40 for c in sink.calls if c.rpc == "update_timeout")
