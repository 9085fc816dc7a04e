"""The stand-alone embedded gateway process: serves, logs, exits 0 on SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import grpc

from zeebe_router._proto import gateway_pb2 as pb
from zeebe_router._proto.gateway_pb2_grpc import GatewayStub

ORDER_BPMN = Path(__file__).parent / "bpmn" / "order_process.bpmn"


async def read_until(stream: asyncio.StreamReader, pattern: str) -> tuple[str, re.Match[str]]:
    seen = ""
    while True:
        line = (await asyncio.wait_for(stream.readline(), 20)).decode()
        assert line, f"the gateway exited before logging {pattern!r}; it logged:\n{seen}"
        seen += line
        found = re.search(pattern, line)
        if found:
            return seen, found


async def test_served_gateway_answers_logs_and_exits_cleanly_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zeebe_router.testing._serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        _, found = await read_until(process.stderr, r"listening on (127\.0\.0\.1:\d+)")
        await read_until(process.stderr, r"local development only")
        async with grpc.aio.insecure_channel(found.group(1)) as channel:
            stub = GatewayStub(channel)
            topology = await stub.Topology(pb.TopologyRequest())
            assert topology.gatewayVersion.endswith("-embedded")
            await stub.DeployResource(
                pb.DeployResourceRequest(
                    resources=[pb.Resource(name="order.bpmn", content=ORDER_BPMN.read_bytes())]
                )
            )
            await stub.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId="order-fulfilment", version=-1)
            )
        logged, _ = await read_until(process.stderr, r"created instance \d+ of order-fulfilment")
        assert "deployed order-fulfilment version 1" in logged
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0
        rest = (await process.stderr.read()).decode()
        assert "stopped" in rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigint_stops_it_too() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "zeebe_router.testing._serve",
        "--port",
        "0",
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        await read_until(process.stderr, r"local development only")
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
