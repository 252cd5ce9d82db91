"""The one Logger, Tracer and Metrics of each function, and masking of personal data in logs."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Paylox")


def count_per(name: str, dimension: str, value: str, count: float = 1) -> None:
    """Publish ``count`` of metric ``name`` for one ``dimension`` value (``DomainEvents`` per
    ``DetailType``, ``SmsSent`` per ``Provider``...), apart from the function's other metrics,
    whose dimensions are shared."""
    with single_metric(name=name, unit=MetricUnit.Count, value=count, namespace=metrics.namespace) as metric:
        metric.add_dimension(name=dimension, value=value)


def log_event_context(event_id: str, detail_type: str, request_id: str | None) -> None:
    """Every log line of an event consumer names the event and the HTTP request that caused it:
    the request's id (carried in the outbox's ``detail.request_id``) becomes the correlation id,
    the same ``correlation_id`` the API function logged, so one Logs Insights filter finds both."""
    logger.append_keys(event_id=event_id, detail_type=detail_type, request_id=request_id)
    if request_id:
        logger.set_correlation_id(request_id)


def mask_phone(phone: str | None) -> str:
    """``+905551112233`` → ``+90*******2233``: enough to correlate, too little to dial."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 0) + phone[-4:]


def mask_email(email: str | None) -> str:
    """``ayse.yilmaz@example.com`` → ``a***@example.com``."""
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"
