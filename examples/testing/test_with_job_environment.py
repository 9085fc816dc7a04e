"""Unit tests of handlers with ``JobEnvironment``: the full pipeline, no gateway, no network.

Run with ``pytest examples/testing``. The ``job_env`` fixture comes from zeebe-router's
pytest plugin; ``JobEnvironment()`` works the same outside pytest.
"""

from __future__ import annotations

from examples import typed_variables, user_task_listener
from examples.order_fulfillment import payments
from zeebe_router import JobKind, ListenerEventType, UserTaskProperties
from zeebe_router.testing import JobEnvironment

ORDER = {"id": "O-1", "card": "4242424242424242", "amount": 12.5}


async def test_a_good_card_is_charged(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        payments.router,
        type="charge-card",
        variables={"order": ORDER},
        headers={"provider": "acme-pay"},
    )
    assert outcome.completed
    assert outcome.variables == {"payment": {"provider": "acme-pay", "amount": 12.5}}


async def test_a_provider_timeout_fails_with_a_back_off(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        payments.router,
        type="charge-card",
        variables={"order": ORDER | {"provider_flaky": True}},
        headers={"provider": "acme-pay"},
        retries=3,
    )
    assert outcome.failed
    assert outcome.retries == 2
    assert outcome.retry_backoff_ms == payments.PROVIDER_RETRY_BACKOFF_MS


async def test_an_invalid_parcel_fails_with_the_validation_message(
    job_env: JobEnvironment,
) -> None:
    outcome = await job_env.run(
        typed_variables.router,
        variables={"weight_kg": -1, "address": {"country": "DE", "postcode": "10115"}},
    )
    assert outcome.failed
    assert "weight_kg" in outcome.message


async def test_a_listener_hands_the_task_to_a_deputy(job_env: JobEnvironment) -> None:
    outcome = await job_env.run(
        user_task_listener.router,
        variables={"requester": "carol"},
        kind=JobKind.TASK_LISTENER,
        listener_event_type=ListenerEventType.ASSIGNING,
        user_task=UserTaskProperties(assignee="alice"),
    )
    assert outcome.completed
    assert outcome.result is not None
    assert outcome.result.corrections is not None
    assert outcome.result.corrections.assignee == "bob"
