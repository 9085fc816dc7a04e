"""Logs, metrics and traces of a running worker."""

from zeebe_router.observability._context import current_job
from zeebe_router.observability._metrics import NOOP_METRICS, NoopMetrics, Outcome, WorkerMetrics

__all__ = ["NOOP_METRICS", "NoopMetrics", "Outcome", "WorkerMetrics", "current_job"]
