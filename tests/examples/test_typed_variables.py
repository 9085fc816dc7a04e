"""examples/typed_variables.py: pydantic models in and out, validation errors fail the job."""

from __future__ import annotations

from examples import typed_variables
from zeebe_router.testing import EmbeddedGateway
from zeebe_router.testing.pytest_plugin import LazyStartWorker

BERLIN = {"country": "DE", "postcode": "10115"}


async def test_a_valid_parcel_is_quoted(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(typed_variables.router)
    key = zeebe_gateway.create_job(
        "quote-shipping", {"weight_kg": 2, "address": BERLIN, "express": True, "note": "fragile"}
    )
    job = await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
    assert job.variables["carrier"] == "courier"
    assert job.variables["price_eur"] == 13.9


async def test_an_invalid_parcel_fails_with_pydantics_message(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(typed_variables.router)
    key = zeebe_gateway.create_job(
        "quote-shipping", {"weight_kg": 2, "address": {"country": "Germany"}}, retries=1
    )
    job = await zeebe_gateway.wait_for_job(key, "failed", timeout=10)
    assert "country" in job.error_message
    assert "postcode" in job.error_message
    [incident] = zeebe_gateway.incidents()
    assert incident.job_key == key
