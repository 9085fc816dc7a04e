"""The Markdown report: tables per scenario and where each target stands."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.scenarios import BASELINE, LABELS, Mode, Scenario

__all__ = ["Measurements", "percentile", "render"]

Result = dict[str, Any]


@dataclass
class Measurements:
    """Everything one benchmark run measured, per scenario and contender."""

    mode: Mode
    machine: dict[str, str]
    scenarios: tuple[Scenario, ...]
    throughput: dict[str, dict[str, list[Result]]] = field(default_factory=dict)
    latency: dict[str, list[Result]] = field(default_factory=dict)
    rss: dict[str, list[Result]] = field(default_factory=dict)
    processes: dict[str, list[float]] = field(default_factory=dict)
    processes_how: str = ""
    failures: list[str] = field(default_factory=list)


def percentile(samples: Sequence[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``samples`` by the nearest-rank method."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _rate(results: Sequence[Result]) -> float | None:
    return _median([r["jobs_per_s"] for r in results])


def _fmt(value: float | None, spec: str = ",.0f", suffix: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{suffix}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "n/a"
    return f"{a / b:.2f}x"


def _throughput_table(m: Measurements, sc: Scenario) -> list[str]:
    runs = m.throughput.get(sc.key, {})
    bare = _rate(runs.get(BASELINE, []))
    py_defaults = _rate(runs.get("pyzeebe-defaults", []))
    py_tuned = _rate(runs.get("pyzeebe-tuned", []))
    lines = [
        f"### {sc.title}" + (f" (bound {sc.bound:,.0f} jobs/s)" if sc.bound else ""),
        "",
        "| contender | jobs/s | x bare loop | x pyzeebe defaults | x pyzeebe tuned "
        "| of bound | CPU us/job: contender | gateway | ActivateJobs per 100 jobs | runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for contender, results in runs.items():
        rate = _rate(results)
        cpu = _median([r["cpu_us_per_job"] for r in results if r.get("cpu_us_per_job")])
        gw_cpu = _median([r["gateway"]["cpu_us_per_job"] for r in results if "gateway" in r])
        polls = _median([r["gateway"]["activations_per_100"] for r in results if "gateway" in r])
        capped = sum(1 for r in results if r.get("capped"))
        note = f"{len(results)}" + (f" ({capped} cut at the time cap)" if capped else "")
        of_bound = _fmt(rate / sc.bound * 100, ".0f", " %") if rate and sc.bound else "-"
        lines.append(
            f"| {LABELS[contender]} | {_fmt(rate)} | {_ratio(rate, bare)} "
            f"| {_ratio(rate, py_defaults)} | {_ratio(rate, py_tuned)} | {of_bound} "
            f"| {_fmt(cpu)} | {_fmt(gw_cpu)} | {_fmt(polls, '.1f')} | {note} |"
        )
    return [*lines, ""]


def _latency_stats(results: Sequence[Result]) -> tuple[float | None, float | None, int]:
    p50 = [percentile(r["latencies_ms"], 0.5) for r in results if r.get("latencies_ms")]
    p99 = [percentile(r["latencies_ms"], 0.99) for r in results if r.get("latencies_ms")]
    samples = sum(len(r.get("latencies_ms", [])) for r in results)
    return _median(p50), _median(p99), samples


def _latency_table(m: Measurements) -> list[str]:
    lines = [
        f"### Latency, job creation to handler start ({m.mode.latency_rate:.0f} jobs/s fed)",
        "",
        "| contender | p50 ms | p99 ms | samples | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for contender, results in m.latency.items():
        p50, p99, samples = _latency_stats(results)
        lines.append(
            f"| {LABELS[contender]} | {_fmt(p50, '.2f')} | {_fmt(p99, '.2f')} "
            f"| {samples:,} | {len(results)} |"
        )
    return [*lines, ""]


def _rss_growth_mib(results: Sequence[Result], low: int, high: int) -> float | None:
    growths = [
        (r["rss_kib"][str(high)] - r["rss_kib"][str(low)]) / 1024
        for r in results
        if str(low) in r.get("rss_kib", {}) and str(high) in r.get("rss_kib", {})
    ]
    growth = _median(growths)
    return None if growth is None else round(growth, 1) or 0.0


def _rss_table(m: Measurements) -> list[str]:
    low, high = m.mode.rss_low, m.mode.rss_high
    lines = [
        f"### Memory: RSS after {low:,} and after {high:,} no-op jobs (one process)",
        "",
        f"| contender | RSS @ {low:,} MiB | RSS @ {high:,} MiB | growth MiB | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for contender, results in m.rss.items():
        at_low = _median([r["rss_kib"][str(low)] / 1024 for r in results if r.get("rss_kib")])
        at_high = _median(
            [r["rss_kib"][str(high)] / 1024 for r in results if str(high) in r.get("rss_kib", {})]
        )
        growth = _rss_growth_mib(results, low, high)
        lines.append(
            f"| {LABELS[contender]} | {_fmt(at_low, '.1f')} | {_fmt(at_high, '.1f')} "
            f"| {_fmt(growth, '+.1f')} | {len(results)} |"
        )
    return [*lines, ""]


def _processes_table(m: Measurements) -> list[str]:
    one = _median(m.processes.get("1 process", []))
    lines = [
        "### CPU-bound handler (~2 ms pure Python per job), one vs two processes",
        "",
        m.processes_how,
        "",
        "| setup | jobs/s | x one process | runs |",
        "|---|---:|---:|---:|",
    ]
    for setup, rates in m.processes.items():
        rate = _median(rates)
        lines.append(f"| {setup} | {_fmt(rate)} | {_ratio(rate, one)} | {len(rates)} |")
    return [*lines, ""]


def _check(measured: float | None, ok: bool, text: str) -> tuple[str, str]:
    if measured is None:
        return "not measured", "-"
    return text, "met" if ok else "NOT met"


def _share_of_bound(m: Measurements, sc: Scenario, contender: str) -> float | None:
    rate = _rate(m.throughput.get(sc.key, {}).get(contender, []))
    return rate / sc.bound if rate is not None and sc.bound else None


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f} %"


def _targets(m: Measurements) -> list[str]:
    rows: list[tuple[str, str, str, str]] = []
    noop = m.throughput.get("noop", {})
    router = _rate(noop.get("router-defaults", []))
    bare = _rate(noop.get(BASELINE, []))
    tuned = _rate(noop.get("router-tuned", []))
    ratio = router / bare if router is not None and bare else None
    rows.append(
        (
            "no-op, defaults >= 0.95 x bare loop",
            *_check(ratio, (ratio or 0) >= 0.95, f"{ratio or 0:.2f}x"),
            f"tuned: {_ratio(tuned, bare)}",
        )
    )
    for sc in m.scenarios:
        if sc.bound is None:
            continue
        share = _share_of_bound(m, sc, "router-defaults")
        rows.append(
            (
                f"{sc.title}, defaults >= 0.9 x bound",
                *_check(share, (share or 0) >= 0.9, f"{_pct(share)} of {sc.bound:,.0f}"),
                f"bare loop: {_pct(_share_of_bound(m, sc, BASELINE))}",
            )
        )
    p50, _, _ = _latency_stats(m.latency.get("router-defaults", []))
    bare_p50, _, _ = _latency_stats(m.latency.get("bare", []))
    rows.append(
        (
            "streamed p50 latency <= 5 ms",
            *_check(p50, (p50 or 0) <= 5.0, f"{p50 or 0:.2f} ms"),
            f"bare loop, stream: {_fmt(bare_p50, '.2f', ' ms')}",
        )
    )
    growth = _rss_growth_mib(m.rss.get("router-defaults", []), m.mode.rss_low, m.mode.rss_high)
    bare_growth = _rss_growth_mib(m.rss.get(BASELINE, []), m.mode.rss_low, m.mode.rss_high)
    rows.append(
        (
            f"RSS growth <= 10 MB from {m.mode.rss_low:,} to {m.mode.rss_high:,} jobs",
            *_check(growth, (growth or 0) <= 10 * 1e6 / 2**20, f"{growth or 0:+.1f} MiB"),
            f"bare loop: {_fmt(bare_growth, '+.1f', ' MiB')}",
        )
    )
    one = m.processes.get("1 process", [])
    two = m.processes.get("2 processes", [])
    one_rate, two_rate = _median(one), _median(two)
    scale = two_rate / one_rate if one_rate and two_rate is not None else None
    paired = [b / a for a, b in zip(one, two, strict=False) if a]
    rows.append(
        (
            "`--processes 2` >= 1.7 x one process",
            *_check(scale, (scale or 0) >= 1.7, f"{scale or 0:.2f}x"),
            "per run: " + ", ".join(f"{r:.2f}x" for r in paired) if paired else "-",
        )
    )
    lines = [
        "## Targets",
        "",
        "| target | measured | status | for comparison, same machine and run |",
        "|---|---:|---|---|",
    ]
    lines += [
        f"| {name} | {value} | {status} | {context} |" for name, value, status, context in rows
    ]
    return [*lines, ""]


def render(m: Measurements) -> str:
    """The whole report as Markdown."""
    machine = ", ".join(f"{k} {v}" for k, v in m.machine.items() if k not in ("date", "load"))
    lines = [
        "# zeebe-router benchmark results",
        "",
        f"Generated by `python -m bench.run` ({m.mode.name} mode, median of {m.mode.runs} "
        f"run{'s' if m.mode.runs > 1 else ''}) on {m.machine['date']}.",
        f"Machine: {machine}.",
        f"Other work on the machine: {m.machine.get('load', 'not recorded')} "
        f"({m.machine['cores']} cores; the benchmark alone keeps about 2 busy).",
        "Method and caveats: see `bench/README.md`. Gateway, contender and feeder share the "
        "machine's cores.",
        "",
        *_targets(m),
        "## Throughput",
        "",
    ]
    for sc in m.scenarios:
        lines += _throughput_table(m, sc)
    lines += ["## Latency", "", *_latency_table(m), "## Memory", "", *_rss_table(m)]
    lines += ["## Processes", "", *_processes_table(m)]
    if m.failures:
        lines += ["## Failures", "", *[f"- {failure}" for failure in m.failures], ""]
    return "\n".join(lines).rstrip() + "\n"
