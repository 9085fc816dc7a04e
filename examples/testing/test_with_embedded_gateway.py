"""Integration tests over the wire with the pytest plugin's ``zeebe_gateway`` and ``zeebe_worker``.

Register the tasks on ``zeebe_worker`` first: it starts at the test's first ``await`` and is
drained after the test. ``zeebe_gateway`` is a real gRPC Zeebe gateway in memory.
"""

from __future__ import annotations

from pathlib import Path

from examples import hello
from zeebe_router.testing import EmbeddedGateway
from zeebe_router.testing.pytest_plugin import LazyStartWorker

HELLO_BPMN = Path(hello.__file__).with_name("hello.bpmn")


async def test_a_job_is_completed_with_the_greeting(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(hello.worker)
    key = zeebe_gateway.create_job("say-hello", {"name": "Zeebe"})
    job = await zeebe_gateway.wait_for_job(key, "completed", timeout=10)
    assert job.variables["greeting"] == "Hello, Zeebe!"


async def test_a_process_instance_runs_to_its_end(
    zeebe_gateway: EmbeddedGateway, zeebe_worker: LazyStartWorker
) -> None:
    zeebe_worker.include_router(hello.worker)
    zeebe_gateway.deploy(HELLO_BPMN)
    key = zeebe_gateway.create_instance("hello", {"name": "BPMN"})
    instance = await zeebe_gateway.wait_for_instance(key, "COMPLETED", timeout=10)
    assert instance.variables["greeting"] == "Hello, BPMN!"
    assert instance.visited[-1] == "End"
