"""The only layer that talks gRPC: a typed adapter and the error translation."""

from zeebe_router.gateway._adapter import (
    ACTIVATE_DEADLINE_MARGIN_S,
    DEFAULT_RPC_TIMEOUT_S,
    ZeebeGateway,
)
from zeebe_router.gateway._processes import ProcessGateway
from zeebe_router.gateway._status import STATUS_ERRORS, map_grpc_error

__all__ = [
    "ACTIVATE_DEADLINE_MARGIN_S",
    "DEFAULT_RPC_TIMEOUT_S",
    "STATUS_ERRORS",
    "ProcessGateway",
    "ZeebeGateway",
    "map_grpc_error",
]
