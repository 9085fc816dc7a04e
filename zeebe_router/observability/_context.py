"""The job being handled, carried in a context variable for logs and traces."""

from __future__ import annotations

from contextvars import ContextVar

from zeebe_router.job import Job

__all__ = ["current_job"]

#: The job whose handler (or middleware) is running in this context, if any.
current_job: ContextVar[Job | None] = ContextVar("zeebe_router_current_job", default=None)
