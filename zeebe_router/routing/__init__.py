"""Routers: plain registries of task handlers, with their decorators and exception handlers."""

from zeebe_router.routing._router import ZeebeTaskRouter
from zeebe_router.routing._task import (
    CallNext,
    ExceptionHandler,
    Middleware,
    Task,
    TaskConfig,
    TaskDecorator,
)

__all__ = [
    "CallNext",
    "ExceptionHandler",
    "Middleware",
    "Task",
    "TaskConfig",
    "TaskDecorator",
    "ZeebeTaskRouter",
]
