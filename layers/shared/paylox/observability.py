"""The one Logger, Tracer and Metrics of each function, and masking of personal data in logs."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Paylox")


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
