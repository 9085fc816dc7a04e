"""``python -m bench.run [--short]``: run every scenario and write ``bench/results.md``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from bench.machine import describe_machine
from bench.procs import BenchError, GatewayProcess, open_log, run_contender, subprocess_env
from bench.report import Measurements, render
from bench.scenarios import (
    BASELINE,
    LABELS,
    LATENCY_CONTENDERS,
    THROUGHPUT_CONTENDERS,
    Mode,
    Scenario,
    throughput_scenarios,
)
from bench.spec import RunSpec

__all__ = ["main"]

_HERE = Path(__file__).resolve().parent
#: Between the contender saying READY and the first fed job, so streams and polls are open.
_LATENCY_WARMUP_S = 1.5
#: Contenders whose memory is tracked from ``rss_low`` to ``rss_high`` jobs.
_RSS_CONTENDERS = ("router-defaults", BASELINE)
#: More CPU-bound jobs than two processes can finish in their window.
_CPU_JOBS_PER_S_CEILING = 2_000
_CPU_SETTLE_S = 60.0


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _job_type(*parts: object) -> str:
    return "bench-" + "-".join(str(p) for p in parts) + "-" + uuid.uuid4().hex[:6]


class Bench:
    """One benchmark run against one gateway process."""

    def __init__(self, mode: Mode, gateway: GatewayProcess, log_dir: Path) -> None:
        self.mode = mode
        self.gateway = gateway
        self.log_dir = log_dir
        self.m = Measurements(mode, describe_machine(), throughput_scenarios())

    async def throughput(self, sc: Scenario, contender: str, run: int) -> None:
        target = max(1, int(self.mode.throughput_jobs * sc.jobs_factor))
        job_type = _job_type(sc.key, contender, run)
        if sc.feed_rate is None:
            await self.gateway.command(
                op="preload", type=job_type, count=target, vars_bytes=sc.vars_bytes
            )
        spec = RunSpec(
            contender=contender,
            address=self.gateway.address,
            job_type=job_type,
            workload=sc.workload,
            target=target,
            cap_s=self.mode.throughput_cap_s,
            concurrency=sc.concurrency,
        )
        before = await self.gateway.command(op="stats")
        if sc.feed_rate is None:
            result = await run_contender(spec, self.log_dir)
        else:
            ready = asyncio.Event()
            task = asyncio.create_task(run_contender(spec, self.log_dir, ready))
            try:
                await asyncio.wait_for(ready.wait(), 60.0)
            except asyncio.TimeoutError:
                await task
                raise
            await self.gateway.command(op="feed", type=job_type, count=target, rate=sc.feed_rate)
            result = await task
        after = await self.gateway.command(op="stats")
        result["gateway"] = _gateway_load(before, after)
        self.m.throughput.setdefault(sc.key, {}).setdefault(contender, []).append(result)
        _progress(f"[{sc.key}] {contender} run {run + 1}: {result['jobs_per_s']:,.0f} jobs/s")

    async def latency(self, contender: str, run: int) -> None:
        job_type = _job_type("latency", contender, run)
        count, rate = self.mode.latency_jobs, self.mode.latency_rate
        spec = RunSpec(
            contender=contender,
            address=self.gateway.address,
            job_type=job_type,
            workload="latency",
            target=count,
            cap_s=count / rate + 10.0,
        )
        ready = asyncio.Event()
        task = asyncio.create_task(run_contender(spec, self.log_dir, ready))
        try:
            await asyncio.wait_for(ready.wait(), 60.0)
        except asyncio.TimeoutError:
            await task
            raise
        await asyncio.sleep(_LATENCY_WARMUP_S)
        await self.gateway.command(op="feed", type=job_type, count=count, rate=rate)
        result = await task
        self.m.latency.setdefault(contender, []).append(result)
        _progress(f"[latency] {contender} run {run + 1}: {len(result['latencies_ms'])} samples")

    async def rss(self, contender: str, run: int) -> None:
        low, high = self.mode.rss_low, self.mode.rss_high
        job_type = _job_type("rss", contender, run)
        await self.gateway.command(op="preload", type=job_type, count=high)
        spec = RunSpec(
            contender=contender,
            address=self.gateway.address,
            job_type=job_type,
            workload="noop",
            target=high,
            cap_s=600.0,
            rss_checkpoints=(low, high),
        )
        result = await run_contender(spec, self.log_dir)
        self.m.rss.setdefault(contender, []).append(result)
        _progress(f"[rss] {contender} run {run + 1}: {result['rss_kib']}")

    async def processes(self, count: int, run: int, use_cli: bool) -> None:
        window = self.mode.cpu_window_s
        job_type = _job_type("cpu", count, run)
        jobs = int(window * _CPU_JOBS_PER_S_CEILING) + 1_000
        await self.gateway.command(op="preload", type=job_type, count=jobs)
        spec = RunSpec(
            contender="router-defaults",
            address=self.gateway.address,
            job_type=job_type,
            workload="cpu",
            target=10**9,
            cap_s=window,
        )
        if use_cli:
            rates = await self._cli_processes(spec, count)
        else:
            results = await asyncio.gather(
                *(run_contender(spec, self.log_dir) for _ in range(count))
            )
            rates = [r["jobs_per_s"] for r in results]
        label = "1 process" if count == 1 else f"{count} processes"
        self.m.processes.setdefault(label, []).append(sum(rates))
        _progress(f"[processes] {label} run {run + 1}: {sum(rates):,.0f} jobs/s")

    async def _cli_processes(self, spec: RunSpec, count: int) -> list[float]:
        out_dir = Path(tempfile.mkdtemp(prefix="cpu-", dir=self.log_dir))
        env = subprocess_env()
        env.update(
            ZEEBE_ADDRESS=spec.address,
            BENCH_SPEC=spec.to_json(),
            BENCH_OUT_DIR=str(out_dir),
        )
        argv = [sys.executable, "-m", "zeebe_router", "run", "--processes", str(count)]
        with open_log(out_dir / "cli.log") as log:
            proc = await asyncio.create_subprocess_exec(
                *argv, "bench.cpu_app:router", stdout=log, stderr=log, env=env
            )
        deadline = time.monotonic() + spec.cap_s + _CPU_SETTLE_S
        try:
            while len(_process_results(out_dir)) < count:
                if proc.returncode is not None or time.monotonic() > deadline:
                    raise BenchError(f"run --processes {count} gave no results; see {out_dir}")
                await asyncio.sleep(0.2)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 30.0)
                except asyncio.TimeoutError:
                    proc.kill()
                    await proc.wait()
        return _process_results(out_dir)


def _gateway_load(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """The gateway's CPU and rpcs per completed job between two ``stats`` answers."""
    calls = {
        rpc: after["calls"].get(rpc, 0) - before["calls"].get(rpc, 0)
        for rpc in ("ActivateJobs", "CompleteJob", "StreamActivatedJobs")
    }
    completed = max(calls["CompleteJob"], 1)
    return {
        "completed": calls["CompleteJob"],
        "cpu_us_per_job": (after["cpu_s"] - before["cpu_s"]) / completed * 1e6,
        "activations_per_100": calls["ActivateJobs"] / completed * 100,
    }


