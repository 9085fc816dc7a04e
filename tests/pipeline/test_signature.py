"""Handler parameters: variables, defaults, injection and models, analysed at registration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Optional, TypedDict

import pydantic

from zeebe_router.controller import JobController
from zeebe_router.job import Job
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment

if TYPE_CHECKING:
    from decimal import Decimal


@dataclass
class Order:
    order_id: str
    amount: float
    tags: list[str] = field(default_factory=list)


class Address(TypedDict):
    street: str
    city: str


class Customer(pydantic.BaseModel):
    name: str
    vip: bool = False
    customer_id: int = pydantic.Field(alias="customerId")


async def test_job_and_controller_are_injected_under_future_annotations(
    env: JobEnvironment,
) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-inject")
    async def handler(job: Job, controller: JobController, amount: int) -> dict[str, object]:
        assert controller.job is job or controller.job.key == job.key
        return {"key_seen": job.key, "amount": amount}

    assert router.get_task("sig-inject").config.variables_to_fetch == ("amount",)
    outcome = await env.run(router, variables={"amount": 4})

    assert outcome.variables == {"key_seen": outcome.job.key, "amount": 4}


async def test_optional_and_annotated_job_parameters_are_injected(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-optional-job")
    def handler(
        job: Optional[Job] = None,  # noqa: UP045
        other: Annotated[Job, "meta"] | None = None,
    ) -> dict[str, bool]:
        return {"both": job is not None and other is job}

    outcome = await env.run(router)

    assert outcome.variables == {"both": True}


async def test_unresolvable_annotations_still_inject_the_job(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-unresolvable")
    def handler(job: Job, price: Decimal) -> dict[str, object]:
        return {"type": job.type, "price": price}

    outcome = await env.run(router, variables={"price": 3})

    assert outcome.variables == {"type": "sig-unresolvable", "price": 3}


async def test_dataclass_parameter_receives_the_variables(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-dataclass")
    def handler(order: Order) -> dict[str, object]:
        return {"summary": f"{order.order_id}:{order.amount}:{order.tags}"}

    assert router.get_task("sig-dataclass").config.variables_to_fetch == (
        "order_id",
        "amount",
        "tags",
    )
    outcome = await env.run(router, variables={"order_id": "o1", "amount": 2, "other": 1})

    assert outcome.variables == {"summary": "o1:2:[]"}


async def test_typed_dict_parameter_requires_its_keys(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-typeddict")
    def handler(address: Address) -> dict[str, object]:
        return {"label": f"{address['street']}, {address['city']}"}

    ok = await env.run(router, variables={"street": "Main St 1", "city": "Berlin"})
    missing = await env.run(router, variables={"street": "Main St 1"})

    assert ok.variables == {"label": "Main St 1, Berlin"}
    assert missing.failed
    assert "'city'" in missing.message
    assert "Address" in missing.message


async def test_pydantic_parameter_is_validated_by_alias(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-pydantic")
    async def handler(customer: Customer) -> dict[str, object]:
        return {"greeting": f"hi {customer.name} #{customer.customer_id}"}

    assert router.get_task("sig-pydantic").config.variables_to_fetch == (
        "name",
        "vip",
        "customerId",
    )
    outcome = await env.run(router, variables={"name": "Ann", "customerId": "12"})

    assert outcome.variables == {"greeting": "hi Ann #12"}


async def test_kwargs_receive_every_other_variable(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-kwargs")
    def handler(a: int, job: Job, **rest: object) -> dict[str, object]:
        return {"a": a, "rest": sorted(rest)}

    outcome = await env.run(router, variables={"a": 1, "b": 2, "c": 3})

    assert outcome.variables == {"a": 1, "rest": ["b", "c"]}


async def test_positional_only_parameters_and_defaults(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-positional")
    def handler(a: int, b: int = 10, /, *args: object, c: int = 100) -> dict[str, int]:
        return {"sum": a + b + c}

    outcome = await env.run(router, variables={"a": 1, "c": 2})

    assert outcome.variables == {"sum": 13}


async def test_handler_with_no_parameters_fetches_nothing(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-nothing")
    async def handler() -> dict[str, int]:
        return {"done": 1}

    assert router.get_task("sig-nothing").config.variables_to_fetch == ()
    assert (await env.run(router, variables={"x": 1})).variables == {"done": 1}


async def test_several_missing_variables_are_all_named(env: JobEnvironment) -> None:
    router = ZeebeTaskRouter()

    @router.task("sig-missing-many")
    async def handler(first: str, second: str, third: str = "") -> None: ...

    outcome = await env.run(router)

    assert "'first', 'second'" in outcome.message
    assert "sig-missing-many" in outcome.message
    assert "test_signature:test_several_missing_variables_are_all_named" in outcome.message
