"""Log records that say which job they are about, as text or one JSON object per line."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timezone
from typing import Any, Literal, TextIO

from zeebe_router import _json
from zeebe_router.observability._context import current_job

__all__ = ["JOB_FIELDS", "JobContextFilter", "JsonFormatter", "TextFormatter", "configure_logging"]

#: The record attributes that identify a job (see :meth:`zeebe_router.Job.log_context`).
JOB_FIELDS = ("job_key", "job_type", "process_instance_key", "bpmn_process_id", "element_id")


class JobContextFilter(logging.Filter):
    """Copies the job being handled (``current_job``) into every record it sees.

    Attach it to a handler, so records of every logger (your code's, libraries') carry
    ``job_key``, ``job_type``, ``process_instance_key``, ``bpmn_process_id`` and
    ``element_id`` while a handler runs. Values already on a record (from ``Job.log``)
    are kept. It never drops a record.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the current job's fields to ``record``."""
        job = current_job.get()
        if job is not None:
            for name, value in job.log_context().items():
                if not hasattr(record, name):
                    setattr(record, name, value)
        return True


def _job_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in JOB_FIELDS if hasattr(record, name)}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object per line, for log collectors.

    Keys: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``, ``exception`` (the
    traceback, when there is one) and the job fields when the record has them.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON object on one line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        entry.update(_job_fields(record))
        return _json.dumps(entry)


class TextFormatter(logging.Formatter):
    """A one-line human format that ends with the job fields when the record has them."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        """Format the line and append ``[job_key=... job_type=...]`` when there is a job."""
        line = super().formatMessage(record)
        fields = _job_fields(record)
        if not fields:
            return line
        return f"{line} [{' '.join(f'{k}={v}' for k, v in fields.items())}]"


def configure_logging(
    level: int | str = "INFO",
    fmt: Literal["text", "json"] = "text",
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) as text or JSON, with job fields.

    Calling it again replaces the handler it installed before, so it is safe to call once
    per process start (the CLI does). Returns the handler.

    Raises:
        ValueError: ``fmt`` is neither ``"text"`` nor ``"json"``, or ``level`` is unknown.
    """
    if fmt not in ("text", "json"):
        raise ValueError(f"log format must be 'text' or 'json', not {fmt!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name("zeebe_router")
    handler.addFilter(JobContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for old in [h for h in root.handlers if h.get_name() == "zeebe_router"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    return handler
