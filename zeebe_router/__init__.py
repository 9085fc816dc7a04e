"""zeebe-router: FastAPI-style job workers for Zeebe / Camunda 8."""

from zeebe_router.controller import JobController
from zeebe_router.errors import (
    BpmnError,
    BusinessError,
    DuplicateTaskTypeError,
    JobAlreadyAnsweredError,
    JobFailure,
    NoVariableNameGivenError,
    TaskNotFoundError,
    ZeebeRouterError,
)
from zeebe_router.job import Job, JobResult, JobResultCorrections, JobStatus

__all__ = [
    "BpmnError",
    "BusinessError",
    "DuplicateTaskTypeError",
    "Job",
    "JobAlreadyAnsweredError",
    "JobController",
    "JobFailure",
    "JobResult",
    "JobResultCorrections",
    "JobStatus",
    "NoVariableNameGivenError",
    "TaskNotFoundError",
    "ZeebeRouterError",
]
