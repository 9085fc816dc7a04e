"""Per-task pipelines: signature plan, middleware, execution and the job's outcome."""

from zeebe_router.pipeline._execution import Executors
from zeebe_router.pipeline._outcome import default_exception_handler
from zeebe_router.pipeline._runner import TaskRunner, build_runners

__all__ = ["Executors", "TaskRunner", "build_runners", "default_exception_handler"]
