"""Payment tasks: charge the card (declines are BPMN errors) and issue the invoice."""

from __future__ import annotations

import asyncio
from typing import Any

from zeebe_router import BpmnError, Job, JobFailure, ZeebeTaskRouter

router = ZeebeTaskRouter()

#: How long Zeebe waits before offering a job again after the provider timed out.
PROVIDER_RETRY_BACKOFF_MS = 100


@router.task("charge-card", timeout_ms=30_000)
async def charge_card(order: dict[str, Any], job: Job) -> dict[str, object]:
    """Charge the order's card.

    A declined card is a business outcome: the BPMN error is caught by the boundary event.
    A provider timeout is technical: the job fails and is retried after a back-off.
    """
    await asyncio.sleep(0.003)  # the payment provider
    if order.get("provider_flaky") and job.retries == 3:
        raise JobFailure("payment provider timed out", retry_backoff_ms=PROVIDER_RETRY_BACKOFF_MS)
    if order["card"].startswith("4000"):
        raise BpmnError("CARD_DECLINED", f"card ending {order['card'][-4:]} was declined")
    return {"payment": {"provider": job.custom_headers["provider"], "amount": order["amount"]}}


@router.task("issue-invoice")
async def issue_invoice(order: dict[str, Any]) -> dict[str, object]:
    """Issue the invoice of a paid order."""
    await asyncio.sleep(0.001)
    return {"invoice": f"INV-{order['id']}"}
