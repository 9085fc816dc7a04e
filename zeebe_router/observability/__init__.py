"""Logs, metrics and traces of a running worker."""

from zeebe_router.observability._context import current_job
from zeebe_router.observability._logging import (
    JobContextFilter,
    JsonFormatter,
    TextFormatter,
    configure_logging,
)
from zeebe_router.observability._metrics import (
    NOOP_METRICS,
    CompositeMetrics,
    NoopMetrics,
    Outcome,
    WorkerMetrics,
)
from zeebe_router.observability._otel import tracing_middleware
from zeebe_router.observability._prometheus import PrometheusMetrics
from zeebe_router.observability._summary import SummaryReporter

__all__ = [
    "NOOP_METRICS",
    "CompositeMetrics",
    "JobContextFilter",
    "JsonFormatter",
    "NoopMetrics",
    "Outcome",
    "PrometheusMetrics",
    "SummaryReporter",
    "TextFormatter",
    "WorkerMetrics",
    "configure_logging",
    "current_job",
    "tracing_middleware",
]
