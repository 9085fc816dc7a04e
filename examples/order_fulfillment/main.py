"""Compose the three routers into one worker and run 1,000 orders through the process.

``python -m examples.order_fulfillment`` (or ``make demo``) runs it on an embedded gateway
with a live progress bar and a summary. Against a real cluster, run the same worker with
``zeebe-router run examples.order_fulfillment.main:worker`` after deploying the BPMN.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc

from examples.order_fulfillment import inventory, payments, shipping
from examples.order_fulfillment.orders import make_orders
from examples.order_fulfillment.stats import JobStats
from zeebe_router import ZeebeWorker
from zeebe_router.client import ZeebeClient
from zeebe_router.observability import WorkerMetrics
from zeebe_router.testing import EmbeddedGateway, IncidentSnapshot, InstanceSnapshot

PROCESS_FILE = Path(__file__).with_name("order_process.bpmn")
PROCESS_ID = "order-fulfillment"
#: End event id -> the path it stands for, in the order the summary lists them.
PATHS = {
    "ShippedExpress": "shipped express",
    "ShippedStandard": "shipped standard",
    "PaymentDeclined": "card declined (BPMN error)",
    "OrderRejected": "rejected at check",
}
#: Instance creations in flight at once.
_CREATE_CONCURRENCY = 64
#: How often the progress callback runs while instances finish.
_PROGRESS_INTERVAL_S = 0.25


def build_worker(
    channel: grpc.aio.Channel | None = None, metrics: WorkerMetrics | None = None
) -> ZeebeWorker:
    """One worker for the payments, inventory and shipping tasks (channel from the env if None)."""
    worker = ZeebeWorker(channel, name="order-fulfillment", metrics=metrics)
    worker.include_router(payments.router, inventory.router, shipping.router)
    return worker


#: The worker ``zeebe-router run examples.order_fulfillment.main:worker`` runs.
worker = build_worker()


@dataclass(frozen=True)
class Progress:
    """Where the demo is: instances started and finished, jobs answered."""

    total: int
    started: int
    finished: int
    jobs_answered: int


@dataclass(frozen=True)
class DemoResult:
    """What happened to every instance, and how fast the worker answered its jobs."""

    instances: int
    paths: Counter[str]
    incidents: tuple[IncidentSnapshot, ...]
    jobs: Counter[str]
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def jobs_per_second(self) -> float:
        """Jobs answered per second of the run."""
        return sum(self.jobs.values()) / self.seconds if self.seconds else 0.0


def path_of(instance: InstanceSnapshot) -> str | None:
    """The path a finished instance took, ``"incident"`` if it is stuck, None if running."""
    if instance.state == "COMPLETED":
        return next((PATHS[e] for e in instance.visited if e in PATHS), "other")
    if instance.incidents:
        return "incident"
    return None


async def run_demo(
    count: int = 1000,
    *,
    timeout: float = 120.0,
    on_progress: Callable[[Progress], None] | None = None,
) -> DemoResult:
    """Deploy the process on an embedded gateway, start ``count`` orders and wait for them.

    Raises:
        TimeoutError: the instances did not all finish (or stop at an incident) in time.
    """
    report = on_progress or (lambda progress: None)
    stats = JobStats()
    async with EmbeddedGateway() as gateway, ZeebeClient(gateway.channel()) as client:
        await client.deploy_resource(PROCESS_FILE)
        async with build_worker(gateway.channel(), metrics=stats):
            started_at = time.perf_counter()
            keys = await _start_instances(
                client, make_orders(count), lambda n: report(Progress(count, n, 0, stats.answered))
            )

            def progress(finished: int) -> Progress:
                return Progress(count, count, finished, stats.answered)

            paths = await _wait_until_finished(
                gateway, keys, started_at + timeout, lambda n: report(progress(n))
            )
            seconds = time.perf_counter() - started_at
        incidents = tuple(gateway.incidents())
    del paths["incident"]
    return DemoResult(
        instances=count,
        paths=paths,
        incidents=incidents,
        jobs=Counter(stats.outcomes),
        seconds=seconds,
        p50_ms=stats.percentile_ms(0.50),
        p99_ms=stats.percentile_ms(0.99),
    )


async def _start_instances(
    client: ZeebeClient, variables: list[dict[str, object]], started: Callable[[int], None]
) -> list[int]:
    """Create one instance per set of variables, a bounded number at a time."""
    slots = asyncio.Semaphore(_CREATE_CONCURRENCY)
    keys: list[int] = []

    async def create(order: dict[str, object]) -> None:
        async with slots:
            response = await client.run_process(PROCESS_ID, order)
        keys.append(response.process_instance_key)
        started(len(keys))

    await asyncio.gather(*(create(order) for order in variables))
    return keys


async def _wait_until_finished(
    gateway: EmbeddedGateway, keys: list[int], deadline: float, finished: Callable[[int], None]
) -> Counter[str]:
    """Wait until every instance completed or stopped at an incident; count their paths.

    Raises:
        TimeoutError: some instances are still running at ``deadline``.
    """
    paths: Counter[str] = Counter()
    pending = list(keys)
    while True:
        still_running = []
        for key in pending:
            path = path_of(gateway.instance(key))
            if path is None:
                still_running.append(key)
            else:
                paths[path] += 1
        pending = still_running
        finished(len(keys) - len(pending))
        if not pending:
            return paths
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{len(pending)} instances are still running")
        await asyncio.sleep(_PROGRESS_INTERVAL_S)


def main(argv: list[str] | None = None) -> int:
    """Run the demo with a live progress bar and a summary table."""
    from rich.logging import RichHandler

    from examples.order_fulfillment.console import DemoConsole

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000, help="instances to start")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait at most")
    args = parser.parse_args(argv)
    console = DemoConsole(args.orders)
    logging.basicConfig(
        level=logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console.console, show_path=False)],
    )
    with console:
        result = asyncio.run(
            run_demo(args.orders, timeout=args.timeout, on_progress=console.update)
        )
    console.summary(result)
    return 0
