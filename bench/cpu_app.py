"""A CPU-bound task for ``zeebe-router run --processes N bench.cpu_app:router``.

Configured by environment: ``BENCH_SPEC`` (a RunSpec as JSON) and ``BENCH_OUT_DIR``, where
each process writes ``<pid>.json`` with its measurements once its window has passed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.probe import Probe
from bench.spec import RunSpec
from bench.workloads import burn_cpu
from zeebe_router.routing import ZeebeTaskRouter

__all__ = ["router"]

_SPEC = RunSpec.from_json(os.environ["BENCH_SPEC"])
_OUT_DIR = Path(os.environ["BENCH_OUT_DIR"])
_PROBE = Probe(_SPEC.target, _SPEC.cap_s)

router = ZeebeTaskRouter()


def _write_result() -> None:
    path = _OUT_DIR / f"{os.getpid()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(_PROBE.result()), encoding="utf-8")
    tmp.replace(path)


@router.task(_SPEC.job_type, max_running_jobs=_SPEC.concurrency or 32)
def cpu_bound() -> dict[str, Any]:
    """Burn a few ms of CPU holding the GIL, then report once the window has passed."""
    _PROBE.start()
    burn_cpu()
    _PROBE.end()
    if _PROBE.close_if_expired():
        _write_result()
    return {}
