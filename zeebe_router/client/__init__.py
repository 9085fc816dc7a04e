"""Clients for everything but job work: processes, deployments, messages, incidents."""

from zeebe_router.client._client import ZeebeClient
from zeebe_router.client._sync import SyncZeebeClient
from zeebe_router.gateway._processes import (
    ActivateInstruction,
    MappingInstruction,
    MoveInstruction,
    TerminateInstruction,
    VariableInstruction,
)

__all__ = [
    "ActivateInstruction",
    "MappingInstruction",
    "MoveInstruction",
    "SyncZeebeClient",
    "TerminateInstruction",
    "VariableInstruction",
    "ZeebeClient",
]
