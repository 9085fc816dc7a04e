"""``async def`` handlers run on the event loop; plain ``def`` handlers run in the worker's threads.

Await I/O in ``async def`` handlers. Blocking code (a synchronous SDK, ``requests``, a
database driver without asyncio) goes in a plain ``def``: the worker runs it in its own
bounded thread pool, so it never blocks the loop that activates and answers jobs. CPU-bound
work can ask for a process pool with ``execution="process"``.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time

from zeebe_router import ZeebeTaskRouter

router = ZeebeTaskRouter()


@router.task("fetch-rate")
async def fetch_rate(currency: str) -> dict[str, object]:
    """Awaits I/O on the loop: hundreds of these can wait at once in one thread."""
    await asyncio.sleep(0.01)  # e.g. an httpx.AsyncClient call
    return {"rate": 1.08 if currency == "USD" else 1.0, "thread": threading.current_thread().name}


@router.task("render-invoice", max_running_jobs=4)
def render_invoice(order_id: str) -> dict[str, object]:
    """Blocks (a synchronous PDF library, say): runs in the worker's thread pool."""
    time.sleep(0.01)
    return {"invoice": f"{order_id}.pdf", "thread": threading.current_thread().name}


@router.task("fingerprint-document", execution="process")
def fingerprint(document: str) -> dict[str, str]:
    """CPU-bound and picklable: runs in a process pool, away from the loop's GIL."""
    digest = document.encode()
    for _ in range(10_000):
        digest = hashlib.sha256(digest).digest()
    return {"fingerprint": digest.hex()}
