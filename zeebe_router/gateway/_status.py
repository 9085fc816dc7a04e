"""Translate gRPC errors into the zeebe-router error tree: the one place it happens."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import grpc

from zeebe_router import errors

__all__ = ["JOB_RPCS", "PROCESS_INSTANCE_RPCS", "STATUS_ERRORS", "map_grpc_error"]

#: The error type for every gRPC status code except OK.
STATUS_ERRORS: Mapping[grpc.StatusCode, type[errors.ZeebeGatewayError]] = MappingProxyType(
    {
        grpc.StatusCode.CANCELLED: errors.RequestCancelledError,
        grpc.StatusCode.UNKNOWN: errors.GatewayInternalError,
        grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgumentError,
        grpc.StatusCode.DEADLINE_EXCEEDED: errors.DeadlineExceededError,
        grpc.StatusCode.NOT_FOUND: errors.NotFoundError,
        grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExistsError,
        grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDeniedError,
        grpc.StatusCode.RESOURCE_EXHAUSTED: errors.BackPressureError,
        grpc.StatusCode.FAILED_PRECONDITION: errors.InvalidStateError,
        grpc.StatusCode.ABORTED: errors.RequestAbortedError,
        grpc.StatusCode.OUT_OF_RANGE: errors.InvalidArgumentError,
        grpc.StatusCode.UNIMPLEMENTED: errors.UnimplementedError,
        grpc.StatusCode.INTERNAL: errors.GatewayInternalError,
        grpc.StatusCode.UNAVAILABLE: errors.GatewayUnavailableError,
        grpc.StatusCode.DATA_LOSS: errors.GatewayInternalError,
        grpc.StatusCode.UNAUTHENTICATED: errors.UnauthenticatedError,
    }
)

JOB_RPCS = frozenset(
    {"CompleteJob", "FailJob", "ThrowError", "UpdateJobTimeout", "UpdateJobRetries"}
)
PROCESS_INSTANCE_RPCS = frozenset(
    {"CancelProcessInstance", "ModifyProcessInstance", "MigrateProcessInstance"}
)
_CREATE_RPCS = frozenset({"CreateProcessInstance", "CreateProcessInstanceWithResult"})


def _refine(cls: type[errors.ZeebeGatewayError], rpc: str) -> type[errors.ZeebeGatewayError]:
    if cls is errors.NotFoundError:
        if rpc in JOB_RPCS:
            return errors.JobNotFoundError
        if rpc in PROCESS_INSTANCE_RPCS:
            return errors.ProcessInstanceNotFoundError
        if rpc in _CREATE_RPCS:
            return errors.ProcessDefinitionNotFoundError
    if cls is errors.InvalidStateError and rpc in JOB_RPCS:
        return errors.JobNotActivatedError
    return cls


def map_grpc_error(exc: grpc.RpcError, rpc: str = "") -> errors.ZeebeGatewayError:
    """Return the zeebe-router error for a failed gRPC call (raise it ``from exc``).

    Args:
        exc: the error grpc raised (``grpc.aio.AioRpcError`` or a sync ``grpc.Call``).
        rpc: the rpc's name, used to pick a precise type (``JobNotFoundError``, ...).
    """
    code_fn = getattr(exc, "code", None)
    code = code_fn() if callable(code_fn) else grpc.StatusCode.UNKNOWN
    details_fn = getattr(exc, "details", None)
    details = (details_fn() if callable(details_fn) else None) or str(exc) or code.name
    cls = _refine(STATUS_ERRORS.get(code, errors.GatewayInternalError), rpc)
    return cls(details, rpc=rpc, status=code.name)
