"""The scenarios of the benchmark and the contenders each one runs."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "BASELINE",
    "LABELS",
    "LATENCY_CONTENDERS",
    "THROUGHPUT_CONTENDERS",
    "Mode",
    "Scenario",
    "throughput_scenarios",
]

#: How each contender is named in the report.
LABELS = {
    "bare": "bare grpc.aio loop (stream + poll)",
    "bare-poll": "bare grpc.aio loop (poll only)",
    "router-defaults": "zeebe-router, defaults",
    "router-tuned": "zeebe-router, tuned",
    "router-poll": "zeebe-router, stream off",
    "pyzeebe-defaults": "pyzeebe 4.7.0, defaults",
    "pyzeebe-tuned": "pyzeebe 4.7.0, tuned",
    "pyzeebe-stream": "pyzeebe 4.7.0, stream on",
}

#: The practical limit the throughput figures are divided by: ActivateJobs and CompleteJob.
BASELINE = "bare-poll"

THROUGHPUT_CONTENDERS = (
    BASELINE,
    "router-defaults",
    "router-tuned",
    "pyzeebe-defaults",
    "pyzeebe-tuned",
)
LATENCY_CONTENDERS = (
    "bare",
    "bare-poll",
    "router-defaults",
    "router-poll",
    "pyzeebe-defaults",
    "pyzeebe-stream",
)


@dataclass(frozen=True)
class Mode:
    """Counts and durations of a full or a short (CI smoke) run."""

    name: str
    runs: int
    throughput_jobs: int
    throughput_cap_s: float
    latency_jobs: int
    latency_rate: float
    rss_low: int
    rss_high: int
    cpu_window_s: float

    @classmethod
    def full(cls, runs: int = 3) -> Mode:
        """Figures worth quoting: medians of ``runs`` runs."""
        return cls("full", runs, 20_000, 20.0, 1_000, 100.0, 1_000, 100_000, 10.0)

    @classmethod
    def short(cls) -> Mode:
        """One small run of everything, to prove the benchmark works."""
        return cls("short", 1, 1_500, 2.5, 100, 100.0, 1_000, 5_000, 3.0)


@dataclass(frozen=True)
class Scenario:
    """A throughput scenario: a workload, an in-flight limit, and its Little's-law bound."""

    key: str
    title: str
    workload: str
    concurrency: int | None = None
    handler_s: float | None = None
    vars_bytes: int = 0
    jobs_factor: float = 1.0
    #: Jobs are created at this rate while the contender runs (streamed as they arrive)
    #: instead of being preloaded as a backlog.
    feed_rate: float | None = None

    @property
    def bound(self) -> float | None:
        """Jobs/s that ``concurrency`` jobs of ``handler_s`` each allow at best."""
        if self.concurrency is None or self.handler_s is None:
            return None
        return self.concurrency / self.handler_s


def throughput_scenarios() -> tuple[Scenario, ...]:
    """No-op, awaited I/O, blocking and large-variables scenarios."""
    return (
        Scenario("noop", "No-op async handler", "noop"),
        Scenario("io", "50 ms awaited I/O, 64 running", "io", 64, 0.05, jobs_factor=0.5),
        Scenario(
            "io-fed",
            "50 ms awaited I/O, 64 running, jobs arriving at 1,600/s",
            "io",
            64,
            0.05,
            jobs_factor=0.5,
            feed_rate=1_600.0,
        ),
        Scenario(
            "blocking", "10 ms blocking def, 32 running", "blocking", 32, 0.01, jobs_factor=0.5
        ),
        Scenario("payload", "10 kB variables in, 10 kB out", "payload", vars_bytes=10_000),
    )
