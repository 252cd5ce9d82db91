"""The Jetcheckout payment gateway over HTTPS (``requests``).

Every request is signed the way we assume Jetcheckout expects (docs/webhooks.md, "Calling
Jetcheckout"): four headers carry the API key, the time, a single-use nonce and

    X-Jetcheckout-Hash = base64( HMAC-SHA256( api_secret, canonical ) )
    canonical = METHOD "\\n" PATH_WITH_QUERY "\\n" TIMESTAMP "\\n" NONCE "\\n" API_KEY "\\n" BODY

where BODY is exactly the bytes sent (empty for GET). Amounts travel as integer kuruş. The API key
and secret come from :mod:`paylox.secrets` on each call (cached for five minutes there), so a
rotation reaches warm functions without a redeploy. Provider failures become the domain errors of
:mod:`paylox.payments.errors`; the provider's own messages are logged, never returned to clients.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from paylox import clock
from paylox.config import get_settings
from paylox.ids import new_id
from paylox.observability import logger
from paylox.payments.base import PaymentSession, PaymentState, PaymentStatus, RefundResult
from paylox.payments.errors import (
    PaymentNotFound,
    PaymentProviderError,
    PaymentProviderUnavailable,
    PaymentRejected,
)
from paylox.secrets import get_secret

CONNECT_TIMEOUT_SECONDS = 3.05
_STATES: frozenset[str] = frozenset({"pending", "succeeded", "failed", "refunded", "partially_refunded"})


def request_hash(
    api_secret: str, *, method: str, path: str, timestamp: str, nonce: str, api_key: str, body: bytes
) -> str:
    """The ``X-Jetcheckout-Hash`` of one request (see the module docstring for the canonical form)."""
    canonical = "\n".join([method.upper(), path, timestamp, nonce, api_key]).encode("utf-8") + b"\n" + body
    digest = hmac.new(api_secret.encode("utf-8"), canonical, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@cache
def _http() -> requests.Session:
    # One connection pool per execution environment: warm invocations skip the TLS handshake.
    return requests.Session()


@dataclass(frozen=True)
class JetcheckoutGateway:
    base_url: str
    timeout_seconds: float
    return_url: str | None = None
    session: requests.Session | None = None

    @classmethod
    def from_settings(cls) -> JetcheckoutGateway:
        settings = get_settings()
        if not settings.jetcheckout_base_url:  # the settings validator makes this unreachable
            raise PaymentProviderError()
        return cls(
            base_url=settings.jetcheckout_base_url,
            timeout_seconds=settings.jetcheckout_timeout_seconds,
            return_url=settings.payment_return_url,
        )

    # ------------------------------------------------------------------ operations
    def create_session(
        self, *, transaction_id: str, amount: int, currency: str, description: str, buyer_email: str | None
    ) -> PaymentSession:
        body: dict[str, Any] = {
            "merchant_reference": transaction_id,
            "amount": amount,
            "currency": currency,
            "description": description,
        }
        if buyer_email:
            body["customer_email"] = buyer_email
        if self.return_url:
            body["return_url"] = self.return_url
        # No idempotency key: a session moves no money, and a failed payment needs a fresh one.
        data = self._call("POST", "/v1/payment-sessions", body=body)
        return PaymentSession(
            session_id=_field(data, "session_id"),
            payment_url=_field(data, "payment_url"),
            expires_at=_field(data, "expires_at"),
        )

    def payment_status(self, *, transaction_id: str) -> PaymentStatus:
        data = self._call("GET", "/v1/payments", query={"merchant_reference": transaction_id})
        status = _field(data, "status")
        if status not in _STATES:
            logger.error("jetcheckout answered an unknown payment status", extra={"status": status})
            raise PaymentProviderError()
        state: PaymentState = status  # type: ignore[assignment]  # narrowed by the membership test
        return PaymentStatus(
            transaction_id=transaction_id,
            payment_id=data.get("payment_id"),
            status=state,
            amount=_int_field(data, "amount"),
            currency=_field(data, "currency"),
            refunded_amount=_int_field(data, "refunded_amount", default=0),
        )

    def refund(
        self, *, transaction_id: str, payment_id: str | None, amount: int, idempotency_key: str | None = None
    ) -> RefundResult:
        if payment_id is None:
            payment_id = self.payment_status(transaction_id=transaction_id).payment_id
            if payment_id is None:
                raise PaymentNotFound()
        data = self._call(
            "POST",
            f"/v1/payments/{payment_id}/refunds",
            body={"amount": amount, "merchant_reference": transaction_id},
            idempotency_key=idempotency_key or f"refund-{new_id('req')}",
        )
        return RefundResult(refund_id=_field(data, "refund_id"), status=_field(data, "status"))

    # ------------------------------------------------------------------ transport
    def _call(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        api_key = get_secret("JETCHECKOUT_API_KEY")
        api_secret = get_secret("JETCHECKOUT_API_SECRET")
        path_with_query = path + (f"?{urlencode(query)}" if query else "")
        payload = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
            if body is not None
            else b""
        )
        timestamp, nonce = str(clock.timestamp()), new_id("req")
        headers = {
            "Accept": "application/json",
            "X-Jetcheckout-Api-Key": api_key,
            "X-Jetcheckout-Timestamp": timestamp,
            "X-Jetcheckout-Nonce": nonce,
            "X-Jetcheckout-Hash": request_hash(
                api_secret,
                method=method,
                path=urlsplit(self.base_url).path.rstrip("/") + path_with_query,
                timestamp=timestamp,
                nonce=nonce,
                api_key=api_key,
                body=payload,
            ),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = (self.session or _http()).request(
                method,
                self.base_url.rstrip("/") + path_with_query,
                data=payload or None,
                headers=headers,
                timeout=(CONNECT_TIMEOUT_SECONDS, self.timeout_seconds),
            )
        except requests.RequestException as exc:
            logger.warning("jetcheckout unreachable", extra={"path": path, "error": type(exc).__name__})
            raise PaymentProviderUnavailable() from exc
        return _answer(response, path)


def _answer(response: requests.Response, path: str) -> dict[str, Any]:
    """The JSON body of a 2xx answer; any other answer becomes the matching domain error."""
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = None
    if 200 <= status < 300:
        if not isinstance(data, dict):
            logger.error("jetcheckout answered without a JSON object", extra={"path": path, "status": status})
            raise PaymentProviderError()
        return data
    provider_code = _provider_code(data)
    logger.warning("jetcheckout refused", extra={"path": path, "status": status, "provider_code": provider_code})
    if status == 429 or status >= 500:
        raise PaymentProviderUnavailable()
    if status == 404:
        raise PaymentNotFound()
    if status in (400, 409, 422):
        raise PaymentRejected(provider_code)
    # 401/403 and anything unexpected: our credentials or our request are wrong, not the buyer's.
    raise PaymentProviderError()


def _provider_code(data: object) -> str:
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code) if code else "unknown"


def _field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        logger.error("jetcheckout answer lacks a field", extra={"field": name})
        raise PaymentProviderError()
    return value


def _int_field(data: dict[str, Any], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        logger.error("jetcheckout answer has a non-integer amount", extra={"field": name})
        raise PaymentProviderError()
    return value
