"""Fixtures for pipeline tests: a JobEnvironment with its own pools."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from zeebe_router.testing._job_env import JobEnvironment


@pytest.fixture
async def env() -> AsyncIterator[JobEnvironment]:
    async with JobEnvironment() as environment:
        yield environment