def _process_results(out_dir: Path) -> list[float]:
    """Jobs/s of each worker process that has written its result so far."""
    return [
        float(json.loads(p.read_text(encoding="utf-8"))["jobs_per_s"])
        for p in out_dir.glob("*.json")
    ]


def _cli_supports_processes() -> bool:
    """Whether ``zeebe-router run --processes`` exists in this checkout."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "zeebe_router", "run", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=subprocess_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and "--processes" in done.stdout


async def _guarded(m: Measurements, what: str, step: Coroutine[Any, Any, None]) -> None:
    try:
        await step
    except (BenchError, asyncio.TimeoutError, KeyError) as exc:
        m.failures.append(f"{what}: {exc or type(exc).__name__}")
        _progress(f"FAILED {what}: {exc!r}")


def _selected(names: tuple[str, ...], wanted: set[str] | None) -> tuple[str, ...]:
    return names if wanted is None else tuple(n for n in names if n in wanted)


async def run_bench(
    mode: Mode, log_dir: Path, only: set[str], contenders: set[str] | None = None
) -> Measurements:
    """Start a gateway, run the selected parts ``mode.runs`` times, and collect the figures."""
    gateway = GatewayProcess(log_dir)
    await gateway.start()
    bench = Bench(mode, gateway, log_dir)
    load_before = os.getloadavg()
    use_cli = "processes" in only and _cli_supports_processes()
    bench.m.processes_how = (
        "Measured with `zeebe-router run --processes N bench.cpu_app:router` (N = 1 and 2)."
        if use_cli
        else "`zeebe-router run --processes` was not available: N `bench.contender` "
        "processes were started side by side instead."
    )
    try:
        for run in range(mode.runs):
            for sc in bench.m.scenarios:
                if sc.key not in only:
                    continue
                for contender in _selected(THROUGHPUT_CONTENDERS, contenders):
                    await _guarded(
                        bench.m, f"{sc.key}/{contender}", bench.throughput(sc, contender, run)
                    )
            if "latency" in only:
                for contender in _selected(LATENCY_CONTENDERS, contenders):
                    await _guarded(bench.m, f"latency/{contender}", bench.latency(contender, run))
            if "rss" in only:
                for contender in _selected(_RSS_CONTENDERS, contenders):
                    await _guarded(bench.m, f"rss/{contender}", bench.rss(contender, run))
            if "processes" in only:
                for count in (1, 2):
                    await _guarded(
                        bench.m, f"processes/{count}", bench.processes(count, run, use_cli)
                    )
    finally:
        await gateway.stop()
    load_after = os.getloadavg()
    bench.m.machine["load"] = (
        f"load average {load_before[1]:.1f} over the 5 min before, {load_after[1]:.1f} over "
        "the last 5 min of the run"
    )
    return bench.m


PARTS = ("noop", "io", "io-fed", "blocking", "payload", "latency", "rss", "processes")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the Markdown report and write it to ``--output``."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--short", action="store_true", help="one small run (CI smoke test)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (full mode)")
    parser.add_argument("--output", type=Path, default=_HERE / "results.md")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--contenders", nargs="+", choices=sorted(LABELS), help="a subset")
    parser.add_argument("--keep-logs", action="store_true", help="keep the child processes' logs")
    args = parser.parse_args(argv)
    mode = Mode.short() if args.short else Mode.full(args.runs)
    log_dir = Path(tempfile.mkdtemp(prefix="zeebe-router-bench-"))
    started = time.perf_counter()
    m = asyncio.run(run_bench(mode, log_dir, set(args.only), set(args.contenders or LABELS)))
    if m.failures or args.keep_logs or os.environ.get("BENCH_KEEP_LOGS"):
        _progress(f"logs kept in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)
    text = render(m)
    print(text)
    args.output.write_text(text, encoding="utf-8")
    _progress(f"wrote {args.output} in {time.perf_counter() - started:.0f} s")
    return 1 if m.failures else 0


if __name__ == "__main__":
    sys.exit(main())
