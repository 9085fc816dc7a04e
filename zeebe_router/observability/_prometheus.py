"""Worker metrics as Prometheus counters, gauges and a histogram (``prometheus`` extra)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from zeebe_router.observability._metrics import Outcome

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry
    from prometheus_client.metrics import MetricWrapperBase

__all__ = ["HANDLER_BUCKETS_S", "PrometheusMetrics"]

_M = TypeVar("_M", bound="MetricWrapperBase")

#: Histogram buckets of handler durations, in seconds: 5 ms to 5 min.
HANDLER_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)


class PrometheusMetrics:
    """Reports a worker's measurements to Prometheus, every series labelled by task type.

    Exports (with the default ``namespace``): ``zeebe_router_jobs_activated_total``,
    ``zeebe_router_jobs_answered_total{outcome}`` (complete, fail, error, handed_back,
    lost), ``zeebe_router_handler_duration_seconds``, ``zeebe_router_jobs_in_flight``,
    ``zeebe_router_free_slots``, ``zeebe_router_activation_errors_total{status}`` and
    ``zeebe_router_stream_reconnects_total``.

    Args:
        registry: where the metrics are registered; ``None`` is prometheus_client's
            default registry (the one ``/metrics`` serves). One instance per registry:
            a second raises ``ValueError`` (duplicated time series).
        namespace: the prefix of every metric name.

    Raises:
        ImportError: prometheus_client is not installed (``pip install
            'zeebe-router[prometheus]'``).
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, namespace: str = "zeebe_router"
    ) -> None:
        try:
            import prometheus_client as prom
        except ImportError as exc:
            raise ImportError(
                "PrometheusMetrics needs prometheus_client: pip install 'zeebe-router[prometheus]'"
            ) from exc
        reg = prom.REGISTRY if registry is None else registry

        def by_task(kind: type[_M], name: str, doc: str, *labels: str, **extra: Any) -> _M:
            return kind(
                name, doc, ("task_type", *labels), namespace=namespace, registry=reg, **extra
            )

        self.activated = by_task(
            prom.Counter, "jobs_activated", "Jobs activated (polled or streamed)."
        )
        self.answered = by_task(
            prom.Counter, "jobs_answered", "Jobs answered, by outcome.", "outcome"
        )
        self.duration = by_task(
            prom.Histogram,
            "handler_duration_seconds",
            "Time a handler and its middleware ran.",
            buckets=HANDLER_BUCKETS_S,
        )
        self.in_flight = by_task(
            prom.Gauge, "jobs_in_flight", "Jobs of the task being handled now."
        )
        self.free_slots = by_task(
            prom.Gauge, "free_slots", "Jobs the task can take before it is full."
        )
        self.activation_errors = by_task(
            prom.Counter, "activation_errors", "Failed activations, by gRPC status.", "status"
        )
        self.reconnects = by_task(prom.Counter, "stream_reconnects", "Job streams opened again.")

    def job_activated(self, task_type: str, count: int = 1) -> None:
        """Count activated jobs."""
        self.activated.labels(task_type).inc(count)

    def job_answered(self, task_type: str, outcome: Outcome) -> None:
        """Count an answered job by outcome."""
        self.answered.labels(task_type, outcome).inc()

    def handler_duration(self, task_type: str, seconds: float) -> None:
        """Observe a handler's duration."""
        self.duration.labels(task_type).observe(seconds)

    def slots(self, task_type: str, in_flight: int, free: int) -> None:
        """Set the task's in-flight and free-slot gauges."""
        self.in_flight.labels(task_type).set(in_flight)
        self.free_slots.labels(task_type).set(free)

    def activation_error(self, task_type: str, status: str) -> None:
        """Count a failed activation by status."""
        self.activation_errors.labels(task_type, status).inc()

    def stream_reconnect(self, task_type: str) -> None:
        """Count a reopened job stream."""
        self.reconnects.labels(task_type).inc()
