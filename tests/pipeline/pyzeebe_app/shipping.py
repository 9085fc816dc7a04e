"""Shipping tasks, written the pyzeebe way."""

from zeebe_router import Job
from zeebe_router.routing import ZeebeTaskRouter

shipped: list[int] = []


async def remember(job: Job) -> Job:
    shipped.append(job.key)
    return job


router = ZeebeTaskRouter(after=[remember])


@router.task("describe-shipment", timeout_ms=30000, max_running_jobs=8)
async def describe_shipment(job: Job) -> dict[str, object]:
    return {
        "process": job.bpmn_process_id,
        "carrier": job.custom_headers.get("carrier", "post"),
        "attempt": job.retries,
    }


@router.task("ship-everything", before=[remember])
def ship_everything(**variables: object) -> dict[str, object]:
    return {"shipped_keys": sorted(variables)}
