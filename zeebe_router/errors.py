"""The exceptions of zeebe-router: one tree, rooted at :class:`ZeebeRouterError`.

::

    ZeebeRouterError
    ├── ConfigurationError                 you built or configured something wrongly
    │   ├── DuplicateTaskTypeError
    │   ├── TaskNotFoundError
    │   ├── NoVariableNameGivenError
    │   └── InvalidHandlerError
    ├── VariablesError                     variables that cannot cross the wire
    │   ├── VariablesNotSerializableError
    │   └── InvalidVariablesError
    ├── JobAlreadyAnsweredError            a second outcome for one activation
    ├── OAuthError                         fetching an access token failed
    │   ├── InvalidOAuthCredentialsError
    │   └── OAuthServerUnreachableError
    ├── WorkerError                        the worker stopped for a reason you must fix
    ├── ZeebeGatewayError                  the gateway answered with a gRPC error
    │   ├── TransientGatewayError          retried with back-off by the worker
    │   │   ├── GatewayUnavailableError        UNAVAILABLE
    │   │   ├── BackPressureError              RESOURCE_EXHAUSTED
    │   │   ├── DeadlineExceededError          DEADLINE_EXCEEDED
    │   │   ├── RequestCancelledError          CANCELLED
    │   │   ├── RequestAbortedError            ABORTED
    │   │   └── GatewayInternalError           INTERNAL, UNKNOWN, DATA_LOSS
    │   ├── NotFoundError                      NOT_FOUND
    │   │   ├── JobNotFoundError
    │   │   ├── ProcessDefinitionNotFoundError
    │   │   └── ProcessInstanceNotFoundError
    │   ├── InvalidStateError                  FAILED_PRECONDITION
    │   │   └── JobNotActivatedError
    │   ├── InvalidArgumentError               INVALID_ARGUMENT, OUT_OF_RANGE
    │   ├── AlreadyExistsError                 ALREADY_EXISTS
    │   ├── PermissionDeniedError              PERMISSION_DENIED
    │   ├── UnauthenticatedError               UNAUTHENTICATED
    │   └── UnimplementedError                 UNIMPLEMENTED
    └── JobOutcome                         raised by a handler to choose the job's outcome
        ├── BpmnError (= BusinessError)        throw a BPMN error
        └── JobFailure                         fail the job with chosen retries

gRPC errors are translated in one place, :func:`zeebe_router.gateway.map_grpc_error`.
The pyzeebe names (``PyZeebeError``, ``ZeebeBackPressureError``, ...) are aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "ActivateJobsRequestInvalidError",
    "AlreadyExistsError",
    "BackPressureError",
    "BpmnError",
    "BusinessError",
    "ConfigurationError",
    "DeadlineExceededError",
    "DuplicateTaskTypeError",
    "GatewayInternalError",
    "GatewayUnavailableError",
    "InvalidArgumentError",
    "InvalidHandlerError",
    "InvalidOAuthCredentialsError",
    "InvalidStateError",
    "InvalidVariablesError",
    "JobAlreadyAnsweredError",
    "JobFailure",
    "JobNotActivatedError",
    "JobNotFoundError",
    "JobOutcome",
    "MessageAlreadyExistsError",
    "NoVariableNameGivenError",
    "NotFoundError",
    "OAuthError",
    "OAuthServerUnreachableError",
    "PermissionDeniedError",
    "ProcessDefinitionNotFoundError",
    "ProcessInstanceNotFoundError",
    "PyZeebeError",
    "RequestAbortedError",
    "RequestCancelledError",
    "TaskNotFoundError",
    "TransientGatewayError",
    "UnauthenticatedError",
    "UnimplementedError",
    "VariablesError",
    "VariablesNotSerializableError",
    "WorkerError",
    "ZeebeBackPressureError",
    "ZeebeDeadlineExceeded",
    "ZeebeGatewayError",
    "ZeebeGatewayUnavailableError",
    "ZeebeInternalError",
    "ZeebeRouterError",
]


class ZeebeRouterError(Exception):
    """Base of every exception raised by zeebe-router."""


# --- configuration -------------------------------------------------------------------


class ConfigurationError(ZeebeRouterError):
    """Raised at registration or start-up when code or settings are inconsistent.

    Nothing has been sent to the gateway; fix the code or setting the message names.
    """


class DuplicateTaskTypeError(ConfigurationError):
    """Raised when two handlers are registered for the same task type.

    Rename one task type, or remove one registration before including the router.
    """

    def __init__(self, task_type: str, existing: str, new: str) -> None:
        super().__init__(
            f"task type {task_type!r} is already handled by {existing}; cannot also register {new}"
        )
        self.task_type = task_type


class TaskNotFoundError(ConfigurationError):
    """Raised by ``get_task``/``remove_task`` when no handler has that task type."""

    def __init__(self, task_type: str) -> None:
        super().__init__(f"no task with type {task_type!r} is registered")
        self.task_type = task_type


class NoVariableNameGivenError(ConfigurationError):
    """Raised when ``single_value=True`` is used without ``variable_name``.

    Pass ``variable_name="..."``: the variable the returned value is stored in.
    """

    def __init__(self, task_type: str, handler: str = "") -> None:
        where = f" (handler {handler})" if handler else ""
        super().__init__(
            f"task {task_type!r}{where} sets single_value=True but gives no variable_name"
        )
        self.task_type = task_type


class InvalidHandlerError(ConfigurationError):
    """Raised at decoration time when a handler cannot be used as declared.

    The message names the task type, the handler (``module:function``) and the problem.
    """


# --- variables -----------------------------------------------------------------------


class VariablesError(ZeebeRouterError):
    """Base for variables that cannot be encoded or decoded."""


class VariablesNotSerializableError(VariablesError, TypeError):
    """Raised when variables cannot be encoded as JSON; the message names the key."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class InvalidVariablesError(VariablesError, ValueError):
    """Raised when a JSON document from the gateway is not a JSON object."""


