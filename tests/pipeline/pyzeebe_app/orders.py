"""Order tasks, written the pyzeebe way."""

import logging

from zeebe_router import Job, JobController
from zeebe_router.errors import BusinessError
from zeebe_router.routing import ZeebeTaskRouter

logger = logging.getLogger(__name__)


class CardDeclinedError(Exception):
    """The card provider said no."""


def log_job(job: Job) -> Job:
    logger.info("running %s for instance %s", job.type, job.process_instance_key)
    return job


async def on_payment_error(exception: Exception, job: Job, job_controller: JobController) -> None:
    if isinstance(exception, CardDeclinedError):
        await job_controller.set_error_status(f"declined: {exception}", error_code="CARD_DECLINED")
    else:
        await job_controller.set_failure_status(
            f"Failed to handle job {job.key}. Error: {exception}"
        )


router = ZeebeTaskRouter(before=[log_job])


@router.task(task_type="charge-card", exception_handler=on_payment_error)
async def charge_card(order_id: str, amount: float) -> dict[str, object]:
    if amount > 1000:
        raise CardDeclinedError(f"{amount} is over the limit")
    if amount < 0:
        raise RuntimeError("negative amount")
    return {"receipt": f"receipt-{order_id}"}


@router.task(task_type="validate-order")
async def validate_order(order_id: str) -> dict[str, object]:
    if not order_id.startswith("o-"):
        raise BusinessError("INVALID_ORDER")
    return {"valid": True}


@router.task(task_type="order-total", single_value=True, variable_name="total")
def order_total(items: list[dict[str, float]]) -> float:
    return sum(item["price"] * item["quantity"] for item in items)
