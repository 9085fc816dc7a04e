"""deploy / create-instance / publish-message / topology against a gateway subprocess."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest

from tests.cli.cli_harness import Proc, run_cli, start

TASK_TYPE = "cli-bpmn-order"  # the type in apps/cli_order.bpmn
LISTENING = r"listening on (127\.0\.0\.1:\d+)"


@pytest.fixture
async def address(procs: list[Proc]) -> str:
    """A ``zeebe-router gateway`` subprocess, with a worker of ``cli-bpmn-order`` on it."""
    gateway = await start("zeebe_router", "gateway", "--port", "0")
    procs.append(gateway)
    address = (await gateway.wait_for_line(LISTENING)).group(1)
    worker = await start(
        "zeebe_router", "run", "apps.orders:router", "--address", address, APP_TASK_TYPE=TASK_TYPE
    )
    procs.append(worker)
    await worker.wait_for_line("connected to the gateway")
    return address


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


async def test_topology(address: str) -> None:
    text = ok(run_cli("topology", "--address", address))
    assert text.startswith("cluster: 1 broker(s)")
    assert "partition 1: LEADER, HEALTHY" in text
    data = json.loads(ok(run_cli("topology", "--address", address, "--json")))
    assert data["cluster_size"] == 1
    assert data["brokers"][0]["partitions"][0]["role"] == "LEADER"


async def test_deploy_then_create_an_instance_with_its_result(address: str) -> None:
    text = ok(run_cli("deploy", "apps/cli_order.bpmn", "--address", address))
    assert text.startswith("deployment ")
    assert "process cli-order version 1" in text
    assert "from cli_order.bpmn" in text

    result = json.loads(
        ok(
            run_cli(
                "create-instance",
                "cli-order",
                "--with-result",
                "--variables",
                '{"order_id": "W-1"}',
                "--json",
                "--address",
                address,
            )
        )
    )
    assert result["bpmn_process_id"] == "cli-order"
    assert result["variables"]["order_id"] == "W-1"
    assert isinstance(result["variables"]["handled_by"], int)

    text = ok(run_cli("create-instance", "cli-order", "--address", address))
    assert text.startswith("process instance ")
    assert "of cli-order version 1" in text


async def test_deploy_json(address: str) -> None:
    data = json.loads(ok(run_cli("deploy", "apps/cli_order.bpmn", "--json", "--address", address)))
    [process] = data["deployments"]
    assert process["kind"] == "process"
    assert process["bpmn_process_id"] == "cli-order"


async def test_publish_message(address: str) -> None:
    text = ok(
        run_cli(
            "publish-message",
            "order-paid",
            "--correlation-key",
            "W-2",
            "--variables",
            '{"paid": true}',
            "--message-id",
            "pay-W-2",
            "--address",
            address,
        )
    )
    assert text.startswith("message 'order-paid' published with key ")
    data = json.loads(ok(run_cli("publish-message", "order-paid", "--json", "--address", address)))
    assert isinstance(data["key"], int)


async def test_unknown_process_is_a_runtime_error(address: str) -> None:
    result = run_cli("create-instance", "no-such-process", "--address", address)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("zeebe-router: error: ")
    assert "no-such-process" in lines[0]


async def test_gateway_stops_on_sigterm(procs: list[Proc]) -> None:
    gateway = await start("zeebe_router", "gateway", "--port", "0")
    procs.append(gateway)
    await gateway.wait_for_line(LISTENING)
    await gateway.wait_for_line("for tests and local development only")

    gateway.signal(signal.SIGTERM)
    assert await gateway.wait() == 0
