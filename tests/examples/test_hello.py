"""examples/hello.py: the ten-line worker greets whoever the job names."""

from __future__ import annotations

from examples import hello
from zeebe_router.testing import EmbeddedGateway
from zeebe_router.testing.pytest_plugin import LazyStartWorker


async def test_hello_greets_the_name_and_defaults_to_world(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(hello.worker)
    named = zeebe_gateway.create_job("say-hello", {"name": "Ada"})
    anonymous = zeebe_gateway.create_job("say-hello")
    assert (await zeebe_gateway.wait_for_job(named, "completed", timeout=10)).variables[
        "greeting"
    ] == "Hello, Ada!"
    assert (await zeebe_gateway.wait_for_job(anonymous, "completed", timeout=10)).variables[
        "greeting"
    ] == "Hello, world!"
