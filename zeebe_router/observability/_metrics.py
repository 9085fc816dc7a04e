"""The metrics a worker reports, as a protocol with a no-op default."""

from __future__ import annotations

from typing import Literal, Protocol

__all__ = ["NOOP_METRICS", "CompositeMetrics", "NoopMetrics", "Outcome", "WorkerMetrics"]

#: How a job left the worker.
Outcome = Literal["complete", "fail", "error", "handed_back", "lost"]


class WorkerMetrics(Protocol):
    """Receives a worker's measurements; implementations must be cheap and never raise."""

    def job_activated(self, task_type: str, count: int = 1) -> None:
        """``count`` jobs of ``task_type`` were activated (polled or streamed)."""

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """A job was answered; ``lost`` means the gateway no longer knew it."""

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """A handler (with its middleware) ran for ``seconds``."""

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        """The task's capacity changed: jobs in flight and free slots."""

    def activation_error(self, task_type: str, status: str) -> None:
        """Activating jobs failed with gRPC ``status`` (e.g. ``"UNAVAILABLE"``)."""

    def stream_reconnect(self, task_type: str) -> None:
        """The job stream of ``task_type`` was opened again."""


class NoopMetrics:
    """Discards every measurement: the default."""

    def job_activated(self, task_type: str, count: int = 1) -> None:
        """Discard."""

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """Discard."""

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """Discard."""

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        """Discard."""

    def activation_error(self, task_type: str, status: str) -> None:
        """Discard."""

    def stream_reconnect(self, task_type: str) -> None:
        """Discard."""


NOOP_METRICS: WorkerMetrics = NoopMetrics()


class CompositeMetrics:
    """Forwards every measurement to each of ``metrics``, in order (e.g. Prometheus + logs)."""

    def __init__(self, *metrics: WorkerMetrics) -> None:
        self.metrics: tuple[WorkerMetrics, ...] = metrics

    def job_activated(self, task_type: str, count: int = 1) -> None:
        """Forward."""
        for m in self.metrics:
            m.job_activated(task_type, count)

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """Forward."""
        for m in self.metrics:
            m.job_answered(task_type, outcome)

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """Forward."""
        for m in self.metrics:
            m.handler_duration(task_type, seconds)

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        """Forward."""
        for m in self.metrics:
            m.slots(task_type, in_flight, free)

    def activation_error(self, task_type: str, status: str) -> None:
        """Forward."""
        for m in self.metrics:
            m.activation_error(task_type, status)

    def stream_reconnect(self, task_type: str) -> None:
        """Forward."""
        for m in self.metrics:
            m.stream_reconnect(task_type)
