"""Job fields in log records, the JSON formatter and configure_logging."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator

import pytest

from zeebe_router.job import Job
from zeebe_router.observability import (
    JobContextFilter,
    JsonFormatter,
    configure_logging,
    current_job,
)

JOB = Job(
    key=101,
    type="log-context-charge",
    process_instance_key=202,
    bpmn_process_id="order",
    element_id="charge",
)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.addFilter(JobContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def capture() -> Iterator[tuple[logging.Logger, Capture]]:
    logger = logging.getLogger("tests.log_context")
    handler = Capture()
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, handler
    logger.removeHandler(handler)


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    for h in root.handlers:
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)


def test_records_carry_the_current_job(capture: tuple[logging.Logger, Capture]) -> None:
    logger, handler = capture
    token = current_job.set(JOB)
    try:
        logger.info("charging")
    finally:
        current_job.reset(token)
    logger.info("idle")
    during, after = handler.records
    assert during.job_key == 101  # type: ignore[attr-defined]
    assert during.job_type == "log-context-charge"  # type: ignore[attr-defined]
    assert during.process_instance_key == 202  # type: ignore[attr-defined]
    assert during.bpmn_process_id == "order"  # type: ignore[attr-defined]
    assert during.element_id == "charge"  # type: ignore[attr-defined]
    assert not hasattr(after, "job_key")


async def test_sync_code_in_a_thread_sees_the_job(
    capture: tuple[logging.Logger, Capture],
) -> None:
    logger, handler = capture
    token = current_job.set(JOB)
    try:
        await asyncio.to_thread(logger.warning, "from a thread")
    finally:
        current_job.reset(token)
    assert handler.records[0].job_key == 101  # type: ignore[attr-defined]


def test_fields_given_by_job_log_are_kept(capture: tuple[logging.Logger, Capture]) -> None:
    logger, handler = capture
    other = JOB.replace(key=999)
    token = current_job.set(JOB)
    try:
        logging.LoggerAdapter(logger, other.log_context()).info("about another job")
    finally:
        current_job.reset(token)
    assert handler.records[0].job_key == 999  # type: ignore[attr-defined]


def _record(exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(
        "svc.payments", logging.ERROR, __file__, 1, "paid %s", ("x",), exc_info
    )


def test_json_formatter_writes_one_object_per_line() -> None:
    record = _record()
    JobContextFilter().filter(record)  # no job: no job fields
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "svc.payments"
    assert entry["message"] == "paid x"
    assert entry["time"].endswith("+00:00")
    assert "job_key" not in entry
    assert "exception" not in entry


def test_json_formatter_includes_the_traceback_and_the_job() -> None:
    try:
        raise ValueError("card declined")
    except ValueError as exc:
        record = _record(exc)
    token = current_job.set(JOB)
    try:
        JobContextFilter().filter(record)
    finally:
        current_job.reset(token)
    entry = json.loads(JsonFormatter().format(record))
    assert "ValueError: card declined" in entry["exception"]
    assert "Traceback" in entry["exception"]
    assert entry["job_key"] == 101
    assert entry["job_type"] == "log-context-charge"


@pytest.mark.usefixtures("restore_root")
def test_configure_logging_json_replaces_its_own_handler() -> None:
    first = io.StringIO()
    second = io.StringIO()
    configure_logging("debug", "json", stream=first)
    configure_logging("INFO", "json", stream=second)
    token = current_job.set(JOB)
    try:
        logging.getLogger("tests.configure").info("hello %s", "world")
        logging.getLogger("tests.configure").debug("not shown")
    finally:
        current_job.reset(token)
    assert first.getvalue() == ""
    [line] = second.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert entry["process_instance_key"] == 202
    assert logging.getLogger().level == logging.INFO


@pytest.mark.usefixtures("restore_root")
def test_configure_logging_text_appends_job_fields() -> None:
    out = io.StringIO()
    configure_logging(fmt="text", stream=out)
    token = current_job.set(JOB)
    try:
        logging.getLogger("tests.configure").warning("retrying")
    finally:
        current_job.reset(token)
    logging.getLogger("tests.configure").warning("no job")
    with_job, without = out.getvalue().splitlines()
    assert "WARNING tests.configure: retrying [job_key=101 job_type=log-context-charge" in with_job
    assert "element_id=charge]" in with_job
    assert without.endswith("tests.configure: no job")


def test_configure_logging_rejects_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="'text' or 'json'"):
        configure_logging(fmt="xml")  # type: ignore[arg-type]
