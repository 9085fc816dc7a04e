"""The handler contract of DESIGN §3, one test per row, run through JobEnvironment."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pydantic
import pytest

from zeebe_router.controller import JobController
from zeebe_router.errors import BpmnError, BusinessError, JobFailure
from zeebe_router.job import Job, JobResult, JobResultCorrections
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment


@dataclass
class Receipt:
    receipt_id: str
    amount: float


class Shipment(pydantic.BaseModel):
    tracking: str
    parcels: int


async def test_returned_dict_completes_with_exactly_those_variables(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-dict")
    async def charge(order_id: str) -> dict[str, object]:
        return {"receipt": f"r-{order_id}"}

    outcome = await env.run(
        router, type="contract-dict", variables={"order_id": "7", "secret": "not echoed"}
    )

    assert outcome.completed
    assert outcome.variables == {"receipt": "r-7"}
    assert len(outcome.answers) == 1


async def test_returned_dataclass_completes_with_its_fields(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-dataclass")
    def charge(amount: float) -> Receipt:
        return Receipt("r-1", amount)

    outcome = await env.run(router, variables={"amount": 2.5, "order_id": "x"})

    assert outcome.variables == {"receipt_id": "r-1", "amount": 2.5}


async def test_returned_pydantic_model_completes_with_its_json_fields(
    env: JobEnvironment,
) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-pydantic")
    async def ship(parcels: int) -> Shipment:
        return Shipment(tracking="T-1", parcels=parcels)

    outcome = await env.run(router, variables={"parcels": 3})

    assert outcome.variables == {"tracking": "T-1", "parcels": 3}


async def test_returned_none_completes_without_variables(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-none")
    async def notify(order_id: str) -> None:
        return None

    outcome = await env.run(router, variables={"order_id": "1"})

    assert outcome.completed
    assert outcome.variables == {}


async def test_single_value_completes_with_the_named_variable(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-single", single_value=True, variable_name="total")
    def add(a: int, b: int) -> int:
        return a + b

    outcome = await env.run(router, variables={"a": 2, "b": 3})

    assert outcome.variables == {"total": 5}


async def test_job_result_completes_with_the_listener_result(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()
    corrections = JobResultCorrections(
        assignee="ann",
        due_date="2030-01-01T00:00:00Z",
        follow_up_date="2029-12-01T00:00:00Z",
        candidate_users=["bob"],
        candidate_groups=["ops"],
        priority=80,
    )

    @router.task("contract-listener")
    async def on_assign(job: Job) -> JobResult:
        return JobResult(variables={"checked": True}, corrections=corrections)

    outcome = await env.run(router)

    assert outcome.completed
    assert outcome.variables == {"checked": True}
    assert outcome.result is not None
    assert outcome.result.corrections == corrections


async def test_job_result_can_deny_with_a_reason(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-deny")
    async def on_complete(job: Job) -> JobResult:
        return JobResult(denied=True, denied_reason="missing approval")

    outcome = await env.run(router)

    assert outcome.result is not None
    assert outcome.result.denied is True
    assert outcome.result.denied_reason == "missing approval"
    assert outcome.variables == {}


@pytest.mark.parametrize("error_class", [BpmnError, BusinessError])
async def test_bpmn_error_throws_the_error(
    env: JobEnvironment, error_class: type[BpmnError]
) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-bpmn")
    async def charge(amount: float) -> None:
        raise error_class("INVALID_AMOUNT", f"amount {amount}", {"reason": "negative"})

    outcome = await env.run(router, variables={"amount": -1})

    assert outcome.error_thrown
    assert outcome.error_code == "INVALID_AMOUNT"
    assert outcome.message == "amount -1"
    assert outcome.variables == {"reason": "negative"}


async def test_job_failure_fails_with_exactly_its_retries(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-failure")
    async def charge() -> None:
        raise JobFailure("card declined", retries=0, retry_backoff_ms=5000, variables={"x": 1})

    outcome = await env.run(router, retries=3)

    assert outcome.failed
    assert (outcome.retries, outcome.retry_backoff_ms) == (0, 5000)
    assert outcome.message == "card declined"
    assert outcome.variables == {"x": 1}


async def test_job_failure_without_retries_takes_one_off(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-failure-default")
    async def charge() -> None:
        raise JobFailure("try later")

    outcome = await env.run(router, retries=5)

    assert (outcome.retries, outcome.retry_backoff_ms) == (4, 0)


async def test_other_exception_fails_with_type_and_message_and_logs_traceback(
    env: JobEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-exception")
    def charge() -> None:
        raise KeyError("card")

    with caplog.at_level(logging.ERROR, logger="zeebe_router.pipeline"):
        outcome = await env.run(router, retries=3)

    assert outcome.failed
    assert outcome.retries == 2
    assert outcome.message == "KeyError: 'card'"
    assert any(r.exc_info and r.exc_info[0] is KeyError for r in caplog.records)


async def test_exception_handler_chain_runs_task_then_router_then_root(
    env: JobEnvironment,
) -> None:
    seen: list[str] = []

    async def task_level(exc: Exception, job: Job, controller: JobController) -> None:
        seen.append("task")
        await controller.fail("task handler", retries=9)

    async def router_level(exc: Exception, job: Job, controller: JobController) -> None:
        seen.append("router")
        await controller.fail("router handler", retries=8)

    async def root_level(exc: Exception, job: Job, controller: JobController) -> None:
        seen.append("root")
        await controller.fail("root handler", retries=7)

    child = ZeebeTaskRouter(exception_handler=router_level)
    root = ZeebeTaskRouter(exception_handler=root_level)

    @child.task("chain-task", exception_handler=task_level)
    async def with_own() -> None:
        raise ValueError("a")

    @child.task("chain-router")
    async def with_router() -> None:
        raise ValueError("b")

    other = ZeebeTaskRouter()

    @other.task("chain-root")
    async def with_root() -> None:
        raise ValueError("c")

    root.include_router(child, other)

    assert (await env.run(root, type="chain-task")).retries == 9
    assert (await env.run(root, type="chain-router")).retries == 8
    assert (await env.run(root, type="chain-root")).retries == 7
    assert seen == ["task", "router", "root"]


async def test_answer_through_controller_suppresses_the_automatic_answer(
    env: JobEnvironment,
) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-controller")
    async def review(job: Job, controller: JobController) -> dict[str, object]:
        await controller.extend_timeout(60_000)
        await controller.throw_error("REJECTED", "by hand")
        return {"ignored": True}

    outcome = await env.run(router)

    assert outcome.answered_by_handler
    assert outcome.error_thrown
    assert outcome.error_code == "REJECTED"
    assert len(outcome.answers) == 1
    assert [c.rpc for c in outcome.calls] == ["update_timeout", "throw_error"]


async def test_unserialisable_output_fails_naming_the_value(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-unserialisable")
    async def build() -> dict[str, object]:
        return {"ok": 1, "when": {"at": object()}}

    outcome = await env.run(router, retries=2)

    assert outcome.failed
    assert outcome.retries == 1
    assert "when.at" in outcome.message
    assert "not JSON" in outcome.message


async def test_missing_required_variable_fails_naming_it(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-missing")
    async def charge(order_id: str, amount: float, currency: str = "EUR") -> None:
        return None

    outcome = await env.run(router, variables={"amount": 1})

    assert outcome.failed
    assert "'order_id'" in outcome.message
    assert "currency" not in outcome.message


async def test_defaults_apply_to_absent_variables(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-defaults")
    async def charge(amount: float, currency: str = "EUR") -> dict[str, object]:
        return {"charged": f"{amount} {currency}"}

    outcome = await env.run(router, variables={"amount": 3})

    assert outcome.variables == {"charged": "3 EUR"}


async def test_model_parameter_validation_error_fails_with_the_validator_message(
    env: JobEnvironment,
) -> None:
    router = ZeebeTaskRouter()

    @router.task("contract-validation")
    async def ship(shipment: Shipment) -> None:
        return None

    outcome = await env.run(router, variables={"tracking": "T", "parcels": "many"})

    assert outcome.failed
    assert "parcels" in outcome.message
    assert "Shipment" in outcome.message
