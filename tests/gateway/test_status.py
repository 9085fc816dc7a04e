"""Every gRPC status maps to one error type of the tree, once, in one place."""

from __future__ import annotations

import grpc
import pytest
from grpc.aio import AioRpcError, Metadata

from zeebe_router import errors
from zeebe_router.gateway import STATUS_ERRORS, map_grpc_error


def _rpc_error(code: grpc.StatusCode, details: str = "boom") -> AioRpcError:
    return AioRpcError(code, Metadata(), Metadata(), details=details, debug_error_string="")


def test_every_status_code_except_ok_is_mapped() -> None:
    unmapped = [
        c for c in grpc.StatusCode if c is not grpc.StatusCode.OK and c not in STATUS_ERRORS
    ]
    assert unmapped == []


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c is not grpc.StatusCode.OK])
def test_mapped_error_carries_rpc_status_and_details(code: grpc.StatusCode) -> None:
    err = map_grpc_error(_rpc_error(code, "gateway says no"), "Topology")
    assert isinstance(err, errors.ZeebeGatewayError)
    assert isinstance(err, errors.ZeebeRouterError)
    assert (err.rpc, err.status, err.details) == ("Topology", code.name, "gateway says no")
    assert "gateway says no" in str(err)


@pytest.mark.parametrize(
    ("code", "transient"),
    [
        (grpc.StatusCode.UNAVAILABLE, True),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, True),
        (grpc.StatusCode.DEADLINE_EXCEEDED, True),
        (grpc.StatusCode.CANCELLED, True),
        (grpc.StatusCode.INTERNAL, True),
        (grpc.StatusCode.ABORTED, True),
        (grpc.StatusCode.INVALID_ARGUMENT, False),
        (grpc.StatusCode.PERMISSION_DENIED, False),
        (grpc.StatusCode.UNAUTHENTICATED, False),
        (grpc.StatusCode.NOT_FOUND, False),
    ],
)
def test_transient_codes_are_the_retryable_ones(code: grpc.StatusCode, transient: bool) -> None:
    assert map_grpc_error(_rpc_error(code)).transient is transient


def test_job_rpcs_get_job_specific_types() -> None:
    assert isinstance(
        map_grpc_error(_rpc_error(grpc.StatusCode.NOT_FOUND), "CompleteJob"),
        errors.JobNotFoundError,
    )
    assert isinstance(
        map_grpc_error(_rpc_error(grpc.StatusCode.FAILED_PRECONDITION), "FailJob"),
        errors.JobNotActivatedError,
    )
    assert isinstance(
        map_grpc_error(_rpc_error(grpc.StatusCode.NOT_FOUND), "CreateProcessInstance"),
        errors.ProcessDefinitionNotFoundError,
    )
    assert isinstance(
        map_grpc_error(_rpc_error(grpc.StatusCode.NOT_FOUND), "CancelProcessInstance"),
        errors.ProcessInstanceNotFoundError,
    )


def test_pyzeebe_names_are_the_same_classes() -> None:
    assert errors.BusinessError is errors.BpmnError
    assert errors.ZeebeBackPressureError is errors.BackPressureError
    assert errors.ZeebeGatewayUnavailableError is errors.GatewayUnavailableError
    assert errors.PyZeebeError is errors.ZeebeRouterError
