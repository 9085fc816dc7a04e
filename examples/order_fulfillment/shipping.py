"""Shipping tasks: book a carrier and tell customers about declined payments."""

from __future__ import annotations

import asyncio
from typing import Any

from zeebe_router import Job, JobController, ZeebeTaskRouter

router = ZeebeTaskRouter()

#: How long Zeebe waits before offering a job again after the carrier was unavailable.
CARRIER_RETRY_BACKOFF_MS = 150


class CarrierUnavailableError(Exception):
    """The carrier's booking API answered 503; it usually works a moment later."""


@router.exception_handler(CarrierUnavailableError)
async def retry_later(exc: CarrierUnavailableError, job: Job, controller: JobController) -> None:
    """Fail with a back-off so the carrier gets a moment before the next attempt."""
    await controller.set_failure_status(str(exc), retry_back_off_ms=CARRIER_RETRY_BACKOFF_MS)


@router.task("ship-order")
async def ship_order(order: dict[str, Any], job: Job) -> dict[str, object]:
    """Book the carrier named in the task's ``carrier`` header."""
    carrier = job.custom_headers["carrier"]
    await asyncio.sleep(0.002)  # the carrier's booking API
    if order.get("carrier_flaky") and job.retries == 3:
        raise CarrierUnavailableError(f"{carrier} booking API answered 503")
    return {"shipment": {"carrier": carrier, "tracking": f"{carrier[:3].upper()}-{order['id']}"}}


@router.task("notify-customer")
async def notify_customer(order: dict[str, Any], job: Job) -> None:
    """Send the e-mail named by the ``template`` header."""
    await asyncio.sleep(0.001)
    job.log.debug("sent %s to %s", job.custom_headers["template"], order["customer"])
