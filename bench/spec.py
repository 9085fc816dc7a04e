"""What one contender process is asked to do, passed to it as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

__all__ = ["CONTENDER_KINDS", "RunSpec"]

#: Contender names: framework and configuration.
CONTENDER_KINDS = (
    "router-defaults",
    "router-tuned",
    "router-poll",
    "pyzeebe-defaults",
    "pyzeebe-tuned",
    "pyzeebe-stream",
    "bare",
    "bare-poll",
)


@dataclass(frozen=True)
class RunSpec:
    """One contender run: where to connect, which jobs, which handler, when to stop."""

    contender: str
    address: str
    job_type: str
    workload: str
    target: int
    cap_s: float
    concurrency: int | None = None
    rss_checkpoints: tuple[int, ...] = field(default_factory=tuple)
    first_job_timeout_s: float = 60.0
    profile_html: str | None = None

    def to_json(self) -> str:
        """Serialise for the command line of the contender process."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        """Parse what :meth:`to_json` wrote."""
        data = json.loads(text)
        data["rss_checkpoints"] = tuple(data.get("rss_checkpoints", ()))
        return cls(**data)
