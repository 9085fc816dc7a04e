import asyncio

import pytest

from zeebe_router.worker import Capacity


def test_try_take_never_exceeds_the_limit() -> None:
    changes: list[tuple[int, int]] = []
    capacity = Capacity(4, lambda in_flight, free: changes.append((in_flight, free)))
    assert capacity.try_take(3) == 3
    assert capacity.try_take(3) == 1
    assert capacity.try_take() == 0
    assert (capacity.in_flight, capacity.free) == (4, 0)
    capacity.release(2)
    assert capacity.free == 2
    assert changes == [(3, 1), (4, 0), (2, 2)]


async def test_a_waiter_resumes_as_soon_as_a_slot_frees() -> None:
    capacity = Capacity(2)
    capacity.try_take(2)
    waiter = asyncio.ensure_future(capacity.take(5))
    await asyncio.sleep(0)
    assert not waiter.done()
    capacity.release()
    assert await asyncio.wait_for(waiter, 1) == 1
    assert capacity.free == 0


async def test_wait_free_does_not_take_a_slot_and_wakes_every_waiter() -> None:
    capacity = Capacity(1)
    capacity.try_take()
    waiters = [asyncio.ensure_future(capacity.wait_free()) for _ in range(3)]
    await asyncio.sleep(0)
    capacity.release()
    await asyncio.wait_for(asyncio.gather(*waiters), 1)
    assert capacity.free == 1


async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    capacity = Capacity(1)
    capacity.try_take()
    waiter = asyncio.ensure_future(capacity.take())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    capacity.release()
    assert capacity.free == 1


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Capacity(0)
