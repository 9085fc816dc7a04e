"""A pyzeebe application whose only change is its import lines runs unmodified."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from zeebe_router.job import Job
from zeebe_router.routing import ZeebeTaskRouter
from zeebe_router.testing._job_env import JobEnvironment

APP = Path(__file__).parent / "pyzeebe_app"

# The lines that differ from the same application written for pyzeebe 4.7.
PYZEEBE_IMPORTS = {
    "from zeebe_router import Job, JobController": "from pyzeebe import Job, JobController",
    "from zeebe_router import Job": "from pyzeebe import Job",
    "from zeebe_router.errors import BusinessError": "from pyzeebe.errors import BusinessError",
    "from zeebe_router.routing import ZeebeTaskRouter": "from pyzeebe import ZeebeTaskRouter",
}


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[types.ModuleType, types.ModuleType]]:
    monkeypatch.syspath_prepend(str(APP.parent))
    for name in ("pyzeebe_app.orders", "pyzeebe_app.shipping", "pyzeebe_app"):
        sys.modules.pop(name, None)
    yield (
        importlib.import_module("pyzeebe_app.orders"),
        importlib.import_module("pyzeebe_app.shipping"),
    )
    for name in ("pyzeebe_app.orders", "pyzeebe_app.shipping", "pyzeebe_app"):
        sys.modules.pop(name, None)


@pytest.fixture
def worker(app: tuple[types.ModuleType, types.ModuleType]) -> ZeebeTaskRouter:
    orders, shipping = app

    def worker_before(job: Job) -> Job:
        return job.replace(custom_headers={**job.custom_headers, "seen_by": "worker"})

    root = ZeebeTaskRouter(before=[worker_before])
    root.include_router(orders.router, shipping.router)
    return root


def test_only_the_import_lines_differ_from_the_pyzeebe_version() -> None:
    for module in ("orders", "shipping"):
        source = (APP / f"{module}.py").read_text()
        imports = [line for line in source.splitlines() if "zeebe_router" in line]
        assert imports
        assert all(line in PYZEEBE_IMPORTS for line in imports), imports


def test_the_same_source_registers_with_pyzeebe() -> None:
    pyzeebe = pytest.importorskip("pyzeebe")
    for module in ("orders", "shipping"):
        source = (APP / f"{module}.py").read_text()
        for ours, theirs in PYZEEBE_IMPORTS.items():
            source = "\n".join(theirs if line == ours else line for line in source.splitlines())
        namespace: dict[str, object] = {"__name__": f"pyzeebe_twin_{module}"}
        exec(compile(source, f"pyzeebe_twin_{module}", "exec"), namespace)
        router = namespace["router"]
        assert isinstance(router, pyzeebe.ZeebeTaskRouter)
        assert router.tasks


async def test_tasks_and_settings_survive_the_switch(worker: ZeebeTaskRouter) -> None:
    by_type = {task.type: task.config for task in worker.tasks}

    assert set(by_type) == {
        "charge-card",
        "validate-order",
        "order-total",
        "describe-shipment",
        "ship-everything",
    }
    assert by_type["charge-card"].variables_to_fetch == ("order_id", "amount")
    assert by_type["describe-shipment"].timeout_ms == 30000
    assert by_type["describe-shipment"].max_running_jobs == 8
    assert by_type["ship-everything"].variables_to_fetch is None


async def test_pyzeebe_app_runs(
    worker: ZeebeTaskRouter, app: tuple[types.ModuleType, types.ModuleType]
) -> None:
    _, shipping = app
    async with JobEnvironment() as env:
        charged = await env.run(
            worker, type="charge-card", variables={"order_id": "o-1", "amount": 20}
        )
        declined = await env.run(
            worker, type="charge-card", variables={"order_id": "o-2", "amount": 5000}
        )
        broken = await env.run(
            worker, type="charge-card", variables={"order_id": "o-3", "amount": -1}, retries=3
        )
        invalid = await env.run(worker, type="validate-order", variables={"order_id": "x"})
        total = await env.run(
            worker,
            type="order-total",
            variables={"items": [{"price": 2.5, "quantity": 2}, {"price": 1, "quantity": 3}]},
        )
        described = await env.run(
            worker, type="describe-shipment", headers={"carrier": "dhl"}, retries=2
        )
        everything = await env.run(worker, type="ship-everything", variables={"a": 1, "b": 2})

    assert charged.variables == {"receipt": "receipt-o-1"}
    assert (declined.error_code, declined.message) == (
        "CARD_DECLINED",
        "declined: 5000 is over the limit",
    )
    assert broken.failed
    assert broken.retries == 2
    assert broken.message == f"Failed to handle job {broken.job.key}. Error: negative amount"
    assert (invalid.error_code, invalid.error_thrown) == ("INVALID_ORDER", True)
    assert total.variables == {"total": 8.0}
    assert described.variables == {"process": "job-environment", "carrier": "dhl", "attempt": 2}
    assert everything.variables == {"shipped_keys": ["a", "b"]}
    assert shipping.shipped == [described.job.key, everything.job.key, everything.job.key]
