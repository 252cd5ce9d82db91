"""The one Logger, Tracer and Metrics of each function, and masking of personal data in logs.

Tracing: Lambda's active tracing (``Tracing: Active`` in template.yaml) traces every invocation by
itself, init and duration included, with no code in the function. The X-Ray SDK only adds
subsegments (each AWS call, each captured method), and importing it costs more than a third of a
bare function's cold start. So the SDK is loaded only when it is switched on, by the template
parameter ``XRaySdkTracing`` (``POWERTOOLS_TRACE_DISABLED=false``); otherwise ``tracer`` is an
:class:`Untraced` that keeps the decorators' shape and does nothing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from paylox import collector

Handler = TypeVar("Handler", bound=Callable[[Any, Any], Any])


def xray_sdk_enabled(environment: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """True when the X-Ray SDK is asked for: inside Lambda and not disabled the Powertools way
    (``POWERTOOLS_TRACE_DISABLED``, which the template sets from ``XRaySdkTracing``)."""
    disabled = environment.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in ("true", "1")
    in_lambda = bool(environment.get("AWS_LAMBDA_FUNCTION_NAME")) and not environment.get("AWS_SAM_LOCAL")
    return in_lambda and not disabled


class Untraced:
    """Stands in for Powertools' ``Tracer`` when the X-Ray SDK is off: same decorators, no SDK."""

    def capture_lambda_handler(self, lambda_handler: Callable[..., Any] | None = None, **_: Any) -> Callable[..., Any]:
        """``@tracer.capture_lambda_handler`` and ``@tracer.capture_lambda_handler(...)``: the
        handler unchanged."""
        return lambda_handler if lambda_handler is not None else _unchanged

    def capture_method(self, method: Callable[..., Any] | None = None, **_: Any) -> Callable[..., Any]:
        """``@tracer.capture_method`` with or without arguments: the method unchanged."""
        return method if method is not None else _unchanged

    def put_annotation(self, key: str, value: str | float | bool) -> None:
        """Nothing to annotate without the SDK."""

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        """Nothing to attach without the SDK."""


def _unchanged(function: Callable[..., Any]) -> Callable[..., Any]:
    return function


logger = Logger()
# Typed as the Tracer it stands in for: the code uses only the decorators and annotations above.
tracer: Tracer = Tracer() if xray_sdk_enabled() else cast(Tracer, Untraced())
metrics = Metrics(namespace="Paylox")


def entry_point(*, correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """The decorator of every function's Lambda handler: the invocation's log context (and
    correlation id, when the event carries one at ``correlation_id_path``), its trace, its metrics
    flushed, and the end of the cold start after the first event (:func:`paylox.collector.settle`).

    The trace never holds the handler's answer: answers carry share tokens, presigned URLs and OTP
    tokens (``POWERTOOLS_TRACER_CAPTURE_RESPONSE`` is ``false`` too, in the template's Globals).
    """

    def decorate(handle: Handler) -> Handler:
        @functools.wraps(handle)
        def settling(event: Any, context: Any) -> Any:
            try:
                return handle(event, context)
            finally:
                collector.settle()  # the first event is the end of the cold start

        traced = tracer.capture_lambda_handler(capture_response=False)(metrics.log_metrics(settling))
        handler = logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(traced)
        handler.paylox_entry_point = True  # tests hold every function's handler to this decorator
        return cast(Handler, handler)

    return decorate


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
