"""Inventory tasks: check an order against the catalogue and reserve its stock."""

from __future__ import annotations

import asyncio

from zeebe_router import Job, JobController, ZeebeTaskRouter

router = ZeebeTaskRouter()

#: The catalogue: SKU -> units in the warehouse.
CATALOGUE = {"BOOK-1": 10**6, "MUG-2": 10**6, "LAMP-3": 10**6, "DESK-4": 10**6}
#: A SKU whose warehouse record is corrupt: reserving it fails every time.
POISON_SKU = "LAMP-3-LEGACY"


class WarehouseRecordError(Exception):
    """The warehouse system cannot read a stock record; retrying does not help."""


@router.exception_handler(WarehouseRecordError)
async def report_unreadable_record(
    exc: WarehouseRecordError, job: Job, controller: JobController
) -> None:
    """Fail with one log line; at 0 retries the incident tells an operator what to repair."""
    job.log.warning("%s (%d retries left)", exc, job.retries - 1)
    await controller.set_failure_status(f"{type(exc).__name__}: {exc}")


@router.task("check-order")
async def check_order(sku: str, quantity: int) -> dict[str, object]:
    """An order is valid when its SKU is sold here and it asks for at least one unit."""
    await asyncio.sleep(0.001)  # a catalogue lookup
    if quantity < 1:
        return {"valid": False, "reason": f"quantity {quantity} is below 1"}
    if sku not in CATALOGUE and sku != POISON_SKU:
        return {"valid": False, "reason": f"unknown SKU {sku}"}
    return {"valid": True}


@router.task("reserve-stock")
async def reserve_stock(sku: str, quantity: int) -> dict[str, object]:
    """Reserve the units; an unreadable record raises, and Zeebe opens an incident at 0 retries."""
    await asyncio.sleep(0.002)  # the warehouse API
    if sku == POISON_SKU:
        raise WarehouseRecordError(f"stock record of {sku} is unreadable")
    return {"reservation": f"R-{sku}-{quantity}"}
