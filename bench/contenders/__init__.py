"""The contenders: each runs one handler against the gateway until its probe says stop."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Runner"]


class Runner(Protocol):
    """A worker under test, started and stopped by the contender process."""

    async def start(self) -> None:
        """Connect and begin taking jobs; return once work has been scheduled."""
        ...

    async def stop(self) -> None:
        """Stop taking jobs and release the connection."""
        ...
