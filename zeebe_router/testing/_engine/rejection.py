"""Why the engine refuses a command, independent of the wire that carried it."""

from __future__ import annotations

from enum import Enum

__all__ = ["Rejection", "RejectionType"]


class RejectionType(Enum):
    """Zeebe's rejection types; the servicer maps each to one gRPC status."""

    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    INVALID_STATE = "INVALID_STATE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"


class Rejection(Exception):
    """Raised by the engine when a command is refused; the message says what is wrong."""

    def __init__(self, kind: RejectionType, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @classmethod
    def invalid(cls, message: str) -> Rejection:
        """An argument of the command is invalid."""
        return cls(RejectionType.INVALID_ARGUMENT, message)

    @classmethod
    def not_found(cls, message: str) -> Rejection:
        """The command names something that does not exist (any more)."""
        return cls(RejectionType.NOT_FOUND, message)

    @classmethod
    def invalid_state(cls, message: str) -> Rejection:
        """The target exists but is not in a state that allows the command."""
        return cls(RejectionType.INVALID_STATE, message)
