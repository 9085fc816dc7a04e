"""Shared set-up of the client tests against the embedded gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from zeebe_router.client import ZeebeClient
from zeebe_router.gateway import ZeebeGateway
from zeebe_router.job import Job
from zeebe_router.testing._embedded import EmbeddedGateway


@pytest.fixture
async def gateway() -> AsyncIterator[EmbeddedGateway]:
    async with EmbeddedGateway() as gateway:
        yield gateway


@pytest.fixture
def client(gateway: EmbeddedGateway) -> ZeebeClient:
    return ZeebeClient(gateway.channel())


async def activate_one(gateway: EmbeddedGateway, job_type: str) -> Job:
    """Activate the one job of ``job_type`` waiting on ``gateway``, as a worker would."""
    adapter = ZeebeGateway(gateway.channel())
    jobs = [
        job
        async for job in adapter.activate_jobs(
            job_type, "client-tests", 60_000, 1, request_timeout_ms=5_000
        )
    ]
    assert len(jobs) == 1, f"expected one {job_type} job, got {jobs}"
    return jobs[0]