# --- answering jobs ------------------------------------------------------------------


class JobAlreadyAnsweredError(ZeebeRouterError):
    """Raised locally when a second outcome is attempted for one activation.

    Nothing is sent: exactly one of complete / fail / throw-error reaches the gateway.
    """

    def __init__(self, job_key: int, first: str, second: str) -> None:
        super().__init__(f"job {job_key} was already answered ({first}); cannot also {second}")
        self.job_key = job_key
        self.first = first
        self.second = second


# --- OAuth ---------------------------------------------------------------------------


class OAuthError(ZeebeRouterError):
    """Base for failures to obtain an OAuth access token."""


class InvalidOAuthCredentialsError(OAuthError):
    """Raised when the authorization server rejects the client id or secret.

    Check ``ZEEBE_CLIENT_ID`` / ``ZEEBE_CLIENT_SECRET`` and the audience.
    """

    def __init__(self, url: str, client_id: str, detail: str = "") -> None:
        suffix = f": {detail}" if detail else ""
        super().__init__(
            f"authorization server {url} rejected the credentials of client {client_id!r}{suffix}"
        )
        self.url = url
        self.client_id = client_id


class OAuthServerUnreachableError(OAuthError):
    """Raised when the authorization server cannot be reached or answers nonsense."""

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"cannot obtain an access token from {url}: {detail}")
        self.url = url


# --- worker --------------------------------------------------------------------------


class WorkerError(ZeebeRouterError):
    """Raised by ``ZeebeWorker.work()`` when it stops on an error retrying cannot fix.

    The cause (``__cause__``) is the gateway error; the message says what to change.
    """


# --- gateway -------------------------------------------------------------------------


class ZeebeGatewayError(ZeebeRouterError):
    """The gateway answered an rpc with a gRPC error status.

    Attributes:
        rpc: the rpc name (``"CompleteJob"``), or ``""`` when unknown.
        status: the gRPC status code name (``"NOT_FOUND"``).
        details: the gateway's own message.
    """

    transient: ClassVar[bool] = False

    def __init__(self, details: str, *, rpc: str = "", status: str = "") -> None:
        prefix = f"{rpc}: " if rpc else ""
        code = f" [{status}]" if status else ""
        super().__init__(f"{prefix}{details}{code}")
        self.rpc = rpc
        self.status = status
        self.details = details


class TransientGatewayError(ZeebeGatewayError):
    """A failure that may pass: the worker retries it with back-off."""

    transient = True


