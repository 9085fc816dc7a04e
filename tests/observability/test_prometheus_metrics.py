"""PrometheusMetrics, read back through the text exposition format."""

from __future__ import annotations

import sys

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from zeebe_router.observability import CompositeMetrics, NoopMetrics, PrometheusMetrics


def scrape(registry: CollectorRegistry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_every_measurement_is_exported_by_task_type() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry)
    metrics.job_activated("prom-charge", 3)
    metrics.job_activated("prom-ship")
    metrics.job_answered("prom-charge", "complete")
    metrics.job_answered("prom-charge", "complete")
    metrics.job_answered("prom-charge", "lost")
    metrics.handler_duration("prom-charge", 0.02)
    metrics.handler_duration("prom-charge", 3.0)
    metrics.slots("prom-charge", in_flight=2, free=30)
    metrics.activation_error("prom-charge", "UNAVAILABLE")
    metrics.stream_reconnect("prom-ship")

    samples = scrape(registry)
    charge = (("task_type", "prom-charge"),)
    ship = (("task_type", "prom-ship"),)
    assert samples["zeebe_router_jobs_activated_total", charge] == 3
    assert samples["zeebe_router_jobs_activated_total", ship] == 1
    complete = (("outcome", "complete"), ("task_type", "prom-charge"))
    lost = (("outcome", "lost"), ("task_type", "prom-charge"))
    assert samples["zeebe_router_jobs_answered_total", complete] == 2
    assert samples["zeebe_router_jobs_answered_total", lost] == 1
    assert samples["zeebe_router_handler_duration_seconds_count", charge] == 2
    assert samples["zeebe_router_handler_duration_seconds_sum", charge] == pytest.approx(3.02)
    le_50ms = (("le", "0.05"), ("task_type", "prom-charge"))
    assert samples["zeebe_router_handler_duration_seconds_bucket", le_50ms] == 1
    assert samples["zeebe_router_jobs_in_flight", charge] == 2
    assert samples["zeebe_router_free_slots", charge] == 30
    unavailable = (("status", "UNAVAILABLE"), ("task_type", "prom-charge"))
    assert samples["zeebe_router_activation_errors_total", unavailable] == 1
    assert samples["zeebe_router_stream_reconnects_total", ship] == 1


def test_gauges_follow_the_latest_slots() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry, namespace="orders")
    metrics.slots("prom-gauge", in_flight=5, free=0)
    metrics.slots("prom-gauge", in_flight=1, free=4)
    samples = scrape(registry)
    assert samples["orders_jobs_in_flight", (("task_type", "prom-gauge"),)] == 1
    assert samples["orders_free_slots", (("task_type", "prom-gauge"),)] == 4


def test_a_registry_takes_one_instance_per_namespace() -> None:
    registry = CollectorRegistry()
    PrometheusMetrics(registry)
    with pytest.raises(ValueError, match="Duplicated"):
        PrometheusMetrics(registry)
    PrometheusMetrics(registry, namespace="other")


def test_composite_metrics_feeds_every_backend() -> None:
    first, second = CollectorRegistry(), CollectorRegistry()
    metrics = CompositeMetrics(PrometheusMetrics(first), NoopMetrics(), PrometheusMetrics(second))
    metrics.job_activated("prom-composite", 2)
    metrics.job_answered("prom-composite", "fail")
    metrics.handler_duration("prom-composite", 0.1)
    metrics.slots("prom-composite", 1, 1)
    metrics.activation_error("prom-composite", "INTERNAL")
    metrics.stream_reconnect("prom-composite")
    for registry in (first, second):
        samples = scrape(registry)
        assert samples["zeebe_router_jobs_activated_total", (("task_type", "prom-composite"),)] == 2
        fail = (("outcome", "fail"), ("task_type", "prom-composite"))
        assert samples["zeebe_router_jobs_answered_total", fail] == 1
        reconnects = samples[
            "zeebe_router_stream_reconnects_total", (("task_type", "prom-composite"),)
        ]
        assert reconnects == 1


def test_without_prometheus_client_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ImportError, match=r"zeebe-router\[prometheus\]"):
        PrometheusMetrics(CollectorRegistry())
