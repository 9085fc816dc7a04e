import asyncio
import logging
import socket
import sys
from collections.abc import AsyncIterator, Callable

import grpc
import pytest

from zeebe_router.client import ZeebeClient
from zeebe_router.connection import create_insecure_channel
from zeebe_router.errors import WorkerError
from zeebe_router.testing._embedded import EmbeddedGateway
from zeebe_router.worker import ZeebeWorker

from .conftest import RecordingMetrics

Start = Callable[[ZeebeWorker], "asyncio.Task[None]"]


async def test_twenty_failed_calls_in_a_row_do_not_stop_the_worker(
    gateway: EmbeddedGateway,
    make_worker: Callable[..., ZeebeWorker],
    running: Start,
    job_type: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for rpc in ("ActivateJobs", "StreamActivatedJobs"):
        gateway.faults.fail(rpc, grpc.StatusCode.UNAVAILABLE, times=10)
        gateway.faults.fail(rpc, grpc.StatusCode.RESOURCE_EXHAUSTED, times=10)
    metrics = RecordingMetrics()
    worker = make_worker(metrics=metrics)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    keys = [gateway.create_job(job_type) for _ in range(5)]
    with caplog.at_level(logging.INFO, logger="zeebe_router.worker"):
        running(worker)
        for key in keys:
            await gateway.wait_for_job(key, "completed", timeout=20)
        await gateway.wait_for(lambda: gateway.calls["StreamActivatedJobs"] > 20, timeout=20)
    assert gateway.calls["ActivateJobs"] > 20
    assert worker.health().ready
    assert worker.health().tasks[0].stream == "streaming"
    assert caplog.text.count("gateway unavailable") == 1
    assert caplog.text.count("reachable again") == 1
    assert set(metrics.activation_errors) == {"UNAVAILABLE", "RESOURCE_EXHAUSTED"}


async def test_max_connection_retries_counts_consecutive_failures(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], job_type: str
) -> None:
    gateway.faults.fail("ActivateJobs", grpc.StatusCode.UNAVAILABLE, times=50)
    worker = make_worker(max_connection_retries=3, stream_enabled=False)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    with pytest.raises(WorkerError, match="max_connection_retries=3") as raised:
        await asyncio.wait_for(worker.work(), 10)
    assert gateway.calls["ActivateJobs"] == 4
    assert getattr(raised.value.__cause__, "status", None) == "UNAVAILABLE"


