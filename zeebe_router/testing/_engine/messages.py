"""Published messages (buffered for their time to live) and broadcast signals."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zeebe_router.testing._engine.engine import Engine
from zeebe_router.testing._engine.rejection import Rejection, RejectionType

__all__ = ["Message", "MessageBuffer"]

log = logging.getLogger("zeebe_router.testing.gateway")


@dataclass(frozen=True)
class Message:
    """A published message, kept until its time to live has passed."""

    key: int
    name: str
    correlation_key: str
    message_id: str
    variables: Mapping[str, Any]
    tenant_id: str
    expires_at: int


class MessageBuffer:
    """Buffers messages for their TTL and rejects live duplicates by message id.

    No element of the supported BPMN subset waits for a message or signal, so publishing only
    buffers and broadcasting only hands out a key.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._messages: dict[int, Message] = {}
        self._by_id: dict[tuple[str, str, str], int] = {}

    def publish(
        self,
        name: str,
        correlation_key: str,
        ttl_ms: int,
        message_id: str,
        variables: Mapping[str, Any],
        tenant_id: str,
    ) -> Message:
        """Buffer a message for ``ttl_ms``.

        Raises:
            Rejection: INVALID_ARGUMENT for a blank name or a negative TTL; ALREADY_EXISTS when
                a message with the same name and id is still buffered.
        """
        if not name:
            raise Rejection.invalid("Expected to publish a message with a name, but it was blank")
        if ttl_ms < 0:
            raise Rejection.invalid(
                f"Expected to publish a message with timeToLive >= 0, but it was {ttl_ms}"
            )
        now = self._engine.clock.now_ms()
        identity = (tenant_id, name, message_id)
        if message_id:
            existing = self._messages.get(self._by_id.get(identity, 0))
            if existing is not None and existing.expires_at > now:
                raise Rejection(
                    RejectionType.ALREADY_EXISTS,
                    f"Expected to publish a new message with id '{message_id}', but a message "
                    "with that id was already published",
                )
        message = Message(
            self._engine.next_key(),
            name,
            correlation_key,
            message_id,
            dict(variables),
            tenant_id,
            now + ttl_ms,
        )
        log.info("published message %r (key %s, ttl %s ms)", name, message.key, ttl_ms)
        if ttl_ms <= 0:
            return message
        self._messages[message.key] = message
        if message_id:
            self._by_id[identity] = message.key
        self._engine.clock.call_at(message.expires_at, lambda: self._expire(message))
        return message

    def buffered(self) -> list[Message]:
        """Messages still within their time to live, oldest first."""
        now = self._engine.clock.now_ms()
        return [m for m in self._messages.values() if m.expires_at > now]

    def broadcast(self, signal_name: str, tenant_id: str) -> int:
        """Broadcast a signal; return its key.

        Raises:
            Rejection: INVALID_ARGUMENT for a blank signal name.
        """
        if not signal_name:
            raise Rejection.invalid("Expected to broadcast a signal with a name, but it was blank")
        key = self._engine.next_key()
        log.info("broadcast signal %r (key %s)", signal_name, key)
        return key

    def _expire(self, message: Message) -> None:
        self._messages.pop(message.key, None)
        identity = (message.tenant_id, message.name, message.message_id)
        if self._by_id.get(identity) == message.key:
            del self._by_id[identity]
