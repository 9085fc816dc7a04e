"""examples/sync_and_async.py: where each kind of handler runs."""

from __future__ import annotations

import hashlib

from examples import sync_and_async
from zeebe_router.testing import EmbeddedGateway
from zeebe_router.testing.pytest_plugin import LazyStartWorker


async def test_async_handlers_run_on_the_loop_and_def_handlers_in_worker_threads(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(sync_and_async.router)
    rate = zeebe_gateway.create_job("fetch-rate", {"currency": "USD"})
    invoice = zeebe_gateway.create_job("render-invoice", {"order_id": "O-7"})

    rate_job = await zeebe_gateway.wait_for_job(rate, "completed", timeout=10)
    invoice_job = await zeebe_gateway.wait_for_job(invoice, "completed", timeout=10)

    assert rate_job.variables["thread"] == "MainThread"
    assert invoice_job.variables["invoice"] == "O-7.pdf"
    assert invoice_job.variables["thread"].startswith("zeebe-router-")


async def test_a_cpu_bound_handler_runs_in_a_process_pool(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(sync_and_async.router)
    key = zeebe_gateway.create_job("fingerprint-document", {"document": "contract"})
    job = await zeebe_gateway.wait_for_job(key, "completed", timeout=30)

    expected = b"contract"
    for _ in range(10_000):
        expected = hashlib.sha256(expected).digest()
    assert job.variables["fingerprint"] == expected.hex()
