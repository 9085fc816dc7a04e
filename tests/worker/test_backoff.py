import random

import pytest

from zeebe_router.worker import ExponentialBackoff


def test_default_schedule_grows_by_factor_within_jitter_and_caps_at_five_seconds() -> None:
    backoff = ExponentialBackoff(rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(30)]
    base = 0.05
    for delay in delays:
        assert base * 0.9 <= delay <= base * 1.1
        base = min(5.0, base * 1.6)
    assert max(delays) <= 5.0 * 1.1
    assert delays[-1] >= 5.0 * 0.9


def test_jitter_spreads_delays_over_the_whole_range() -> None:
    delays = [ExponentialBackoff(rng=random.Random(seed)).next_delay() for seed in range(500)]
    assert min(delays) < 0.05 * 0.92
    assert max(delays) > 0.05 * 1.08
    assert len({round(d, 6) for d in delays}) > 400


def test_same_seed_gives_the_same_schedule() -> None:
    first = ExponentialBackoff(rng=random.Random(3))
    second = ExponentialBackoff(rng=random.Random(3))
    assert [first.next_delay() for _ in range(10)] == [second.next_delay() for _ in range(10)]


def test_reset_starts_again_from_the_initial_delay() -> None:
    backoff = ExponentialBackoff(jitter=0)
    for _ in range(20):
        backoff.next_delay()
    assert backoff.next_delay() == 5.0
    backoff.reset()
    assert backoff.next_delay() == 0.05
    assert backoff.next_delay() == pytest.approx(0.08)


@pytest.mark.parametrize(
    "kwargs",
    [{"initial": 0}, {"initial": 2, "maximum": 1}, {"multiplier": 0.5}, {"jitter": 1.5}],
)
def test_rejects_nonsense_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ExponentialBackoff(**kwargs)  # type: ignore[arg-type]
