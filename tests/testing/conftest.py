"""Fixtures for the embedded gateway tests: a started gateway and a stub on its channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from zeebe_router._proto.gateway_pb2_grpc import GatewayStub
from zeebe_router.testing._embedded import EmbeddedGateway

if TYPE_CHECKING:
    from zeebe_router._proto.gateway_pb2_grpc import GatewayAsyncStub


@pytest.fixture
async def gateway() -> AsyncIterator[EmbeddedGateway]:
    async with EmbeddedGateway() as gw:
        yield gw


@pytest.fixture
def stub(gateway: EmbeddedGateway) -> GatewayAsyncStub:
    return GatewayStub(gateway.channel())