async def test_an_answer_for_a_job_the_gateway_lost_is_counted_not_raised(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    gateway.faults.fail("CompleteJob", grpc.StatusCode.NOT_FOUND)
    gateway.faults.fail("CompleteJob", grpc.StatusCode.UNAVAILABLE)
    handled: list[Exception] = []

    async def on_error(exc: Exception, job: object, controller: object) -> None:
        handled.append(exc)

    metrics = RecordingMetrics()
    worker = make_worker(metrics=metrics, exception_handler=on_error)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    first = gateway.create_job(job_type)
    second = gateway.create_job(job_type)
    running(worker)
    await gateway.wait_for(lambda: gateway.calls["CompleteJob"] >= 3)
    await gateway.wait_for_job(second, "completed")
    while len(metrics.answers) < 2:
        metrics.changed.clear()
        await asyncio.wait_for(metrics.changed.wait(), 5)
    assert sorted(metrics.answers) == ["complete", "lost"]
    assert gateway.job(first).state in ("activated", "completed")
    assert handled == []


async def test_auto_extend_keeps_a_slow_job_from_timing_out(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    worker = make_worker()
    runs = 0

    @worker.task(job_type, timeout_ms=300, auto_extend=True)
    async def slow() -> None:
        nonlocal runs
        runs += 1
        await asyncio.sleep(1)

    key = gateway.create_job(job_type)
    running(worker)
    await gateway.wait_for_job(key, "completed", timeout=5)
    assert gateway.calls["UpdateJobTimeout"] >= 2
    assert runs == 1


async def test_an_hour_of_stream_renewals_leaves_the_worker_healthy(
    gateway: EmbeddedGateway, make_worker: Callable[..., ZeebeWorker], running: Start, job_type: str
) -> None:
    metrics = RecordingMetrics()
    # pyzeebe counted renewals as errors and gave up after 10: allow fewer than the renewals.
    worker = make_worker(stream_request_timeout=0.01, max_connection_retries=5, metrics=metrics)

    @worker.task(job_type)
    async def handle() -> None:
        pass

    running(worker)
    await gateway.wait_for(lambda: gateway.calls["StreamActivatedJobs"] >= 200, timeout=30)
    gateway.clock.advance(3_600_000)
    key = gateway.create_job(job_type)
    await gateway.wait_for_job(key, "completed")
    health = worker.health()
    assert health.live
    assert health.ready
    assert health.tasks[0].stream == "streaming"
    assert metrics.activation_errors == []
    assert metrics.reconnects >= 199


# --- a gateway in another process, killed and started again on the same port ---------------

_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
                  id="restart-definitions" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="worker-restart" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>to-work</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="to-work" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements><zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements>
      <bpmn:incoming>to-work</bpmn:incoming>
      <bpmn:outgoing>to-end</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="to-end" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>to-end</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class GatewayProcess:
    """``python -m zeebe_router.testing._serve`` on a fixed port, killed and restarted."""

    def __init__(self) -> None:
        self.address = f"127.0.0.1:{_free_port()}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        host, port = self.address.split(":")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "zeebe_router.testing._serve",
            "--host",
            host,
            "--port",
            port,
            stderr=asyncio.subprocess.PIPE,
        )
        stderr = self.process.stderr
        assert stderr is not None
        while b"listening on" not in await asyncio.wait_for(stderr.readline(), 20):
            pass

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def gateway_process() -> AsyncIterator[GatewayProcess]:
    process = GatewayProcess()
    yield process
    await process.kill()


async def _run_instances(address: str, job_type: str, count: int) -> None:
    """Deploy the process and run ``count`` instances to their end through the worker."""
    channel = grpc.aio.insecure_channel(address)
    async with ZeebeClient(channel, max_connection_retries=-1) as client:
        await client.deploy_resource(resources={"restart.bpmn": _BPMN.format(job_type=job_type)})
        results = await asyncio.gather(
            *(client.run_process_with_result("worker-restart", {"n": n}) for n in range(count))
        )
    await channel.close(None)
    assert sorted(result.variables["doubled"] for result in results) == [
        2 * n for n in range(count)
    ]


@pytest.mark.timeout(90)
async def test_worker_resumes_after_the_gateway_process_restarts(
    gateway_process: GatewayProcess, job_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    await gateway_process.start()
    # gRPC's own reconnect back-off grows to 2 minutes by default; cap it as a deployment
    # facing gateway restarts would, so the test measures the worker's reconnecting.
    channel = create_insecure_channel(
        gateway_process.address, {"grpc.max_reconnect_backoff_ms": 2000}
    )
    metrics = RecordingMetrics()
    worker = ZeebeWorker(channel, name="survivor", metrics=metrics)

    @worker.task(job_type)
    async def handle(n: int) -> dict[str, int]:
        return {"doubled": 2 * n}

    work = asyncio.ensure_future(worker.work())
    try:
        await _run_instances(gateway_process.address, job_type, 10)
        await gateway_process.kill()
        with caplog.at_level(logging.INFO, logger="zeebe_router.worker"):
            # Down until the back-off reaches its 5 s ceiling (about 10 s of failures).
            while len(metrics.activation_errors) < 24:
                metrics.changed.clear()
                await asyncio.wait_for(metrics.changed.wait(), 20)
            assert not worker.health().ready
            await gateway_process.start()
            loop = asyncio.get_running_loop()
            restarted = loop.time()
            await _run_instances(gateway_process.address, job_type, 10)
            assert loop.time() - restarted < 6
        assert work.done() is False
        assert worker.health().ready
        assert caplog.text.count("gateway unavailable") == 1
        assert caplog.text.count("reachable again") == 1
    finally:
        await worker.stop(grace_period=1)
        await asyncio.gather(work, return_exceptions=True)
        await channel.close(None)
