"""The order-fulfilment demo: every path taken, the poison order in an incident, a summary."""

from __future__ import annotations

import pytest

from examples.order_fulfillment import inventory, main, payments, shipping
from examples.order_fulfillment.orders import DECLINED_CARD, POISON_INDEX, make_orders
from zeebe_router.testing import EmbeddedGateway, JobEnvironment
from zeebe_router.testing.pytest_plugin import LazyStartWorker

ORDERS = POISON_INDEX + 100


async def test_demo_takes_every_path_and_stops_the_poison_order_at_an_incident() -> None:
    seen: list[main.Progress] = []
    result = await main.run_demo(ORDERS, timeout=50, on_progress=seen.append)

    assert sum(result.paths.values()) + len(result.incidents) == ORDERS
    assert set(result.paths) == set(main.PATHS.values())
    assert all(result.paths[name] > 0 for name in main.PATHS.values())
    [incident] = result.incidents
    assert incident.element_id == "ReserveStock"
    assert "LAMP-3-LEGACY" in incident.message
    assert result.jobs["fail"] > 3, "flaky calls fail before they succeed"
    assert result.jobs["error"] == result.paths["card declined (BPMN error)"]
    assert 0 < result.p50_ms <= result.p99_ms
    assert seen[-1].finished == ORDERS


def test_main_prints_progress_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--orders", "80", "--timeout", "50"]) == 0
    out = capsys.readouterr().out
    for expected in ("instances finished", "shipped express", "incident (still open)", "jobs/s"):
        assert expected in out
    assert "p99 job latency" in out


def test_the_worker_composes_the_three_routers() -> None:
    worker = main.build_worker()
    routers = (payments.router, inventory.router, shipping.router)
    expected = {t.type for router in routers for t in router.tasks}
    assert {t.type for t in worker.tasks} == expected
    assert len(expected) == 6


async def test_a_declined_card_is_a_bpmn_error(job_env: JobEnvironment) -> None:
    order = make_orders(1)[0]["order"] | {"card": DECLINED_CARD, "provider_flaky": False}
    outcome = await job_env.run(
        payments.router,
        type="charge-card",
        variables={"order": order},
        headers={"provider": "acme-pay"},
    )
    assert outcome.error_thrown
    assert outcome.error_code == "CARD_DECLINED"


async def test_a_flaky_carrier_is_retried_after_a_back_off(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(shipping.router)
    order = make_orders(1)[0]["order"] | {"carrier_flaky": True}
    key = zeebe_gateway.create_job(
        "ship-order", {"order": order}, headers={"carrier": "courier"}, retries=3
    )
    job = await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
    assert job.activations == 2
    assert job.retries == 2
    assert job.variables["shipment"]["carrier"] == "courier"