class GatewayUnavailableError(TransientGatewayError):
    """UNAVAILABLE: the gateway or its brokers cannot be reached right now."""


class BackPressureError(TransientGatewayError):
    """RESOURCE_EXHAUSTED: the cluster is applying back-pressure; retry later."""


class DeadlineExceededError(TransientGatewayError):
    """DEADLINE_EXCEEDED: the request (or the process, with a result) took too long."""


class RequestCancelledError(TransientGatewayError):
    """CANCELLED: the call was cancelled before it finished."""


class RequestAbortedError(TransientGatewayError):
    """ABORTED: the connection closed mid-request; it may or may not have been applied."""


class GatewayInternalError(TransientGatewayError):
    """INTERNAL, UNKNOWN or DATA_LOSS: the gateway failed to process the request."""


class NotFoundError(ZeebeGatewayError):
    """NOT_FOUND: the key names nothing the gateway knows (any more)."""


class JobNotFoundError(NotFoundError):
    """NOT_FOUND on a job rpc: the job was completed, cancelled or timed out elsewhere."""


class ProcessDefinitionNotFoundError(NotFoundError):
    """NOT_FOUND when creating an instance: no such process id, version or key."""


class ProcessInstanceNotFoundError(NotFoundError):
    """NOT_FOUND on a process-instance rpc: the instance is not (or no longer) active."""


class InvalidStateError(ZeebeGatewayError):
    """FAILED_PRECONDITION: the entity exists but is not in a state that allows this."""


class JobNotActivatedError(InvalidStateError):
    """FAILED_PRECONDITION on a job rpc: the job is not activated (failed or not yet active)."""


class InvalidArgumentError(ZeebeGatewayError):
    """INVALID_ARGUMENT / OUT_OF_RANGE: the request itself is wrong; fix the arguments."""


ActivateJobsRequestInvalidError = InvalidArgumentError


class AlreadyExistsError(ZeebeGatewayError):
    """ALREADY_EXISTS: e.g. a message with the same id is still buffered."""


MessageAlreadyExistsError = AlreadyExistsError


class PermissionDeniedError(ZeebeGatewayError):
    """PERMISSION_DENIED: the credentials may not do this (tenant, authorization)."""


class UnauthenticatedError(ZeebeGatewayError):
    """UNAUTHENTICATED: no or an invalid access token; check the OAuth settings."""


class UnimplementedError(ZeebeGatewayError):
    """UNIMPLEMENTED: the gateway does not offer this rpc (an older Zeebe version)."""


# --- outcomes raised by handlers -----------------------------------------------------


class JobOutcome(ZeebeRouterError):
    """Base of the exceptions a handler raises on purpose to choose the job's outcome."""


class BpmnError(JobOutcome):
    """Raise in a handler to throw a BPMN error, caught by a boundary event with ``code``.

    Args:
        code: the error code matched against the BPMN error events.
        message: a human-readable message (shown in an incident if nothing catches it).
        variables: set at the local scope of the catching event.
    """

    def __init__(
        self, code: str, message: str = "", variables: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.variables: dict[str, Any] = dict(variables or {})

    # pyzeebe's BusinessError exposes the code as ``error_code``.
    @property
    def error_code(self) -> str:
        """The BPMN error code (pyzeebe's name)."""
        return self.code


BusinessError = BpmnError


class JobFailure(JobOutcome):
    """Raise in a handler to fail the job with chosen retries and back-off.

    Args:
        message: the failure message (shown in the incident when retries run out).
        retries: remaining retries; ``None`` means ``job.retries - 1``.
        retry_backoff_ms: how long Zeebe waits before the job can be activated again.
        variables: set at the local scope of the job's task.
    """

    def __init__(
        self,
        message: str,
        retries: int | None = None,
        retry_backoff_ms: int = 0,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retries = retries
        self.retry_backoff_ms = retry_backoff_ms
        self.variables: dict[str, Any] = dict(variables or {})


# --- pyzeebe names -------------------------------------------------------------------

PyZeebeError = ZeebeRouterError
ZeebeBackPressureError = BackPressureError
ZeebeGatewayUnavailableError = GatewayUnavailableError
ZeebeInternalError = GatewayInternalError
ZeebeDeadlineExceeded = DeadlineExceededError
