"""A worker app for the command-line tests; the task type comes from ``APP_TASK_TYPE``."""

from __future__ import annotations

import asyncio
import os

from zeebe_router.connection import create_insecure_channel
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.worker import ZeebeWorker

TASK_TYPE = os.environ.get("APP_TASK_TYPE", "cli-orders")

router = ZeebeTaskRouter()


@router.task(TASK_TYPE, timeout_ms=60_000)
async def handle_order(
    order_id: str = "", work_s: float = 0.0, crash: bool = False
) -> dict[str, object]:
    """Print that the job started, work for ``work_s`` seconds, answer with the pid."""
    print(f"handling order {order_id} in {os.getpid()}", flush=True)
    if crash:
        os._exit(3)
    await asyncio.sleep(work_s)
    return {"handled_by": os.getpid()}


#: A worker that owns its channel: connection flags cannot apply to it.
worker_with_channel = ZeebeWorker(create_insecure_channel("127.0.0.1:1"), name="own-channel")
worker_with_channel.include_router(router)

#: A worker that leaves its channel to the environment (and so to the flags).
worker_from_env = ZeebeWorker(name="from-env")
worker_from_env.include_router(router)


def make_router() -> ZeebeTaskRouter:
    """A factory returning the router."""
    return router


empty_router = ZeebeTaskRouter()
