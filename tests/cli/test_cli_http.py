"""``run --http-port``: /healthz, /readyz and /metrics."""

from __future__ import annotations

import json
import signal
import uuid
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.cli.cli_harness import Proc, free_port, http_get, start
from zeebe_router.testing._embedded import EmbeddedGateway

SERVING = r"serving /healthz, /readyz and /metrics on http://127\.0\.0\.1:(\d+)"


async def scrape(port: int) -> dict[tuple[str, str | None, str | None], float]:
    status, text = await http_get(port, "/metrics")
    assert status == 200
    return {
        (s.name, s.labels.get("task_type"), s.labels.get("outcome")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_probes_and_metrics_of_a_running_worker(procs: list[Proc]) -> None:
    task_type = f"cli-http-{uuid.uuid4().hex[:8]}"
    async with EmbeddedGateway() as gateway:
        proc = await start(
            "zeebe_router",
            "run",
            "apps.orders:router",
            "--address",
            gateway.address,
            "--http-port",
            "0",
            APP_TASK_TYPE=task_type,
        )
        procs.append(proc)
        port = int((await proc.wait_for_line(SERVING)).group(1))
        await proc.wait_for_line("connected to the gateway")

        status, body = await http_get(port, "/healthz")
        assert status == 200
        assert json.loads(body)["live"] is True
        status, body = await http_get(port, "/readyz")
        assert status == 200
        assert [t["type"] for t in json.loads(body)["tasks"]] == [task_type]

        key = gateway.create_job(task_type, {"order_id": "M-1"})
        await gateway.wait_for_job(key, "completed", timeout=20)
        answered = ("zeebe_router_jobs_answered_total", task_type, "complete")
        # The gateway records the completion a moment before the worker counts the answer.
        for _ in range(100):
            samples = await scrape(port)
            if answered in samples:
                break
        assert samples[answered] == 1
        assert samples[("zeebe_router_jobs_activated_total", task_type, None)] == 1

        assert (await http_get(port, "/nothing-here"))[0] == 404
        proc.signal(signal.SIGTERM)
        assert await proc.wait() == 0


async def test_metrics_without_prometheus_client_says_how_to_get_it(
    procs: list[Proc], tmp_path: Path
) -> None:
    hidden = tmp_path / "prometheus_client"
    hidden.mkdir()
    (hidden / "__init__.py").write_text('raise ImportError("prometheus_client hidden")\n')
    task_type = f"cli-http-{uuid.uuid4().hex[:8]}"
    async with EmbeddedGateway() as gateway:
        proc = await start(
            "zeebe_router",
            "run",
            "apps.orders:router",
            "--address",
            gateway.address,
            "--http-port",
            "0",
            APP_TASK_TYPE=task_type,
            PYTHONPATH_FIRST=str(tmp_path),
        )
        procs.append(proc)
        port = int((await proc.wait_for_line(SERVING)).group(1))

        status, body = await http_get(port, "/metrics")
        assert status == 501
        assert "pip install 'zeebe-router[prometheus]'" in body
        assert (await http_get(port, "/healthz"))[0] == 200
        assert "/metrics needs the prometheus extra" in proc.output
        proc.signal(signal.SIGTERM)
        assert await proc.wait() == 0


async def test_readyz_follows_the_gateway_going_away_and_coming_back(procs: list[Proc]) -> None:
    port = free_port()
    serve = ("zeebe_router.testing._serve", "--port", str(port))
    gateway = await start(*serve)
    procs.append(gateway)
    await gateway.wait_for_line(f"listening on 127.0.0.1:{port}")
    proc = await start(
        "zeebe_router",
        "run",
        "apps.orders:router",
        "--address",
        f"127.0.0.1:{port}",
        "--http-port",
        "0",
        APP_TASK_TYPE=f"cli-ready-{uuid.uuid4().hex[:8]}",
    )
    procs.append(proc)
    http_port = int((await proc.wait_for_line(SERVING)).group(1))
    await proc.wait_for_line("connected to the gateway")
    assert (await http_get(http_port, "/readyz"))[0] == 200

    gateway.process.kill()
    await gateway.wait()
    await proc.wait_for_line("gateway unavailable")
    status, body = await http_get(http_port, "/readyz")
    assert status == 503
    assert json.loads(body)["ready"] is False
    assert (await http_get(http_port, "/healthz"))[0] == 200

    again = await start(*serve)
    procs.append(again)
    await proc.wait_for_line("gateway reachable again")
    assert (await http_get(http_port, "/readyz"))[0] == 200
    proc.signal(signal.SIGTERM)
    assert await proc.wait() == 0
