"""The worker runtime: activation (stream + polling), capacity, back-off, drain, health."""

from zeebe_router.worker._backoff import Backoff, BackoffFactory, ExponentialBackoff
from zeebe_router.worker._capacity import Capacity
from zeebe_router.worker._health import DrainReport, StreamState, TaskHealth, WorkerHealth
from zeebe_router.worker._outcomes import RetryingOutcomeSink
from zeebe_router.worker._worker import DEFAULT_GRACE_PERIOD_S, ZeebeWorker

__all__ = [
    "DEFAULT_GRACE_PERIOD_S",
    "Backoff",
    "BackoffFactory",
    "Capacity",
    "DrainReport",
    "ExponentialBackoff",
    "RetryingOutcomeSink",
    "StreamState",
    "TaskHealth",
    "WorkerHealth",
    "ZeebeWorker",
]
