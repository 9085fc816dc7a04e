"""One contender in its own process: ``python -m bench.contender '<RunSpec JSON>'``.

Prints ``READY`` once the worker is started and ``RESULT <json>`` when the window closes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from typing import Any

from bench.contenders import Runner
from bench.probe import Probe
from bench.spec import RunSpec
from bench.workloads import Handler, make_handler

__all__ = ["main", "make_runner"]


def make_runner(spec: RunSpec, handler: Handler) -> Runner:
    """The runner of ``spec.contender`` (frameworks are imported only when asked for)."""
    family = spec.contender.split("-", 1)[0]
    if family == "router":
        from bench.contenders.router_worker import RouterWorker

        return RouterWorker(spec, handler)
    if family == "pyzeebe":
        from bench.contenders.pyzeebe_worker import PyzeebeWorker

        return PyzeebeWorker(spec, handler)
    if family == "bare":
        from bench.contenders.bare import BareLoop

        return BareLoop(spec, handler, stream=spec.contender == "bare")
    raise ValueError(f"unknown contender {spec.contender!r}")


async def _run(spec: RunSpec) -> dict[str, Any]:
    probe = Probe(spec.target, spec.cap_s, spec.rss_checkpoints)
    probe.bind(asyncio.get_running_loop())
    runner = make_runner(spec, make_handler(spec.workload, probe))
    profiler: Any = None
    if spec.profile_html:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005, async_mode="disabled")
    await runner.start()
    print("READY", flush=True)
    try:
        if profiler is not None:
            await asyncio.wait_for(probe.first_job.wait(), spec.first_job_timeout_s)
            profiler.start()
        await probe.wait(spec.first_job_timeout_s)
    finally:
        if profiler is not None and profiler.is_running:
            profiler.stop()
        result = probe.result()
        await runner.stop()
    if profiler is not None and spec.profile_html:
        profiler.write_html(spec.profile_html)
        profiler.last_session.save(spec.profile_html + ".json")
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the contender described by the JSON argument and print its result."""
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    spec = RunSpec.from_json(args[0])
    try:
        result = asyncio.run(_run(spec))
    except asyncio.TimeoutError:
        result = {"count": 0, "elapsed_s": 0.0, "jobs_per_s": 0.0, "error": "no job arrived"}
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
