"""zeebe-router: FastAPI-style job workers for Zeebe / Camunda 8.

Declare ``@router.task("type")`` functions on :class:`ZeebeTaskRouter` objects, compose
them in a :class:`ZeebeWorker` with ``include_router`` and ``await worker.work()``. The
names of pyzeebe 4.x are kept, so switching is a change of imports.
"""

from zeebe_router import errors
from zeebe_router.client import SyncZeebeClient, ZeebeClient
from zeebe_router.connection import (
    channel_from_env,
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)
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
from zeebe_router.job import (
    Job,
    JobKind,
    JobResult,
    JobResultActivateElement,
    JobResultCorrections,
    JobStatus,
    ListenerEventType,
    UserTaskProperties,
)
from zeebe_router.pipeline import default_exception_handler
from zeebe_router.routing import (
    ExceptionHandler,
    Middleware,
    TaskConfig,
    TaskDecorator,
    ZeebeTaskRouter,
)
from zeebe_router.worker import DrainReport, ExponentialBackoff, WorkerHealth, ZeebeWorker

__all__ = [
    "BpmnError",
    "BusinessError",
    "DrainReport",
    "DuplicateTaskTypeError",
    "ExceptionHandler",
    "ExponentialBackoff",
    "Job",
    "JobAlreadyAnsweredError",
    "JobController",
    "JobFailure",
    "JobKind",
    "JobResult",
    "JobResultActivateElement",
    "JobResultCorrections",
    "JobStatus",
    "ListenerEventType",
    "Middleware",
    "NoVariableNameGivenError",
    "SyncZeebeClient",
    "TaskConfig",
    "TaskDecorator",
    "TaskNotFoundError",
    "UserTaskProperties",
    "WorkerHealth",
    "ZeebeClient",
    "ZeebeRouterError",
    "ZeebeTaskRouter",
    "ZeebeWorker",
    "channel_from_env",
    "create_camunda_cloud_channel",
    "create_insecure_channel",
    "create_oauth2_client_credentials_channel",
    "create_secure_channel",
    "default_exception_handler",
    "errors",
]
